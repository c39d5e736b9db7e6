"""Per-page state kept between runs: the last processed revision and the attributions made.

One JSON file per page under a directory, replaced atomically. A missing, unreadable or corrupt
file means starting fresh (with a warning), never a crash. Used with attribute(known=...).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.text.history.attribution import Attribution, Authorship, Doubt, RevisionMeta

VERSION = 2  # 2: per-edit verdicts (signed) and doubts
STALE_STATE = "the saved state is of another wiki state (restored or rebuilt?); starting fresh"


@dataclass(frozen=True)
class PageState:
    """`attributions` maps LineQuery.key to who added the line (None: organizer text).

    `as_of` is when someone other than the bot last edited the page, as of `last_revid`: the
    summary's "as of" time, kept so an unchanged page needs no history request.
    """

    title: str
    last_revid: int | None = None
    attributions: Mapping[str, Authorship] = field(default_factory=dict)
    as_of: datetime | None = None
    # The text's sha1 at last_revid: a wiki restored from a backup or rebuilt reuses revision
    # ids, and a state trusted by id alone would credit comments to the wrong revisions.
    last_sha1: str = ""
    creator: str = ""  # who made the page's first revision: an organizer unless told otherwise
    # The text at last_revid: each line's key (LineQuery.key), so that a page with no new
    # revision needs no comparison of its lines.
    line_keys: Mapping[int, str] = field(default_factory=dict)
    # The page history as last listed (no texts), so a run after new revisions lists only them.
    history: tuple[RevisionMeta, ...] = ()

    def updated(
        self,
        last_revid: int | None,
        attributions: Mapping[str, Authorship],
        as_of: datetime | None = None,
        last_sha1: str = "",
        *,
        creator: str | None = None,
        line_keys: Mapping[int, str] | None = None,
        history: tuple[RevisionMeta, ...] | None = None,
    ) -> PageState:
        """The state after a run: keys not seen this run are dropped, so the file stays small.
        `line_keys` are those of the text at `last_revid` ({} when unknown); the creator and
        the listed history are kept unless given."""
        return PageState(
            self.title, last_revid, dict(attributions), as_of, last_sha1,
            self.creator if creator is None else creator, dict(line_keys or {}),
            self.history if history is None else tuple(history),
        )

    def describes(self, revid: int | None, sha1: str) -> bool:
        """Whether the state may be about revision `revid` whose text has this sha1 (hex)."""
        if self.last_revid != revid:
            return False
        return not self.last_sha1 or not sha1 or sha1 == self.last_sha1


def checked(state: PageState, revid: int | None, text: str) -> tuple[PageState, str | None]:
    """The state, or a fresh one and a warning if it cannot be of the page read (`revid`, `text`).

    A state of a revision the page has not reached, or of the same id with another text, is of
    another wiki state (restored or rebuilt); other revisions are checked against the history.
    """
    if state.last_revid is None or revid is None:
        return state, None
    if state.last_revid > revid or (
        state.last_revid == revid and not state.describes(revid, text_sha1(text))
    ):
        return PageState(state.title), STALE_STATE
    return state, None


def text_sha1(text: str) -> str:
    """The sha1 MediaWiki lists for a revision with this text (it stores text right-trimmed)."""
    stored = text.rstrip(" \t\n\r\0\x0b")  # PHP's rtrim, not Python's wider whitespace
    return hashlib.sha1(stored.encode("utf-8")).hexdigest()  # noqa: S324 - MediaWiki's


def _attribution_to_json(found: Authorship) -> dict[str, object] | None:
    if found is None:
        return None
    if isinstance(found, Doubt):
        return {"doubt": found.reason, "user": found.user}
    return {
        "user": found.user, "timestamp": found.timestamp.isoformat(), "revid": found.revid,
        "anon": found.anon, "signed": found.signed,
    }


def _attribution_from_json(data: object) -> Authorship:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise TypeError("attribution must be an object or null")
    if "doubt" in data:
        reason, user = data["doubt"], data.get("user", "")
        if not (isinstance(reason, str) and isinstance(user, str)):
            raise TypeError("doubt fields have wrong types")
        return Doubt(reason, user)
    when = datetime.fromisoformat(data["timestamp"])
    if when.tzinfo is None:
        raise ValueError("timestamp without time zone")
    user, revid, anon, signed = data["user"], data["revid"], data["anon"], data["signed"]
    if not (
        isinstance(user, str) and type(revid) is int and isinstance(anon, bool)
        and isinstance(signed, bool)
    ):
        raise TypeError("attribution fields have wrong types")
    return Attribution(user, when, revid, anon, signed)


def state_to_json(state: PageState) -> str:
    data = {
        "version": VERSION,
        "title": state.title,
        "last_revid": state.last_revid,
        "as_of": state.as_of.isoformat() if state.as_of else None,
        "last_sha1": state.last_sha1,
        "creator": state.creator,
        "line_keys": {str(line): key for line, key in sorted(state.line_keys.items())},
        "history": [
            [r.revid, r.user, r.timestamp.isoformat(), r.anon, "|".join(r.tags), r.sha1, r.hidden]
            for r in state.history
        ],
        "attributions": {
            key: _attribution_to_json(found) for key, found in sorted(state.attributions.items())
        },
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def state_from_json(text: str, title: str) -> PageState:
    """Parse a state file; raises ValueError (or TypeError/KeyError) when it is not valid."""
    data = json.loads(text)
    if isinstance(data, dict) and type(data.get("version")) is int and data["version"] < VERSION:
        raise ValueError("written by an earlier version of the bot")
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError("unknown state format")
    if data.get("title") != title:
        raise ValueError("state file belongs to another page")
    last = data.get("last_revid")
    if last is not None and type(last) is not int:
        raise TypeError("last_revid must be an integer")
    raw = data.get("attributions")
    if not isinstance(raw, dict):
        raise TypeError("attributions must be an object")
    found = {str(key): _attribution_from_json(value) for key, value in raw.items()}
    as_of = data.get("as_of")
    if as_of is not None:
        as_of = datetime.fromisoformat(as_of)
        if as_of.tzinfo is None:
            raise ValueError("as_of without time zone")
    sha1 = data.get("last_sha1", "")  # absent in files written before it was kept
    creator = data.get("creator", "")
    if not isinstance(sha1, str) or not isinstance(creator, str):
        raise TypeError("last_sha1 and creator must be strings")
    raw_keys = data.get("line_keys", {})
    if not isinstance(raw_keys, dict) or not all(
        isinstance(k, str) and k.isdigit() and isinstance(v, str) for k, v in raw_keys.items()
    ):
        raise TypeError("line_keys must map line numbers to keys")
    line_keys = {int(k): v for k, v in raw_keys.items()}
    history = tuple(_revision_from_json(row) for row in data.get("history", []))
    return PageState(title, last, found, as_of, sha1, creator, line_keys, history)


def _revision_from_json(row: object) -> RevisionMeta:
    if not (isinstance(row, list) and len(row) == 7):
        raise TypeError("a history entry must be a list of 7 values")
    revid, user, when, anon, tags, sha1, hidden = row
    stamp = datetime.fromisoformat(when)
    if not (
        type(revid) is int and isinstance(user, str) and isinstance(anon, bool)
        and isinstance(tags, str) and isinstance(sha1, str) and isinstance(hidden, bool)
        and stamp.tzinfo is not None
    ):
        raise TypeError("a history entry has values of the wrong types")
    return RevisionMeta(revid, user, stamp, anon, tuple(t for t in tags.split("|") if t), sha1,
                        hidden)


class StateStore:
    """Reads and writes PageState files under `directory` (created when first written)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def path(self, title: str) -> Path:
        # Titles may hold / and other characters that are not safe in file names.
        digest = hashlib.sha256(title.encode("utf-8")).hexdigest()[:32]
        return self.directory / f"{digest}.json"

    def load(self, title: str) -> tuple[PageState, str | None]:
        """The page's state and a warning when the stored one could not be used."""
        path = self.path(title)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return PageState(title), None
        except (OSError, UnicodeDecodeError) as exc:
            return PageState(title), f"{path}: cannot read state ({exc}); starting fresh"
        try:
            return state_from_json(text, title), None
        except (ValueError, TypeError, KeyError) as exc:
            return PageState(title), f"{path}: corrupt state ({exc}); starting fresh"

    def save(self, state: PageState) -> str | None:
        """Write the state atomically; returns a warning instead of raising when it cannot."""
        path = self.path(state.title)
        temp: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=self.directory)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(state_to_json(state))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
            temp = None
        except OSError as exc:
            return f"{path}: cannot save state ({exc})"
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
        return None
