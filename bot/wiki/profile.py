"""The site profile read from the live wiki at the start of a pass, and kept in the state folder
for `[bot] profile_ttl_hours`; and the check that the templates the bot tags with exist there.

Three read requests build a profile: siteinfo with the calendar messages, the zone names and
signature messages (their names depend on the first answer), and the text the wiki's pre-save
transform writes for `~~~~~` (the sample every profile is checked against, bot.text.model.siteinfo).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pywikibot import exceptions as pwb_errors

from bot.errors import BotError, InputError
from bot.text.model.profile import SiteProfile, profile_from_dict, profile_to_dict
from bot.text.model.siteinfo import (
    CALENDAR_MESSAGES,
    SIGNATURE_MESSAGES,
    Sample,
    build_profile,
    check_sample,
    messages_of,
    timezone_message_names,
)
from bot.wiki.site import Wiki

CACHE_FILE = "site-profile.json"
CACHE_VERSION = 1


def site_key(wiki: Wiki) -> str:
    """Which wiki a cached profile belongs to: its family, code and API address."""
    site = wiki.site
    return f"{site.family.name}:{site.code} {site.base_url(site.apipath())}"


def read_profile(wiki: Wiki) -> SiteProfile:
    """The wiki's profile, asked of the wiki now (three read requests)."""
    first = wiki.site.simple_request(
        action="query", meta="siteinfo|allmessages",
        siprop="general|namespaces|namespacealiases|specialpagealiases|interwikimap",
        ammessages="|".join(CALENDAR_MESSAGES), uselang="content", formatversion=2,
    ).submit()
    query = first.get("query", {})
    messages = messages_of(query)
    names = timezone_message_names(query) + SIGNATURE_MESSAGES
    second = wiki.site.simple_request(
        action="query", meta="allmessages", ammessages="|".join(names), amenableparser=1,
        uselang="content", formatversion=2,
    ).submit()
    messages.update(messages_of(second.get("query", {})))
    profile = build_profile(query, messages)
    pst = wiki.site.simple_request(
        action="parse", text="~~~~~", onlypst=1, contentmodel="wikitext", curtimestamp=1,
        title="API", formatversion=2,
    ).submit()
    sample = Sample(
        str(pst.get("parse", {}).get("text", "")).strip(),
        datetime.fromisoformat(str(pst["curtimestamp"]).replace("Z", "+00:00")),
    )
    return check_sample(profile, sample, messages)


def cached_profile(
    wiki: Wiki, state_dir: Path, ttl: timedelta, now: datetime,
    say: Callable[[str], None] = print,
) -> SiteProfile:
    """The profile kept in `state_dir` when it is this wiki's and younger than `ttl`, else a
    fresh one (kept for the next passes). When the wiki cannot be asked, a kept profile of this
    wiki of any age is used, with a warning; without one, the pass cannot start (BotError)."""
    path = state_dir / CACHE_FILE
    key = site_key(wiki)
    kept, fetched = _load(path, key)
    if kept is not None and fetched is not None and timedelta(0) <= now - fetched < ttl:
        return kept
    try:
        profile = read_profile(wiki)  # a ProfileError (answers the bot cannot trust) goes up
    except (pwb_errors.Error, OSError, KeyError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if kept is None:
            raise BotError(f"cannot read the wiki's site profile: {reason}") from None
        say(f"warning: cannot refresh the wiki's site profile ({reason}); using the one read "
            f"{fetched:%Y-%m-%d %H:%M} UTC")
        return kept
    warning = _save(path, key, profile, now)
    if warning:
        say(f"warning: {warning}")
    say(f"site profile read from the wiki: {profile.language}, {profile.timezone or 'UTC'}, "
        f"signatures dated like {profile.date_format!r}")
    return profile


def _load(path: Path, key: str) -> tuple[SiteProfile | None, datetime | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION or data.get("site") != key:
            return None, None
        fetched = datetime.fromisoformat(data["fetched"])
        return profile_from_dict(data["profile"], str(path)), fetched.astimezone(UTC)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, InputError):
        return None, None  # none kept, or not one this version can read: ask the wiki


def _save(path: Path, key: str, profile: SiteProfile, now: datetime) -> str:
    data = {"version": CACHE_VERSION, "site": key, "fetched": now.astimezone(UTC).isoformat(),
            "profile": profile_to_dict(profile)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        return f"{path}: cannot keep the site profile: {exc.strerror}"
    return ""


class TemplateCheck:
    """Which templates exist on the wiki, asked once per pass for all names at a time."""

    def __init__(self, wiki: Wiki) -> None:
        self.wiki = wiki
        self.known: dict[str, bool] = {}

    def missing(self, names: list[str]) -> list[str]:
        """The names (as given) with no page in the template namespace, redirects counting."""
        wanted = [n for n in dict.fromkeys(names) if n and n not in self.known]
        for start in range(0, len(wanted), 50):
            batch = wanted[start : start + 50]
            titles = {n: f"Template:{n}" for n in batch}
            data = self.wiki.site.simple_request(
                action="query", titles="|".join(titles.values()), formatversion=2,
            ).submit()
            query = data.get("query", {})
            normalized = {n["from"]: n["to"] for n in query.get("normalized", [])}
            exists = {p["title"]: "missing" not in p and "invalid" not in p
                      for p in query.get("pages", [])}
            for name, title in titles.items():
                self.known[name] = exists.get(normalized.get(title, title), False)
        return [n for n in names if n and not self.known.get(n, False)]
