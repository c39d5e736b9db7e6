"""Real page histories recorded on the local MediaWiki (scripts/record_history.py), for tests
that replay them without a wiki.

    history = load_history("two_paragraphs")
    history.revisions      # oldest first: revid, parentid, user, anon, timestamp, sha1, tags, ...
    history.texts[revid]   # each revision's text, as MediaWiki stored it
    history.truth          # per comment: author, status, paragraphs (token, revid, minute), ...

Each comment's paragraphs carry a token ("proposal 12") by which its line is found in a text.
The field names of a revision are those of bot.text.history.attribution.RevisionMeta.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tests.corpus.truth import CommentRecord

HISTORIES = Path(__file__).parent / "cases" / "histories"


@dataclass(frozen=True)
class RecordedRevision:
    revid: int
    parentid: int
    user: str
    anon: bool
    timestamp: datetime  # UTC
    sha1: str
    tags: tuple[str, ...]
    comment: str
    size: int


@dataclass(frozen=True)
class History:
    name: str
    title: str
    description: str
    revisions: tuple[RecordedRevision, ...]  # oldest first
    texts: dict[int, str]
    truth: tuple[CommentRecord, ...]

    @property
    def final_text(self) -> str:
        return self.texts[self.revisions[-1].revid]


def history_names() -> list[str]:
    return sorted(path.stem for path in HISTORIES.glob("*.json"))


def load_history(name: str) -> History:
    data = json.loads((HISTORIES / f"{name}.json").read_text(encoding="utf-8"))
    revisions = tuple(
        RecordedRevision(
            revid=rev["revid"], parentid=rev["parentid"], user=rev["user"],
            anon=bool(rev["anon"]),
            timestamp=datetime.fromisoformat(rev["timestamp"].replace("Z", "+00:00")),
            sha1=rev["sha1"], tags=tuple(rev["tags"] or ()), comment=rev["comment"] or "",
            size=rev["size"],
        )
        for rev in data["revisions"]
    )
    return History(
        name=data["name"],
        title=data["title"],
        description=data["description"],
        revisions=revisions,
        texts={int(revid): text for revid, text in data["texts"].items()},
        truth=tuple(CommentRecord.from_dict(c) for c in data["truth"]),
    )
