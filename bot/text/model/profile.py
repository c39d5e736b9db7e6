"""Site profiles: what a wiki calls its user pages, special pages, months and time zones.

A profile is plain data, so it can be shipped built in (English, as on Meta-Wiki), read from a
JSON file, or built from a live wiki's siteinfo by the wiki layer.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from pathlib import Path

from bot.errors import InputError

ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# Sunday first, as MediaWiki's Language::WEEKDAY_MESSAGES.
ENGLISH_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


WIKIMEDIA_PREFIXES = (
    "m", "meta", "metawikimedia", "w", "wikipedia", "wikt", "wiktionary", "c", "commons", "mw",
    "mediawikiwiki", "d", "wikidata", "species", "wikispecies", "q", "wikiquote", "b", "wikibooks",
    "s", "wikisource", "n", "wikinews", "v", "wikiversity", "voy", "wikivoyage", "incubator",
    "outreach", "wmf", "foundation", "wikimedia",
)


@dataclass(frozen=True)
class SiteProfile:
    """Names and formats that signatures on one wiki are made of, and the wiki's language."""

    # The content language (picks the bot's labels) and its fallbacks, as siteinfo lists them.
    language: str = "en"
    language_fallbacks: tuple[str, ...] = ()
    user_namespaces: tuple[str, ...] = ("User",)
    user_talk_namespaces: tuple[str, ...] = ("User talk",)
    special_namespaces: tuple[str, ...] = ("Special",)
    contributions_pages: tuple[str, ...] = ("Contributions", "Contribs")
    months: tuple[str, ...] = ENGLISH_MONTHS
    months_abbrev: tuple[str, ...] = tuple(m[:3] for m in ENGLISH_MONTHS)
    months_genitive: tuple[str, ...] = ENGLISH_MONTHS
    weekdays: tuple[str, ...] = ENGLISH_WEEKDAYS
    weekdays_abbrev: tuple[str, ...] = tuple(d[:3] for d in ENGLISH_WEEKDAYS)
    # MediaWiki's date format letters (Language::sprintfDate), the content language's "both"
    # format of the default date preference, e.g. "H:i, j. M Y" on a German wiki.
    date_format: str = "H:i, j F Y"
    # The digits the wiki writes numbers with (0 to 9), e.g. "۰۱۲۳۴۵۶۷۸۹" on a Persian wiki.
    digits: str = "0123456789"
    # The wiki's IANA time zone ($wgLocaltimezone), e.g. "Europe/Berlin"; "" for none (then
    # the first of `timezones` is the zone).
    timezone: str = ""
    # Zone name shown in signatures -> its offset(s) from UTC in minutes (CET 60, CEST 120).
    timezones: tuple[tuple[str, int | tuple[int, ...]], ...] = (("UTC", 0),)
    # Zone abbreviation -> what signatures show instead, where the wiki's `timezone-<abbr>`
    # message differs from it (on the Arabic Wikipedia, UTC is shown as "ت ع م").
    timezone_messages: tuple[tuple[str, str], ...] = ()
    # Unsigned-family templates: name -> order of the (user, date) positional parameters.
    unsigned_templates: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("Unsigned", ("user", "date")),
        ("Unsigned IP", ("user", "date")),
        ("UnsignedIP", ("user", "date")),
        ("Unsigned2", ("date", "user")),
        ("Unsigned IP2", ("date", "user")),
        ("UnsignedIP2", ("date", "user")),
        ("Unsig", ("user", "date")),
    )
    # The templates the bot tags with: "unsigned", "ip" (an IP editor's comment) and "undated".
    # Each is also listed in unsigned_templates, which gives its parameter order.
    tag_templates: tuple[tuple[str, str], ...] = (
        ("unsigned", "unsigned"), ("ip", "unsigned IP"), ("undated", "undated"),
    )
    # Interwiki prefixes a user link may carry ([[m:User:X]], [[w:en:User:X]]): with single-user
    # login the name is the same account everywhere. When any are listed, language codes
    # ([[:en:User:X]]) count too; a profile with none takes local links only.
    interwiki_prefixes: tuple[str, ...] = WIKIMEDIA_PREFIXES

    @cached_property
    def _hash(self) -> int:
        return hash(tuple(getattr(self, f.name) for f in fields(self)))

    def __hash__(self) -> int:
        # Hashed once: every line's signature search looks its patterns up by profile.
        return self._hash

    def unsigned_template_params(self) -> dict[str, tuple[str, ...]]:
        return {normalize_title(name): order for name, order in self.unsigned_templates}

    def tag_template(self, kind: str) -> str:
        """The template the bot tags `kind` comments with ("unsigned", "ip", "undated")."""
        return dict(self.tag_templates).get(kind) or dict(ENGLISH_TAG_TEMPLATES)[kind]

    def tag_order(self, name: str) -> tuple[str, ...]:
        """The parameter order of a tag template: ("user", "date") unless the profile says."""
        order = self.unsigned_template_params().get(normalize_title(name))
        return order if order and sorted(order) == ["date", "user"] else ("user", "date")


ENGLISH = SiteProfile()
ENGLISH_TAG_TEMPLATES = SiteProfile.tag_templates
TAG_KINDS = ("unsigned", "ip", "undated")

_LIST_FIELDS = {
    "language_fallbacks", "user_namespaces", "user_talk_namespaces", "special_namespaces",
    "contributions_pages", "months", "months_abbrev", "months_genitive", "weekdays",
    "weekdays_abbrev", "interwiki_prefixes",
}
_STRING_FIELDS = {"language", "date_format", "timezone"}
_COUNTS = {"months": 12, "months_abbrev": 12, "months_genitive": 12, "weekdays": 7,
           "weekdays_abbrev": 7}


def normalize_title(text: str) -> str:
    """Normalize a page or user name the way MediaWiki does: underscores, spaces, first letter."""
    text = re.sub(r"[\s_]+", " ", text).strip()
    return text[:1].upper() + text[1:]


def is_ip(name: str) -> bool:
    """Whether a user name is an IP address (an unregistered editor)."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


_DIGITS_AND_DOTS = re.compile(r"[\d.]+")


@lru_cache(maxsize=65_536)  # a page names its participants again and again
def normalize_user(name: str) -> str:
    """A user name as MediaWiki writes it; IP addresses as IPUtils::sanitizeIP does (IPv6 upper
    case, `::` expanded, leading zeros dropped), so one editor is one name."""
    name = normalize_title(name)
    if ":" not in name and _DIGITS_AND_DOTS.fullmatch(name) is None:
        return name  # no IP address (and ip_address's exceptions are slow: most names are users)
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", name):  # IPv4 with leading zeros
            return ".".join(str(int(part)) for part in name.split("."))
        return name
    if address.version == 6:
        if address.scope_id is not None:
            return name  # `::%x`: IPUtils takes no zone id, and exploding some of them raises
        return ":".join(f"{int(group, 16):X}" for group in address.exploded.split(":"))
    return str(address)


def profile_from_dict(data: object, source: str = "profile") -> SiteProfile:
    """Build a profile from JSON-shaped data; unknown keys and wrong types raise InputError."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: a site profile must be a JSON object")
    known = {f.name for f in fields(SiteProfile)}
    values: dict[str, object] = {}
    for key, value in data.items():
        if key not in known:
            raise InputError(f"{source}: unknown key {key!r}")
        values[key] = _field_value(key, value, source)
    return SiteProfile(**values)  # type: ignore[arg-type]


def _is_minutes(value: object) -> bool:
    if type(value) is int:
        return True
    return isinstance(value, list) and bool(value) and all(type(v) is int for v in value)


def _field_value(key: str, value: object, source: str) -> object:
    if key in _LIST_FIELDS:
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise InputError(f"{source}: {key!r} must be a list of strings")
        if key in _COUNTS and len(value) != _COUNTS[key]:
            raise InputError(f"{source}: {key!r} must list {_COUNTS[key]} names")
        return tuple(value)
    if key in _STRING_FIELDS:
        if not isinstance(value, str) or (key == "date_format" and not value):
            kind = "a non-empty string" if key == "date_format" else "a string"
            raise InputError(f"{source}: {key!r} must be {kind}")
        return value
    if key == "digits":
        if not (isinstance(value, str) and len(value) == 10):
            raise InputError(f"{source}: 'digits' must be a string of the 10 digits 0 to 9")
        return value
    if key == "timezones":
        if not (
            isinstance(value, dict) and value
            and all(isinstance(k, str) and _is_minutes(v) for k, v in value.items())
        ):
            raise InputError(
                f"{source}: 'timezones' must map zone names to minutes (or lists of minutes)"
            )
        return tuple((k, v if type(v) is int else tuple(v)) for k, v in value.items())
    if key in ("timezone_messages", "tag_templates"):
        if not (
            isinstance(value, dict)
            and all(isinstance(k, str) and isinstance(v, str) and v for k, v in value.items())
        ):
            raise InputError(f"{source}: {key!r} must map names to non-empty strings")
        if key == "tag_templates" and not set(value) <= set(TAG_KINDS):
            raise InputError(
                f"{source}: 'tag_templates' keys are {', '.join(repr(k) for k in TAG_KINDS)}"
            )
        return tuple(value.items())
    # unsigned_templates
    if not (
        isinstance(value, dict)
        and all(isinstance(v, list) and sorted(v) == ["date", "user"] for v in value.values())
    ):
        raise InputError(
            f"{source}: 'unsigned_templates' must map names to [\"user\", \"date\"] orders"
        )
    return tuple((k, tuple(v)) for k, v in value.items())


def load_profile(path: str | Path) -> SiteProfile:
    """Read a JSON site profile; any problem is one InputError line."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read profile: {exc.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a valid UTF-8 JSON profile: {exc}") from None
    return profile_from_dict(data, str(path))


def profile_to_dict(profile: SiteProfile) -> dict[str, object]:
    """The JSON shape accepted by profile_from_dict."""
    out: dict[str, object] = {}
    for f in fields(SiteProfile):
        value = getattr(profile, f.name)
        if f.name == "timezones":
            out[f.name] = {k: v if isinstance(v, int) else list(v) for k, v in value}
        elif f.name in ("timezone_messages", "tag_templates"):
            out[f.name] = dict(value)
        elif f.name == "unsigned_templates":
            out[f.name] = {k: list(v) for k, v in value}
        elif isinstance(value, tuple):
            out[f.name] = list(value)
        else:
            out[f.name] = value
    return out
