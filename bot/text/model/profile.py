"""Site profiles: what a wiki calls its user pages, special pages, months and time zones.

A profile is plain data, so it can be shipped built in (English, as on Meta-Wiki), read from a
JSON file, or built from a live wiki's siteinfo by the wiki layer.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, fields
from pathlib import Path

from bot.errors import InputError

ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


WIKIMEDIA_PREFIXES = (
    "m", "meta", "metawikimedia", "w", "wikipedia", "wikt", "wiktionary", "c", "commons", "mw",
    "mediawikiwiki", "d", "wikidata", "species", "wikispecies", "q", "wikiquote", "b", "wikibooks",
    "s", "wikisource", "n", "wikinews", "v", "wikiversity", "voy", "wikivoyage", "incubator",
    "outreach", "wmf", "foundation", "wikimedia",
)


@dataclass(frozen=True)
class SiteProfile:
    """Names and formats that signatures on one wiki are made of."""

    user_namespaces: tuple[str, ...] = ("User",)
    user_talk_namespaces: tuple[str, ...] = ("User talk",)
    special_namespaces: tuple[str, ...] = ("Special",)
    contributions_pages: tuple[str, ...] = ("Contributions", "Contribs")
    months: tuple[str, ...] = ENGLISH_MONTHS
    months_abbrev: tuple[str, ...] = tuple(m[:3] for m in ENGLISH_MONTHS)
    months_genitive: tuple[str, ...] = ENGLISH_MONTHS
    # PHP date() letters, as in MediaWiki's $wgSignatureFormat / MessagesXx.php 'both' format.
    date_format: str = "H:i, j F Y"
    # Time zone abbreviation shown in signatures -> offset from UTC in minutes.
    timezones: tuple[tuple[str, int], ...] = (("UTC", 0),)
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
    # Interwiki prefixes a user link may carry ([[m:User:X]], [[w:en:User:X]]): with single-user
    # login the name is the same account everywhere. When any are listed, language codes
    # ([[:en:User:X]]) count too; a profile with none takes local links only.
    interwiki_prefixes: tuple[str, ...] = WIKIMEDIA_PREFIXES

    def timezone_offsets(self) -> dict[str, int]:
        return dict(self.timezones)

    def unsigned_template_params(self) -> dict[str, tuple[str, ...]]:
        return {normalize_title(name): order for name, order in self.unsigned_templates}


ENGLISH = SiteProfile()

_LIST_FIELDS = {
    "user_namespaces", "user_talk_namespaces", "special_namespaces", "contributions_pages",
    "months", "months_abbrev", "months_genitive", "interwiki_prefixes",
}


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


def normalize_user(name: str) -> str:
    """A user name as MediaWiki writes it; IP addresses as IPUtils::sanitizeIP does (IPv6 upper
    case, `::` expanded, leading zeros dropped), so one editor is one name."""
    name = normalize_title(name)
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", name):  # IPv4 with leading zeros
            return ".".join(str(int(part)) for part in name.split("."))
        return name
    if address.version == 6:
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
        if key in _LIST_FIELDS:
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise InputError(f"{source}: {key!r} must be a list of strings")
            if key.startswith("months") and len(value) != 12:
                raise InputError(f"{source}: {key!r} must list 12 months")
            values[key] = tuple(value)
        elif key == "date_format":
            if not isinstance(value, str) or not value:
                raise InputError(f"{source}: 'date_format' must be a non-empty string")
            values[key] = value
        elif key == "timezones":
            if not (
                isinstance(value, dict)
                and all(isinstance(k, str) and type(v) is int for k, v in value.items())
            ):
                raise InputError(f"{source}: 'timezones' must map abbreviations to minutes")
            values[key] = tuple(value.items())
        elif key == "unsigned_templates":
            if not (
                isinstance(value, dict)
                and all(
                    isinstance(v, list) and sorted(v) == ["date", "user"] for v in value.values()
                )
            ):
                raise InputError(
                    f"{source}: 'unsigned_templates' must map names to [\"user\", \"date\"] orders"
                )
            values[key] = tuple((k, tuple(v)) for k, v in value.items())
    return SiteProfile(**values)  # type: ignore[arg-type]


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
            out[f.name] = dict(value)
        elif f.name == "unsigned_templates":
            out[f.name] = {k: list(v) for k, v in value}
        elif isinstance(value, tuple):
            out[f.name] = list(value)
        else:
            out[f.name] = value
    return out
