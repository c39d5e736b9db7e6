"""The thin layer that touches the wiki through pywikibot: read pages, save them, list history.

Nothing here decides what to write; it turns pywikibot's objects and exceptions into plain data
(PageSnapshot, SaveOutcome, RevisionMeta) for the bot to act on. A save whose answer was lost
(the wiki may have saved it) is settled by reading the page again, never guessed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pywikibot
from pywikibot import exceptions as pwb_errors

from bot.errors import InputError
from bot.titles import title_problem
from bot.wiki.exclusion import bots_allow

if TYPE_CHECKING:
    from bot.text.history.attribution import RevisionMeta

# pywikibot gave up on a request (every retry failed or timed out), or the server cannot be
# talked to at all: the wiki is unreachable for now, and the pass stops.
UNREACHABLE = (pwb_errors.ApiTimeoutError, pwb_errors.FatalServerError)


class BadTitle(InputError):
    """A title the wiki refuses (invalid, another wiki's, or a special page); one line."""


@dataclass(frozen=True)
class PageSnapshot:
    """A page as read at one moment, with what the bot may do to it."""

    title: str
    text: str
    exists: bool
    revid: int | None
    timestamp: datetime | None
    user: str  # who made the latest revision ("" for a missing page)
    bots_allowed: bool
    can_edit: bool
    page: pywikibot.Page  # kept so a save sends this read's base timestamp
    redirect_to: str | None = None  # the target, when the page is a redirect
    comment: str = ""  # the latest revision's edit summary


@dataclass(frozen=True)
class SaveOutcome:
    """What a save did. `revid` is the bot's new revision when `saved`; when `unchanged` (the
    wiki already held the text), the latest revision, someone else's maybe: never an edit."""

    status: str  # saved | unchanged | conflict | protected | failed (run: dry-run | shutoff)
    revid: int | None = None
    detail: str = ""  # one line


def one_line(error: BaseException | str, limit: int = 300) -> str:
    """An error's message on one line: pywikibot's put the reason on a second one."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def same_content(saved: str, planned: str, model: str | None = None) -> bool:
    """Whether the wiki holds `planned` as `saved`: MediaWiki drops trailing whitespace, and
    re-serializes JSON pages its own way."""
    if model == "json":
        try:
            return json.loads(saved) == json.loads(planned)
        except ValueError:
            return False
    return saved.rstrip() == planned.rstrip()


def existing_snapshot(
    page: pywikibot.Page, text: str, *, bots_allowed: bool, can_edit: bool,
    redirect_to: str | None,
) -> PageSnapshot:
    """The snapshot of a page that exists, read with `text` (its latest revision's)."""
    revision = page.latest_revision
    return PageSnapshot(
        title=page.title(),
        text=text,
        exists=True,
        revid=revision.revid,
        timestamp=_utc(revision.timestamp),
        user=revision.user or "",
        bots_allowed=bots_allowed,
        can_edit=can_edit,
        page=page,
        redirect_to=redirect_to,
        comment=revision.comment or "",
    )


def _utc(timestamp: pywikibot.Timestamp | None) -> datetime | None:
    if timestamp is None:
        return None
    return datetime(*timestamp.timetuple()[:6], tzinfo=UTC)


class RequestCounter:
    """Counts the API requests pywikibot sends (retries included), for the run report."""

    def __init__(self) -> None:
        self.count = 0
        self.writes = 0  # of `count`, those that change the wiki (edits)

    @contextmanager
    def counting(self) -> Iterator[RequestCounter]:
        # pywikibot keeps no count of its own; every API request goes through this method.
        from pywikibot.data import api

        original = api.Request._http_request
        counter = self

        def counted(request, *args, **kwargs):
            counter.count += 1
            counter.writes += bool(getattr(request, "write", False))
            return original(request, *args, **kwargs)

        api.Request._http_request = counted
        try:
            yield self
        finally:
            api.Request._http_request = original


class Wiki:
    """One wiki, as the bot sees it; `requests` counts the API requests made through it."""

    def __init__(
        self, site: pywikibot.site.APISite, requests: RequestCounter | None = None
    ) -> None:
        self.site = site
        self.requests = requests or RequestCounter()
        self._preloaded: dict[str, PageSnapshot] = {}
        self._read_at: dict[str, float] = {}  # canonical title -> when preload() read it

    @property
    def username(self) -> str:
        return self.site.username() or ""

    def canonical_title(self, title: str) -> str:
        """The title as the wiki writes it (namespace name, first letter, spaces).

        Raises BadTitle for a title the wiki would refuse, one of another wiki (an interwiki
        prefix) or of a page no one can edit (Special:, Media:)."""
        problem = title_problem(title)
        if not problem:
            try:
                page = pywikibot.Page(self.site, title)
                canonical = page.title()
            except (pwb_errors.InvalidTitleError, pwb_errors.SiteDefinitionError,
                    ValueError) as exc:
                problem = one_line(exc, 200)
            else:
                if page.site != self.site:
                    problem = f"it is a page of another wiki ({page.site})"
                elif page.namespace().id < 0:
                    problem = "no one can edit a page of that namespace"
                elif page.section():
                    problem = "it contains '#'"
        if problem:
            raise BadTitle(f"{title[:100]!r} is not a page title: {problem}")
        return canonical

    def bot_may_edit(self, page: pywikibot.Page) -> bool:
        """{{bots}}/{{nobots}} and the site's restricting templates, as pywikibot's botMayEdit
        decides, but with names compared as MediaWiki compares user names."""
        if pywikibot.config.ignore_bot_templates:
            return True
        try:
            templates = [(t.title(with_ns=False), params)
                         for t, params in page.templatesWithParams()]
        except (pwb_errors.NoPageError, pwb_errors.IsRedirectPageError):
            return True
        restricted = {*self.site.get_edit_restricted_templates(),
                      *self.site.get_archived_page_templates()}
        return bots_allow(templates, self.username, restricted)

    def preload(self, titles: Iterable[str], *, again: bool = False) -> None:
        """Read these pages now, many a request (bot.wiki.reads), for current() to hand out;
        those read already only `again`."""
        from bot.wiki.reads import read_many

        wanted = {self.canonical_title(t): t for t in titles}
        for title in wanted if again else ():
            self._preloaded.pop(title, None)
        wanted = {c: t for c, t in wanted.items() if c not in self._preloaded}
        if wanted:
            now = time.monotonic()
            read = read_many(self, wanted.values())
            self._preloaded.update(read)
            self._read_at.update(dict.fromkeys(read, now))

    def moved_since_read(self, snapshot: PageSnapshot, max_age: float) -> bool:
        """Whether the page has a revision newer than the preloaded `snapshot`, asked only when
        it was read more than `max_age` seconds ago; that one request asks after every page
        preloaded as long ago (those that moved are read again by current())."""
        title = self.canonical_title(snapshot.title)
        if self._preloaded.get(title) is not snapshot:
            return False  # read on its own, just now, or saved since
        now = time.monotonic()
        if now - self._read_at.get(title, now) <= max_age:
            return False
        from bot.wiki.reads import latest_revisions

        old = [t for t, at in self._read_at.items() if now - at > max_age and t in self._preloaded]
        latest = latest_revisions(self, old)
        for other in old:
            if latest.get(other, -1) == self._preloaded[other].revid:
                self._read_at[other] = now
            else:
                self._preloaded.pop(other, None)
                self._read_at.pop(other, None)
        return title not in self._preloaded

    def preloaded(self, title: str) -> PageSnapshot | None:
        """The page as preload() read it, or None."""
        return self._preloaded.get(self.canonical_title(title))

    def current(self, title: str) -> PageSnapshot:
        """The page as preload() read it, or, when it was not preloaded, as it is now. A save
        through this Wiki forgets the preloaded copy; to see another editor's change made since
        the preload (an edit conflict), read() again."""
        snapshot = self.preloaded(title)
        return snapshot if snapshot is not None else self.read(title)

    def read(self, title: str) -> PageSnapshot:
        page = pywikibot.Page(self.site, title)
        try:
            text = page.get(force=True, get_redirect=True)
        except pwb_errors.NoPageError:
            return PageSnapshot(
                title, "", False, None, None, "", True, page.has_permission(), page
            )
        return existing_snapshot(
            page, text, bots_allowed=self.bot_may_edit(page),
            can_edit=page.has_permission("edit"),
            redirect_to=page.getRedirectTarget().title() if page.isRedirectPage() else None,
        )

    def save(
        self,
        base: PageSnapshot,
        text: str,
        summary: str,
        *,
        content_model: str | None = None,
    ) -> SaveOutcome:
        """Save synchronously on top of `base`; every outcome is returned, none is only logged.

        MediaWiki merges an edit made since `base` was read when the changes don't overlap
        (the base revision is sent); otherwise the save is refused as a conflict and nothing
        of the other editor's text is overwritten.
        """
        page = base.page
        self._preloaded.pop(self.canonical_title(base.title), None)
        self._read_at.pop(self.canonical_title(base.title), None)
        page.text = text
        extra: dict[str, object] = {"createonly": True}
        if base.exists:
            # Conflicts are detected from the base revision id, never from pywikibot's default
            # base timestamp: timestamps have one-second resolution, and MediaWiki takes an edit
            # made in the same second as the base as no conflict, overwriting it (seen on 1.39).
            extra = {"nocreate": True, "baserevid": base.revid, "basetimestamp": None}
        if content_model:
            extra["contentmodel"] = content_model
        try:
            # force: {{bots}} was decided at the read, by bot_may_edit (pywikibot's own check
            # compares names exactly).
            page.save(summary=summary, minor=False, bot=True, asynchronous=False, quiet=True,
                      force=True, **extra)
        except pwb_errors.PageCreatedConflictError as exc:
            # "articleexists": maybe pywikibot's retry of a creation whose answer was lost.
            return self._settle(base, text, content_model, summary, one_line(exc))
        except pwb_errors.EditConflictError as exc:
            return SaveOutcome("conflict", detail=one_line(exc))
        except pwb_errors.LockedPageError as exc:
            return SaveOutcome("protected", detail=one_line(exc))
        except pwb_errors.PageSaveRelatedError as exc:
            # pywikibot wraps any other error of a save in OtherPageSaveError, with the reason
            # on a second line of its message.
            reason = getattr(exc, "reason", None)
            if isinstance(reason, UNREACHABLE):
                # Every answer was lost or refused; one of the attempts may have been saved.
                return self._settle(base, text, content_model, summary, one_line(reason),
                                    strict=True)
            return SaveOutcome("failed", detail=_save_reason(exc))
        except UNREACHABLE as exc:
            return self._settle(base, text, content_model, summary, one_line(exc), strict=True)
        except pwb_errors.Error as exc:
            return SaveOutcome("failed", detail=one_line(exc))
        revid = page.latest_revision_id
        if base.exists and revid == base.revid:
            # "nochange": pywikibot returns as for a save, and keeps the base revision's id. After a
            # lost answer its retry gets this when the first attempt was saved.
            return self._settle(base, text, content_model, summary, "the wiki made no new revision")
        return SaveOutcome("saved", revid=revid)

    def _settle(
        self, base: PageSnapshot, text: str, content_model: str | None, summary: str,
        doubt: str, *, strict: bool = False,
    ) -> SaveOutcome:
        """What a save whose answer leaves doubt did, from the page as it is now.

        Saved: the latest revision is the bot's, made since `base`, and holds the text sent (or,
        when MediaWiki stored it otherwise, as after a merge or a {{subst:}}, has the summary sent).
        Unchanged: the page already held the text. Otherwise the save failed, for `doubt`.
        With `strict` (the wiki did not answer at all), a page that cannot be read again raises.
        """
        try:
            current = self.read(base.title)
        except UNREACHABLE:
            if strict:
                raise
            return SaveOutcome("failed", detail=f"{doubt}; the page could not be read again")
        by_bot = current.exists and current.user == self.username and current.revid != base.revid
        same = current.exists and same_content(current.text, text, content_model)
        if by_bot and (same or current.comment == summary):
            return SaveOutcome("saved", revid=current.revid,
                               detail="the wiki's answer was lost; read again, the page has it")
        if same:
            return SaveOutcome("unchanged", revid=current.revid, detail="the wiki has this text")
        return SaveOutcome("failed", detail=doubt)

    def history(self, title: str, start_id: int | None = None) -> list[RevisionMeta]:
        """Revision metadata, oldest first, without content: one request per `rvlimit=max`;
        from revision `start_id` on (itself included) when given.

        Asked of the API directly: Page.revisions() sorts by timestamp, which misorders
        revisions saved in the same second.
        """
        from bot.text.history.attribution import RevisionMeta

        params: dict[str, object] = {
            "action": "query", "prop": "revisions", "titles": title, "rvdir": "newer",
            "rvprop": "ids|timestamp|user|flags|tags|sha1", "rvlimit": "max", "formatversion": 2,
            "continue": "",
        }
        if start_id is not None:
            params["rvstartid"] = start_id
        metas: list[RevisionMeta] = []
        while True:
            data = self.site.simple_request(**params).submit()
            for page in data.get("query", {}).get("pages", []):
                for rev in page.get("revisions", []):
                    metas.append(
                        RevisionMeta(
                            revid=rev["revid"],
                            user=rev.get("user", ""),
                            timestamp=datetime.fromisoformat(rev["timestamp"]),
                            anon=bool(rev.get("anon")),
                            tags=tuple(rev.get("tags", ())),
                            sha1=rev.get("sha1") or "",
                            hidden=bool(rev.get("sha1hidden")),
                        )
                    )
            if "continue" not in data:
                return metas
            params.update(data["continue"])

    def account_creations(self, users: list[str]) -> dict[str, datetime | None]:
        """When each account was created (None: before MediaWiki recorded it), one request per
        50 users (list=users); unknown accounts and IP addresses are left out."""
        created: dict[str, datetime | None] = {}
        for start in range(0, len(users), 50):
            data = self.site.simple_request(
                action="query", list="users", ususers="|".join(users[start : start + 50]),
                usprop="registration|editcount", formatversion=2,
            ).submit()
            for user in data.get("query", {}).get("users", []):
                if user.get("missing") or user.get("invalid") or "userid" not in user:
                    continue
                registration = user.get("registration")
                created[user["name"]] = (
                    datetime.fromisoformat(registration) if registration else None
                )
        return created

    def revision_texts(self, revids: list[int]) -> dict[int, str | None]:
        """The texts of up to 50 revisions in one request (more if the answer is cut short
        and continued); None for a revision whose text is hidden."""
        params: dict[str, object] = {
            "action": "query", "prop": "revisions", "revids": "|".join(map(str, revids)),
            "rvprop": "ids|content", "rvslots": "main", "formatversion": 2, "continue": "",
        }
        found: dict[int, str | None] = {}
        while True:
            data = self.site.simple_request(**params).submit()
            for page in data.get("query", {}).get("pages", []):
                for rev in page.get("revisions", []):
                    main = rev.get("slots", {}).get("main", {})
                    hidden = rev.get("texthidden") or main.get("texthidden")
                    if "content" in main or hidden:
                        found[rev["revid"]] = None if hidden else main["content"]
            if "continue" not in data:
                return found
            params.update(data["continue"])

    def latest_timestamp_not_by(self, title: str, user: str, limit: int = 50) -> datetime | None:
        """When someone other than `user` last edited the page (the newest data it reflects)."""
        page = pywikibot.Page(self.site, title)
        for rev in page.revisions(total=limit, content=False):
            if rev.user != user:
                return _utc(rev.timestamp)
        return None

    def pages_transcluding(self, template: str) -> Iterator[str]:
        """The pages that transclude `template`, by their canonical titles."""
        tpl = pywikibot.Page(self.site, template)
        for page in tpl.getReferences(only_template_inclusion=True, content=False):
            yield page.title()


def _save_reason(error: pwb_errors.PageSaveRelatedError) -> str:
    """The reason of a refused save, without pywikibot's "Edit to page [[X]] failed:" preamble
    (the log line names the page already)."""
    reason = getattr(error, "reason", None)
    return one_line(reason if reason and str(reason).strip() else error)
