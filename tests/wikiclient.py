"""A tiny MediaWiki API client for tests: act on the dev wiki as a given user.

Only depends on ``requests`` (which comes with pywikibot). One ``WikiClient``
is one session: anonymous until :meth:`WikiClient.login` is called.

    wiki = WikiClient(devwiki.api_url)
    wiki.login("Alice", devwiki.credentials["users"]["Alice"])
    wiki.edit("Talk:Foo", "text", summary="hi")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests


class WikiError(RuntimeError):
    """The API answered with an error (``code`` and ``info`` from the API)."""

    def __init__(self, code: str, info: str, result: dict[str, Any] | None = None):
        super().__init__(f"{code}: {info}")
        self.code = code
        self.info = info
        self.result = result or {}


@dataclass
class PageText:
    """The current revision of a page (``exists`` False: all else empty)."""

    title: str
    text: str
    revid: int
    timestamp: str  # ISO 8601, e.g. "2024-01-31T12:00:00Z"
    exists: bool = True


class WikiClient:
    """Dependency-light MediaWiki API client (one ``requests.Session``)."""

    def __init__(self, api_url: str, timeout: float = 30.0, user_agent: str = "devwiki-tests/0.1"):
        self.api_url = api_url
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.user: str | None = None

    # -- plumbing --------------------------------------------------------
    def get(self, **params: Any) -> dict[str, Any]:
        """GET api.php with ``params``; raise :class:`WikiError` on API errors."""
        return self._request("GET", params)

    def post(self, **params: Any) -> dict[str, Any]:
        """POST api.php with ``params``; raise :class:`WikiError` on API errors."""
        return self._request("POST", params)

    def _request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        data = {"format": "json", "formatversion": "2"}
        for key, value in params.items():
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "1"
            elif isinstance(value, list | tuple):
                data[key] = "|".join(str(v) for v in value)
            else:
                data[key] = value
        if method == "GET":
            resp = self.session.get(self.api_url, params=data, timeout=self.timeout)
        else:
            resp = self.session.post(self.api_url, data=data, timeout=self.timeout)
        resp.raise_for_status()
        result = resp.json()
        if "error" in result:
            err = result["error"]
            raise WikiError(err.get("code", "?"), err.get("info", ""), result)
        return result

    def token(self, kind: str = "csrf") -> str:
        """A fresh token of ``kind`` (csrf, login, ...)."""
        result = self.get(action="query", meta="tokens", type=kind)
        return result["query"]["tokens"][f"{kind}token"]

    # -- accounts --------------------------------------------------------
    def login(self, user: str, password: str) -> dict[str, Any]:
        """Log in (action=login; works for normal and bot passwords)."""
        result = self.post(
            action="login", lgname=user, lgpassword=password, lgtoken=self.token("login")
        )
        login = result["login"]
        if login.get("result") != "Success":
            raise WikiError("login-failed", str(login.get("reason", login)), result)
        self.user = login["lgusername"]
        return login

    def logout(self) -> None:
        self.post(action="logout", token=self.token())
        self.user = None

    def userinfo(self) -> dict[str, Any]:
        """``meta=userinfo`` (name, id, groups; ``anon`` for IPs)."""
        result = self.get(action="query", meta="userinfo", uiprop="groups|rights")
        return result["query"]["userinfo"]

    # -- pages -----------------------------------------------------------
    def edit(
        self,
        title: str,
        text: str,
        summary: str = "",
        basetimestamp: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Save ``text`` to ``title``; return the ``edit`` part of the result.

        With ``basetimestamp`` (of the revision the text was based on) the
        API detects edit conflicts (error code ``editconflict``). ``extra``
        goes to the API as is (e.g. ``section="new"``, ``bot=True``,
        ``starttimestamp=...``, ``nocreate=True``).
        """
        result = self.post(
            action="edit",
            title=title,
            text=text,
            summary=summary,
            basetimestamp=basetimestamp,
            token=self.token(),
            **extra,
        )
        edit = result["edit"]
        if edit.get("result") != "Success":
            raise WikiError("edit-failed", str(edit), result)
        return edit

    def read(self, title: str) -> PageText:
        """Current text, revid and timestamp of ``title``."""
        result = self.get(
            action="query",
            prop="revisions",
            titles=title,
            rvprop="ids|timestamp|content",
            rvslots="main",
        )
        page = result["query"]["pages"][0]
        if page.get("missing") or page.get("invalid"):
            return PageText(page.get("title", title), "", 0, "", exists=False)
        rev = page["revisions"][0]
        return PageText(
            title=page["title"],
            text=rev["slots"]["main"]["content"],
            revid=rev["revid"],
            timestamp=rev["timestamp"],
        )

    def revisions(self, title: str, limit: int = 50) -> list[dict[str, Any]]:
        """Revisions of ``title``, newest first (revid, parentid, user,
        timestamp, comment, tags, flags ``minor``/``anon``; no content)."""
        result = self.get(
            action="query",
            prop="revisions",
            titles=title,
            rvprop="ids|timestamp|user|comment|flags|tags|size",
            rvlimit=limit,
        )
        page = result["query"]["pages"][0]
        return page.get("revisions", [])

    def protect(
        self, title: str, level: str = "sysop", expiry: str = "infinite", reason: str = "test"
    ) -> dict[str, Any]:
        """Protect ``title`` for edit+move (``level`` "" removes protection).

        The page must exist (for a missing page use ``create`` protection via
        :meth:`post`). Needs a sysop session (``Admin``).
        """
        protections = f"edit={level or 'all'}|move={level or 'all'}"
        result = self.post(
            action="protect",
            title=title,
            protections=protections,
            expiry=f"{expiry}|{expiry}",
            reason=reason,
            token=self.token(),
        )
        return result["protect"]

    def delete(self, title: str, reason: str = "test") -> dict[str, Any]:
        return self.post(action="delete", title=title, reason=reason, token=self.token())["delete"]

    def parse(self, title: str) -> str:
        """HTML of the current revision of ``title`` (action=parse)."""
        result = self.get(action="parse", page=title, prop="text", disablelimitreport=True)
        return result["parse"]["text"]

    def parse_text(self, text: str, title: str = "API") -> str:
        """HTML of arbitrary wikitext rendered as if on ``title``."""
        result = self.post(
            action="parse",
            text=text,
            title=title,
            prop="text",
            contentmodel="wikitext",
            disablelimitreport=True,
        )
        return result["parse"]["text"]

    def recent_changes(
        self, since: str | None = None, limit: int = 500, **extra: Any
    ) -> list[dict[str, Any]]:
        """All recent changes, oldest first, optionally only from ``since``
        (ISO timestamp, inclusive), fetched ``limit`` at a time. Each has type, title, revid,
        old_revid, user, timestamp, comment, and ``bot``/``anon``/``minor``/``new`` flags."""
        changes: list[dict[str, Any]] = []
        cont: dict[str, Any] = {}
        while True:
            result = self.get(
                action="query",
                list="recentchanges",
                rcprop="title|ids|user|timestamp|comment|flags|sizes|loginfo",
                rcdir="newer",
                rcstart=since,
                rclimit=limit,
                **extra,
                **cont,
            )
            changes += result["query"]["recentchanges"]
            if "continue" not in result:
                return changes
            cont = result["continue"]
