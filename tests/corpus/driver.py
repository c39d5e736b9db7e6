"""Play a scenario on a dev wiki: real accounts, real saves, MediaWiki's own signatures.

Each step is one API edit by its actor (an account, or an IP editor named in X-Forwarded-For)
with the wiki's clock set to the step's time, so `~~~~` becomes the signature MediaWiki writes
for that user at that minute. The page is read back after every save: the next step edits what
MediaWiki stored, never a text formatted here.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.text.model.dates import format_date
from bot.text.model.profile import ENGLISH
from tests.corpus.ops import Opening
from tests.corpus.scenario import ADMIN, Actor, Scenario, Step, Undo
from tests.corpus.text import tokens_in
from tests.corpus.truth import CommentRecord, ParagraphTruth
from tests.devwiki import USERS, DevWiki
from tests.wikiclient import WikiClient, WikiError

TEMPLATES = {
    "Template:Ping": "@[[User:{{{1}}}|{{{1}}}]]:",
    "Template:Consultation header": (
        '<div style="border:1px solid #a2a9b1;padding:0.5em">This is a consultation. '
        "Answers are summarised on the [[{{FULLPAGENAME}}/Summary|summary page]].</div>"
    ),
}


class PlayError(RuntimeError):
    """The wiki did not do what the scenario asked (a setup or save failed)."""


@dataclass(frozen=True)
class Saved:
    """The revision one step made, as MediaWiki recorded it."""

    revid: int
    timestamp: datetime
    user: str
    anon: bool

    @property
    def minute(self) -> str:
        """The time as the wiki's signatures (and unsigned tags) write it."""
        return format_date(self.timestamp, ENGLISH)


@dataclass
class Played:
    title: str
    scenario: Scenario
    saved: list[Saved]  # one per step
    text: str  # the page after the last step, as MediaWiki stores it
    seconds: float  # playing the steps
    setup_seconds: float  # accounts, signatures, templates


def _password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "c" + "".join(secrets.choice(alphabet) for _ in range(23))


class Player:
    """Plays scenarios on one dev wiki. `passwords` keeps the accounts' passwords (a JSON file,
    mode 600) so that a kept wiki can be played on again."""

    def __init__(self, devwiki: DevWiki, passwords: Path | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.devwiki = devwiki
        self.passwords_file = passwords
        self.passwords: dict[str, str] = {}
        if passwords is not None and passwords.exists():
            self.passwords = json.loads(passwords.read_text(encoding="utf-8"))
        self.clients: dict[str, WikiClient] = {}
        self.tokens: dict[str, tuple[str, datetime]] = {}  # token, clock when last used
        self.reader = WikiClient(devwiki.api_url)
        self.log = log or (lambda _message: None)
        self.now: datetime | None = None  # the wiki's clock (None: real time)
        self.seconds: Counter[str] = Counter()  # time spent per kind of request
        self.requests: Counter[str] = Counter()

    # -- accounts ------------------------------------------------------------------------------
    def password(self, name: str) -> str:
        if name in (ADMIN, *USERS):
            return self.devwiki.password(name)
        return self.passwords[name]

    def prepare(self, actors: list[Actor], when: datetime) -> None:
        """Accounts for every registered actor, their custom signatures, the templates used."""
        self.clock(when)
        anonymous = WikiClient(self.devwiki.api_url)
        for actor in actors:
            if actor.anon or actor.name in (ADMIN, *USERS) or actor.name in self.passwords:
                continue
            password = _password()
            result = anonymous.post(
                action="createaccount", username=actor.name, password=password,
                retype=password, createtoken=anonymous.token("createaccount"),
                createreturnurl=self.devwiki.url,
            )["createaccount"]
            if result.get("status") != "PASS":
                raise PlayError(f"cannot create the account {actor.name}: {result}")
            self.passwords[actor.name] = password
            self._keep_passwords()
        for actor in actors:
            if actor.signature:
                self.set_signature(actor)
        admin = self.client(Actor(ADMIN))
        for title, text in TEMPLATES.items():
            self._post(admin, ADMIN, action="edit", title=title, text=text, summary="template")

    def _keep_passwords(self) -> None:
        if self.passwords_file is None:
            return
        self.passwords_file.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(self.passwords_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                       "w", encoding="utf-8") as out:
            json.dump(self.passwords, out, ensure_ascii=False, indent=1)

    def set_signature(self, actor: Actor) -> None:
        """Set a custom signature as Special:Preferences does, and check MediaWiki accepts it:
        its own pre-save transform of `~~~~` must begin with it."""
        client = self.client(actor)
        for name, value in (("fancysig", "1"), ("nickname", actor.signature)):
            result = self._post(client, actor.name, action="options", optionname=name,
                                optionvalue=value)
            if result.get("warnings"):
                raise PlayError(f"{actor.name}: MediaWiki refuses the signature preference "
                                f"{name}: {result['warnings']}")
        pst = client.post(action="parse", text="~~~~", onlypst=True, contentmodel="wikitext",
                          title="Sandbox")["parse"]["text"]
        if not pst.startswith(actor.signature + " "):
            raise PlayError(f"{actor.name}: MediaWiki does not use the custom signature "
                            f"{actor.signature!r} (it writes {pst!r})")

    def client(self, actor: Actor) -> WikiClient:
        """The actor's session: logged in, or an IP editor's (X-Forwarded-For)."""
        client = self.clients.get(actor.name)
        if client is None:
            client = WikiClient(self.devwiki.api_url, user_agent="consultation-corpus/1.0")
            if actor.anon:
                client.session.headers["X-Forwarded-For"] = actor.name
            else:
                with self.timed("login"):
                    client.login(actor.name, self.password(actor.name))
            self.clients[actor.name] = client
        return client

    def _post(self, client: WikiClient, name: str, **params: Any) -> dict[str, Any]:
        """POST with the session's token. The wiki's clock jumps months: a session stored with
        an expiry computed from it is gone after a jump, and MediaWiki makes a new one from the
        login cookie, with a new token. So a token is fetched again after a jump, and once more
        when MediaWiki says it is bad; a session without its user logs in again."""
        anon = client.user is None
        now = self.now or datetime.now(UTC)
        cached = self.tokens.get(name)
        if cached is not None and now - cached[1] > timedelta(minutes=30):
            cached = None
        for attempt in range(3):
            if cached is None:
                with self.timed("token"):
                    cached = (client.token(), now)
                self.tokens[name] = cached
            try:
                extra = {"assert": "anon"} if anon else {"assertuser": name}
                with self.timed(params.get("action", "post")):
                    result = client.post(token=cached[0], **extra, **params)
                self.tokens[name] = (cached[0], now)
                return result
            except WikiError as error:
                if attempt == 2 or error.code not in (
                    "badtoken", "assertuserfailed", "assertnameduserfailed", "assertanonfailed"
                ):
                    raise
                cached = None
                if error.code != "badtoken" and not anon:
                    self.log(f"session of {name} lost ({error.code}): logging in again")
                    with self.timed("login"):
                        client.login(name, self.password(name))
        raise AssertionError("unreachable")

    @contextmanager
    def timed(self, kind: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[kind] += time.perf_counter() - started
            self.requests[kind] += 1

    def clock(self, when: datetime | None) -> None:
        self.now = when
        self.devwiki.clock(when)

    # -- playing -------------------------------------------------------------------------------
    def play(self, scenario: Scenario, title: str,
             progress: Callable[[int, int], None] | None = None) -> Played:
        started = time.perf_counter()
        try:
            self.prepare(scenario.actors, scenario.steps[0].when - timedelta(days=3))
            setup = time.perf_counter() - started
            started = time.perf_counter()
            saved: list[Saved] = []
            text = ""
            for number, step in enumerate(scenario.steps):
                revid, text = self.save(step, title, text, saved)
                saved.append(Saved(revid, step.when, step.actor.name, step.actor.anon))
                if progress is not None:
                    progress(number + 1, len(scenario.steps))
        finally:
            self.clock(None)
        seconds = time.perf_counter() - started
        saved = self.recorded(title, saved)
        if sorted(tokens_in(text)) != sorted(tokens_in(scenario.text)):
            raise PlayError("the page on the wiki and the scenario disagree about its comments")
        return Played(title, scenario, saved, text, seconds, setup)

    def save(self, step: Step, title: str, text: str, saved: list[Saved]) -> tuple[int, str]:
        """Save one step; returns the new revision's id and the text MediaWiki stored."""
        self.clock(step.when)
        client = self.client(step.actor)
        if isinstance(step.edit, Undo):
            content: dict[str, Any] = {"undo": saved[step.edit.step].revid}
        else:
            content = {"text": step.edit.apply(text)}
            if not isinstance(step.edit, Opening):
                content["nocreate"] = True
        result = self._post(client, step.actor.name, action="edit", title=title,
                            summary=step.summary, **content)["edit"]
        if result.get("result") != "Success" or "newrevid" not in result:
            raise PlayError(f"step {step.kind} by {step.actor.name} saved nothing: {result}")
        with self.timed("read"):
            page = self.reader.read(title)
        if page.revid != result["newrevid"]:
            raise PlayError(f"revision {result['newrevid']} is not the latest ({page.revid})")
        return page.revid, page.text

    def recorded(self, title: str, saved: list[Saved]) -> list[Saved]:
        """The steps' revisions with user names and times as the history lists them."""
        history = {r["revid"]: r for r in self.history(title)}
        out = []
        for step in saved:
            rev = history[step.revid]
            when = datetime.fromisoformat(rev["timestamp"].replace("Z", "+00:00"))
            out.append(Saved(step.revid, when, rev["user"], bool(rev.get("anon"))))
        return out

    def history(self, title: str, content: bool = False) -> list[dict[str, Any]]:
        """Every revision of the page, oldest first (with its text when `content`)."""
        props = "ids|timestamp|user|flags|tags|sha1|comment|size" + ("|content" if content else "")
        revisions: list[dict[str, Any]] = []
        cont: dict[str, Any] = {}
        while True:
            result = self.reader.get(action="query", prop="revisions", titles=title,
                                     rvprop=props, rvslots="main", rvdir="newer",
                                     rvlimit=50 if content else 500, **cont)
            revisions += result["query"]["pages"][0].get("revisions", [])
            if "continue" not in result:
                return revisions
            cont = result["continue"]


def records(played: Played) -> list[CommentRecord]:
    """The truth per comment, with the revisions MediaWiki made for the scenario's steps."""
    saved = played.saved
    out = []
    for truth in played.scenario.comments:
        first = saved[truth.tag_step]
        signed = saved[truth.signed_step] if truth.signed_step is not None else None
        out.append(CommentRecord(
            id=truth.id,
            shape=truth.shape,
            author=first.user,
            anon=first.anon,
            organizer=truth.author.organizer,
            status=truth.status,
            signature="IP" if truth.author.anon else truth.author.signature_kind,
            paragraphs=tuple(
                ParagraphTruth(p.token, saved[p.step].revid, saved[p.step].minute, p.marker)
                for p in truth.paragraphs
            ),
            signed_revid=signed.revid if signed else None,
            signed_minute=signed.minute if signed else None,
            expected_tag=(first.user, first.minute) if truth.needs_tag else None,
            ambiguous_offline=truth.ambiguous_offline,
        ))
    return out
