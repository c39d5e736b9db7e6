"""A site profile from what a wiki's API says about itself (siteinfo, allmessages, and the text
its pre-save transform writes for `~~~~~`), checked against that sample before it is used.

Pure: the wiki layer (bot/wiki/profile.py) asks the questions and hands the answers here.
The content language's date formats and digits are not in the API: they come from MediaWiki's
own language files (language_formats.json, made by scripts/language_formats), merged along the
wiki's fallback chain as MediaWiki's LocalisationCache does, and the one the wiki really writes
is chosen by the sample.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from bot.errors import BotError
from bot.text.model.dates import find_timestamps, zone_abbreviations
from bot.text.model.profile import (
    ENGLISH,
    ENGLISH_MONTHS,
    WIKIMEDIA_PREFIXES,
    SiteProfile,
    normalize_title,
)

FORMATS_FILE = Path(__file__).with_name("language_formats.json")

MONTH_KEYS = (
    "january", "february", "march", "april", "may_long", "june", "july", "august", "september",
    "october", "november", "december",
)
MONTH_GENITIVE_KEYS = tuple(f"{m.lower()}-gen" for m in ENGLISH_MONTHS)
MONTH_ABBREV_KEYS = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)
WEEKDAY_KEYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
WEEKDAY_ABBREV_KEYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# Asked together with siteinfo: 50 names, the most one request may list without high limits.
CALENDAR_MESSAGES = (
    MONTH_KEYS + MONTH_GENITIVE_KEYS + MONTH_ABBREV_KEYS + WEEKDAY_KEYS + WEEKDAY_ABBREV_KEYS
)
SIGNATURE_MESSAGES = ("signature", "signature-anon")

# The unsigned templates of the largest Wikimedia wikis, by content language: kind -> name, and
# each name's (user, date) parameter order. Where each comes from is in the README ("Languages").
LOCAL_TAG_TEMPLATES: dict[str, dict[str, str]] = {
    "en": {"unsigned": "unsigned", "ip": "unsigned IP", "undated": "undated"},
    "de": {"unsigned": "unsigniert", "ip": "unsigniert"},
    "fr": {"unsigned": "non signé", "ip": "non signé"},
    "es": {"unsigned": "no firmado", "ip": "no firmado"},
    "pl": {"unsigned": "niepodpisany", "ip": "niepodpisany"},
}
LOCAL_TAG_ORDERS: dict[str, tuple[str, str]] = {
    "unsigniert": ("user", "date"),
    "non signé": ("user", "date"),
    "no firmado": ("user", "date"),
    "niepodpisany": ("user", "date"),
}
# Wikimedia's wikis share one account per person (single-user login): a signature's link to a
# user page on any of them names the same person.
WIKIMEDIA_DOMAINS = (
    "wikipedia.org", "wikimedia.org", "wiktionary.org", "wikibooks.org", "wikinews.org",
    "wikiquote.org", "wikisource.org", "wikiversity.org", "wikivoyage.org", "wikidata.org",
    "mediawiki.org", "wikifunctions.org",
)
# How far the sample's time may be from the time the wiki answered (the same request).
SAMPLE_TOLERANCE = timedelta(minutes=2)
SAMPLE_USER = "Example"
SAMPLE_IP = "192.0.2.1"


class ProfileError(BotError):
    """The wiki's answers do not make a profile the bot can trust (exit status 1)."""


@dataclass(frozen=True)
class Sample:
    """What the wiki's pre-save transform wrote for `~~~~~`, and when (UTC, the wiki's clock)."""

    text: str
    when: datetime


@dataclass(frozen=True)
class LanguageFormats:
    """A content language's signature date formats (default first) and digits."""

    formats: tuple[str, ...]
    digits: str


@lru_cache(maxsize=1)
def _format_table() -> dict[str, dict[str, object]]:
    return json.loads(FORMATS_FILE.read_text(encoding="utf-8"))


def fallback_chain(language: str, fallbacks: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The language, its fallbacks (siteinfo's, else MediaWiki's own file), then English."""
    table = _format_table()
    chain = [language.lower()]
    queue = list(fallbacks) or list(table.get(language.lower(), {}).get("fallback", []))
    while queue:
        code = str(queue.pop(0)).lower()
        if code not in chain:
            chain.append(code)
            if not fallbacks:
                queue.extend(table.get(code, {}).get("fallback", []))
    if "en" not in chain:
        chain.append("en")
    return tuple(chain)


def language_formats(language: str, fallbacks: tuple[str, ...] = ()) -> LanguageFormats:
    """Date formats and digits as MediaWiki merges them along the fallback chain."""
    table = _format_table()
    both: dict[str, str] = {}
    default = digits = None
    for code in fallback_chain(language, fallbacks):
        entry = table.get(code, {})
        for preference, fmt in dict(entry.get("both", {})).items():
            both.setdefault(preference, fmt)
        default = default or entry.get("default")
        digits = digits or entry.get("digits")
    preference = "dmy" if default in (None, "dmy or mdy") else str(default)
    first = both.get(preference) or both.get("dmy") or ENGLISH.date_format
    rest = [fmt for pref, fmt in both.items() if fmt != first and not pref.startswith("ISO")]
    return LanguageFormats((first, *dict.fromkeys(rest)), str(digits or "0123456789"))


def _names(messages: dict[str, str], keys: tuple[str, ...], default: tuple[str, ...]) -> tuple:
    values = tuple(messages.get(k, "") for k in keys)
    return values if all(values) else default


def _space(name: str) -> str:
    return name.replace("_", " ")


def _namespace_names(query: dict, number: int) -> tuple[str, ...]:
    namespaces = query.get("namespaces", {})
    entry = namespaces.get(str(number)) or namespaces.get(number) or {}
    names = [entry.get("name", ""), entry.get("canonical", "")]
    aliases = query.get("namespacealiases", [])
    names += [a.get("alias", "") for a in aliases if a.get("id") == number]
    return tuple(dict.fromkeys(_space(n) for n in names if n))


def _contributions(query: dict) -> tuple[str, ...]:
    for entry in query.get("specialpagealiases", []):
        if entry.get("realname") == "Contributions":
            names = [_space(a) for a in entry.get("aliases", [])]
            return tuple(dict.fromkeys([*names, "Contributions", "Contribs"]))
    return ENGLISH.contributions_pages


def _interwiki_prefixes(query: dict) -> tuple[str, ...]:
    """Wikimedia's usual prefixes, and the wiki's own prefixes that lead to a Wikimedia wiki."""
    found = list(WIKIMEDIA_PREFIXES)
    for entry in query.get("interwikimap", []):
        host = (urlsplit(str(entry.get("url", "")).replace("$1", "")).hostname or "").lower()
        if any(host == d or host.endswith("." + d) for d in WIKIMEDIA_DOMAINS):
            found.append(str(entry.get("prefix", "")).lower())
    return tuple(dict.fromkeys(p for p in found if p))


def messages_of(answer: dict) -> dict[str, str]:
    """allmessages' answer (formatversion 2) as name -> text, missing messages left out."""
    return {
        m["name"]: m.get("content", "")
        for m in answer.get("allmessages", [])
        if "missing" not in m and "name" in m
    }


def timezone_message_names(query: dict) -> tuple[str, ...]:
    """The `timezone-<abbr>` messages MediaWiki would show for the wiki's zone (and UTC)."""
    general = query.get("general", {})
    names = ["utc", *(a.lower() for a in zone_abbreviations(str(general.get("timezone", ""))))]
    return tuple(f"timezone-{n}" for n in dict.fromkeys(names))


def _timezones(general: dict, messages: dict[str, str]) -> tuple[str, tuple, tuple]:
    """(IANA zone, shown name -> offsets, abbreviation -> shown name where they differ)."""
    name = str(general.get("timezone", "") or "UTC")
    abbreviations = dict(zone_abbreviations(name))
    if not abbreviations and "/" in name:
        # Without the zone's rules, half the year's signatures would not be read as dated.
        raise ProfileError(
            f"the wiki's time zone {name} is not in this system's time zone database: install "
            "Debian's tzdata (or pip install tzdata), or give --profile FILE"
        )
    if not abbreviations:
        # A zone this system's time zone database does not know (or an abbreviation as zone):
        # the one offset siteinfo gives, under the name PHP would show.
        abbreviations = {name: (int(general.get("timeoffset", 0)),)}
        name = ""
    abbreviations.setdefault("UTC", (0,))  # signatures copied from UTC wikis keep their time
    shown = {
        abbr: messages.get(f"timezone-{abbr.lower()}", "").strip() or abbr
        for abbr in abbreviations
    }
    timezones: dict[str, tuple[int, ...]] = {}
    for abbr, offsets in abbreviations.items():
        known = timezones.setdefault(shown[abbr], ())
        timezones[shown[abbr]] = known + tuple(o for o in offsets if o not in known)
    table = tuple((k, v[0] if len(v) == 1 else v) for k, v in timezones.items())
    renamed = tuple((abbr, text) for abbr, text in shown.items() if text != abbr)
    return name, table, renamed


def _tag_templates(chain: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    chosen: dict[str, str] = {}
    for code in chain:
        for kind, name in LOCAL_TAG_TEMPLATES.get(code.split("-")[0], {}).items():
            chosen.setdefault(kind, name)
    return tuple(chosen.items())


def build_profile(query: dict, messages: dict[str, str]) -> SiteProfile:
    """The profile from siteinfo and allmessages; its date format is the content language's
    default until `check_sample` picks the one the wiki writes."""
    general = query.get("general", {})
    language = str(general.get("lang", "en"))
    fallbacks = tuple(str(f.get("code", "")) for f in general.get("fallback", []) if f)
    chain = fallback_chain(language, fallbacks)
    formats = language_formats(language, fallbacks)
    timezone, timezones, renamed = _timezones(general, messages)
    tags = _tag_templates(chain)
    known = {normalize_title(n) for n, _ in ENGLISH.unsigned_templates}
    # The local unsigned templates are read as tags too (the undated one stays an undated
    # signature's companion, as in the English profile).
    local = tuple(dict.fromkeys(
        (normalize_title(name), LOCAL_TAG_ORDERS.get(name, ("user", "date")))
        for kind, name in tags if kind != "undated" and normalize_title(name) not in known
    ))
    return SiteProfile(
        language=language,
        language_fallbacks=fallbacks,
        user_namespaces=_namespace_names(query, 2) or ENGLISH.user_namespaces,
        user_talk_namespaces=_namespace_names(query, 3) or ENGLISH.user_talk_namespaces,
        special_namespaces=_namespace_names(query, -1) or ENGLISH.special_namespaces,
        contributions_pages=_contributions(query),
        months=_names(messages, MONTH_KEYS, ENGLISH.months),
        months_abbrev=_names(messages, MONTH_ABBREV_KEYS, ENGLISH.months_abbrev),
        months_genitive=_names(messages, MONTH_GENITIVE_KEYS, ENGLISH.months_genitive),
        weekdays=_names(messages, WEEKDAY_KEYS, ENGLISH.weekdays),
        weekdays_abbrev=_names(messages, WEEKDAY_ABBREV_KEYS, ENGLISH.weekdays_abbrev),
        date_format=formats.formats[0],
        digits=formats.digits,
        timezone=timezone,
        timezones=timezones,
        timezone_messages=renamed,
        unsigned_templates=ENGLISH.unsigned_templates + local,
        tag_templates=tags,
        interwiki_prefixes=_interwiki_prefixes(query),
    )


def check_sample(profile: SiteProfile, sample: Sample, messages: dict[str, str]) -> SiteProfile:
    """The profile with the date format and digits the wiki really writes, as the sample shows
    them; ProfileError when no format of the content language reads the sample back to its time,
    or when a default signature (the `signature` messages) is not found as one."""
    formats = language_formats(profile.language, profile.language_fallbacks)
    candidates = dict.fromkeys((profile.date_format, *formats.formats))
    digits = profile.digits if _uses_digits(sample.text, profile.digits) else "0123456789"
    for fmt in candidates:
        candidate = replace(profile, date_format=fmt, digits=digits)
        if any(abs(when - sample.when) <= SAMPLE_TOLERANCE
               for _, _, when in find_timestamps(sample.text, candidate)):
            _check_signatures(candidate, sample, messages)
            return candidate
    raise ProfileError(
        f"the wiki writes {sample.text!r} for ~~~~~ at {sample.when:%Y-%m-%d %H:%M} UTC, which no "
        f"date format of its language ({profile.language}) reads back; give --profile FILE"
    )


def _uses_digits(text: str, digits: str) -> bool:
    return digits == "0123456789" or any(d in text for d in digits)


def _check_signatures(profile: SiteProfile, sample: Sample, messages: dict[str, str]) -> None:
    from bot.text.model.signatures import find_signature

    for key, name in (("signature", SAMPLE_USER), ("signature-anon", SAMPLE_IP)):
        message = messages.get(key)
        if not message or "$1" not in message:
            continue
        signature = message.replace("$1", name).replace("$2", name)
        line = f"A comment. {signature} {sample.text}"
        found = find_signature(line, profile)
        if found is None or found.status != "signed" or found.author != name or not (
            found.timestamp and abs(found.timestamp - sample.when) <= SAMPLE_TOLERANCE
        ):
            raise ProfileError(
                f"the wiki's default signature ({key}: {_one_line(signature)!r}) is not read as "
                f"{name}'s signature with this profile; give --profile FILE"
            )


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)[:200]
