"""The thin layer that touches the wiki through pywikibot: read pages, save them, list history.

Nothing here decides what to write; it turns pywikibot's objects and exceptions into plain data
(PageSnapshot, SaveOutcome, RevisionMeta) for the bot to act on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pywikibot
from pywikibot import exceptions as pwb_errors

if TYPE_CHECKING:
    from bot.text.history.attribution import RevisionMeta

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


@dataclass(frozen=True)
class SaveOutcome:
    status: str  # saved | unchanged | conflict | protected | nobots | failed
    revid: int | None = None
    detail: str = ""


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

    @property
    def username(self) -> str:
        return self.site.username() or ""

    def canonical_title(self, title: str) -> str:
        """The title as the wiki writes it (namespace name, first letter, spaces)."""
        return pywikibot.Page(self.site, title).title()

    def preload(self, titles: Iterable[str], *, again: bool = False) -> None:
        """Read these pages now, many a request (bot.wiki.reads), for current() to hand out;
        those read already only `again`."""
        from bot.wiki.reads import read_many

        wanted = {self.canonical_title(t): t for t in titles}
        for title in wanted if again else ():
            self._preloaded.pop(title, None)
        wanted = {c: t for c, t in wanted.items() if c not in self._preloaded}
        if wanted:
            self._preloaded.update(read_many(self, wanted.values()))

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
        revision = page.latest_revision
        return PageSnapshot(
            title=page.title(),
            text=text,
            exists=True,
            revid=revision.revid,
            timestamp=_utc(revision.timestamp),
            user=revision.user or "",
            bots_allowed=page.botMayEdit(),
            can_edit=page.has_permission("edit"),
            page=page,
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
            saved = page.save(
                summary=summary, minor=False, bot=True, asynchronous=False, quiet=True, **extra
            )
        except pwb_errors.EditConflictError as exc:
            return SaveOutcome("conflict", detail=str(exc))
        except pwb_errors.LockedPageError as exc:
            return SaveOutcome("protected", detail=str(exc))
        except pwb_errors.OtherPageSaveError as exc:
            if "{{bots}}" in str(exc) or "bots" in str(exc.args).lower():
                return SaveOutcome("nobots", detail=str(exc))
            return SaveOutcome("failed", detail=str(exc))
        except pwb_errors.PageSaveRelatedError as exc:
            return SaveOutcome("failed", detail=str(exc))
        if saved is False:
            return SaveOutcome("failed", detail="the wiki did not accept the edit")
        return SaveOutcome("saved", revid=page.latest_revision_id)

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
        tpl = pywikibot.Page(self.site, template)
        for page in tpl.getReferences(only_template_inclusion=True, content=False):
            yield page.title()
