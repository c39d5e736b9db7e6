"""Signature timestamps in a wiki's own date format: the pattern that finds them, their UTC time,
and the text MediaWiki's pre-save transform writes for a given time (for unsigned tags).

What `~~~~` writes is Language::timeanddate() in the content language, with the wiki's local
time zone ($wgLocaltimezone) and the zone's abbreviation as MediaWiki shows it (the message
`timezone-<abbr>` when the wiki has one): see Parser::pstPass2 and MWTimestamp. With the zone's
IANA name in the profile, a local time is turned into UTC by the zone's own rules (summer and
winter time, the repeated hour of the autumn change told apart by its abbreviation).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import tzinfo as TzInfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.text.model.memory import keeping
from bot.text.model.profile import SiteProfile

_SPACE = r"(?:[ \u00a0]|&nbsp;|&#160;)"
# Editors and MediaWiki's bidi handling may leave left-to-right / right-to-left marks anywhere.
_BIDI = "[\u200e\u200f]?"
# Thai solar year (xkY) = Gregorian + 543, as Language::tsToYear does.
_THAI_OFFSET = 543


def _alternation(names: tuple[str, ...]) -> str:
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True) if n)


@lru_cache(maxsize=64)
def zone(name: str) -> TzInfo | None:
    """The IANA time zone of that name from the system's time zone database, or None."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


# The years whose zone names signatures may carry: wikis sign since 2001; 2060 is far enough.
_ZONE_YEARS = (2001, 2060)


@lru_cache(maxsize=16)
def zone_abbreviations(name: str) -> dict[str, tuple[int, ...]]:
    """The abbreviations a zone has used since 2001 (as PHP's date('T') writes them: "CET",
    "CEST", "+03") with their offsets from UTC in minutes; {} for a zone not in the database.

    Sampled daily at noon UTC: a zone changes its name at most a few times a year.
    """
    tz = zone(name)
    if tz is None:
        return {}
    found: dict[str, tuple[int, ...]] = {}
    day = datetime(_ZONE_YEARS[0], 1, 1, 12, tzinfo=UTC)
    end = datetime(_ZONE_YEARS[1], 1, 1, tzinfo=UTC)
    while day < end:
        local = day.astimezone(tz)
        offset = local.utcoffset()
        abbreviation = local.tzname()
        if offset is not None and abbreviation:
            minutes = int(offset.total_seconds()) // 60
            known = found.setdefault(abbreviation, ())
            if minutes not in known:
                found[abbreviation] = (*known, minutes)
        day += timedelta(days=1)
    return found


@lru_cache(maxsize=16)
def _tokens(fmt: str) -> tuple[tuple[str, str], ...]:
    """The format as (kind, value) pairs: ("code", "j"), ("text", "à"), as sprintfDate reads it."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "\\" and i + 1 < len(fmt):
            tokens.append(("text", fmt[i + 1]))
            i += 2
            continue
        if ch == '"':
            close = fmt.find('"', i + 1)
            if close < 0:
                tokens.append(("text", '"'))
                i += 1
            else:
                tokens.append(("text", fmt[i + 1 : close]))
                i = close + 1
            continue
        if ch == "x" and i + 1 < len(fmt):
            code = fmt[i : i + 2]
            if code in ("xi", "xj", "xk", "xm", "xo", "xt") and i + 2 < len(fmt):
                code = fmt[i : i + 3]
            tokens.append(("code", code))
            i += len(code)
            continue
        tokens.append(("code", ch))
        i += 1
    return tuple(tokens)


_NUMERIC = {
    "d": ("day", r"\d{2}"), "j": ("day", r"\d{1,2}"),
    "m": ("month_num", r"\d{2}"), "n": ("month_num", r"\d{1,2}"),
    "Y": ("year", r"\d{4}"), "y": ("year2", r"\d{2}"), "xkY": ("year_thai", r"\d{4}"),
    "H": ("hour", r"\d{2}"), "G": ("hour", r"\d{1,2}"),
    "h": ("hour12", r"\d{2}"), "g": ("hour12", r"\d{1,2}"),
    "i": ("minute", r"\d{2}"), "s": ("second", r"\d{2}"),
}
# Codes that write nothing themselves (they change how the next number is written).
_SILENT = frozenset({"xn", "xN", "xr", "xh"})


@lru_cache(maxsize=32)
def timestamp_pattern(profile: SiteProfile) -> re.Pattern[str]:
    """A regex for the wiki's signature timestamp, e.g. '12:34, 5 May 2020 (UTC)'."""
    parts: list[str] = []
    seen: set[str] = set()

    def group(name: str, body: str) -> str:
        if name in seen:
            return f"(?:{body})"
        seen.add(name)
        return f"(?P<{name}>{body})"

    for kind, value in _tokens(profile.date_format):
        if kind == "text":
            parts.extend(_SPACE + "+" if c.isspace() else re.escape(c) for c in value)
            continue
        if value in _NUMERIC:
            name, body = _NUMERIC[value]
            parts.append(group(name, body))
        elif value == "xg":
            parts.append(group("month_gen", _alternation(profile.months_genitive)))
        elif value == "F":
            parts.append(group("month_name", _alternation(profile.months)))
        elif value == "M":
            parts.append(group("month_abbr", _alternation(profile.months_abbrev)))
        elif value == "l":
            parts.append(f"(?:{_alternation(profile.weekdays)}|[^\\W\\d_]+\\.?)")
        elif value == "D":
            parts.append(f"(?:{_alternation(profile.weekdays_abbrev)}|[^\\W\\d_]+\\.?)")
        elif value in ("N", "w"):
            parts.append(r"\d")
        elif value in ("a", "A"):
            parts.append(group("ampm", r"[aApP][mM]"))
        elif value == "xx":
            parts.append("x")
        elif value in _SILENT:
            continue
        elif value.isspace():
            parts.append(_SPACE + "+")
        else:
            parts.append(re.escape(value))
        parts.append(_BIDI)
    zones = _alternation(tuple(name for name, _ in profile.timezones))
    body = "".join(parts)
    return re.compile(
        rf"(?<!\d){_BIDI}{body}{_SPACE}*{_BIDI}\({_BIDI}(?P<tz>{zones}){_BIDI}\)", re.IGNORECASE
    )


def _month_index(names: tuple[str, ...], value: str) -> int:
    return _month_numbers(names)[value.casefold()]  # KeyError: no such month


@lru_cache(maxsize=64)
def _month_numbers(names: tuple[str, ...]) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        numbers.setdefault(name.casefold(), number)
    return numbers


def _local_time(g: dict[str, str | None], profile: SiteProfile) -> datetime:
    """The wall-clock time a match names; ValueError (or KeyError, TypeError) if it names none."""
    if g.get("month_name"):
        month = _month_index(profile.months, g["month_name"] or "")
    elif g.get("month_gen"):
        month = _month_index(profile.months_genitive, g["month_gen"] or "")
    elif g.get("month_abbr"):
        month = _month_index(profile.months_abbrev, g["month_abbr"] or "")
    else:
        month = int(g["month_num"] or "")
    if g.get("year"):
        year = int(g["year"] or "")
    elif g.get("year_thai"):
        year = int(g["year_thai"] or "") - _THAI_OFFSET
    else:
        year = 2000 + int(g["year2"] or "")
    if g.get("hour") is not None:
        hour = int(g["hour"] or "")
    else:
        hour = int(g["hour12"] or "") % 12
        if (g.get("ampm") or "").lower() == "pm":
            hour += 12
    # int() reads every script's decimal digits (Persian, Arabic-Indic, Devanagari ...).
    return datetime(year, month, int(g["day"] or ""), hour, int(g["minute"] or ""),
                    int(g.get("second") or 0))


def to_utc(local: datetime, shown: str, profile: SiteProfile) -> datetime:
    """UTC of a naive local time written with the zone name `shown` (as the signature shows it).

    With the wiki's IANA zone, the zone's offset at that local time wins when it is one the
    shown name stands for (of the two in the repeated autumn hour, the one the name says); a
    name the zone does not use there (a `(UTC)` copied from another wiki) keeps its own offset.
    """
    offsets = timezone_offsets(profile).get(shown.casefold(), (0,))
    tz = zone(profile.timezone)
    if tz is not None:
        for fold in (0, 1):
            aware = local.replace(tzinfo=tz, fold=fold)
            offset = aware.utcoffset()
            if offset is not None and int(offset.total_seconds()) // 60 in offsets:
                return aware.astimezone(UTC)
    if not offsets[0]:
        return local.replace(tzinfo=UTC)  # (the same, without a timedelta: most wikis sign in UTC)
    return (local - timedelta(minutes=offsets[0])).replace(tzinfo=UTC)


@lru_cache(maxsize=32)
def timezone_offsets(profile: SiteProfile) -> dict[str, tuple[int, ...]]:
    """Shown zone name (case-folded) -> the offsets from UTC, in minutes, it stands for."""
    out: dict[str, tuple[int, ...]] = {}
    for name, minutes in profile.timezones:
        known = out.setdefault(name.casefold(), ())
        out[name.casefold()] = known + tuple(m for m in _as_tuple(minutes) if m not in known)
    return out


def _as_tuple(minutes: int | tuple[int, ...]) -> tuple[int, ...]:
    return (minutes,) if isinstance(minutes, int) else tuple(minutes)


# Timestamps read, per profile: the same signatures are read in revision after revision.
_PARSED_CACHE = 100_000


@lru_cache(maxsize=32)
def _parsed(profile: SiteProfile) -> dict[str, datetime | None]:
    return {}


def parse_timestamp(match: re.Match[str], profile: SiteProfile) -> datetime | None:
    """The UTC datetime of a timestamp_pattern match, or None if it names no real date."""
    return _parse(match, profile, _parsed(profile))


def _parse(
    match: re.Match[str], profile: SiteProfile, cache: dict[str, datetime | None]
) -> datetime | None:
    """parse_timestamp, given the profile's cache (_parsed)."""
    # The matched text decides the groups, so it decides the time.
    text = match.group(0)
    if text in cache:
        return cache[text]
    try:
        local = _local_time(match.groupdict(), profile)
    except (TypeError, ValueError, KeyError):
        when = None
    else:
        when = to_utc(local, match.group("tz"), profile)
    if keeping():
        if len(cache) >= _PARSED_CACHE:
            cache.clear()
        cache[text] = when
    return when


@lru_cache(maxsize=32)
def _zone_pattern(profile: SiteProfile) -> re.Pattern[str]:
    """What every timestamp ends with: a zone name in brackets (a cheap first look at a line)."""
    zones = _alternation(tuple(name for name, _ in profile.timezones))
    return re.compile(rf"\({_BIDI}(?:{zones}){_BIDI}\)", re.IGNORECASE)


_SPACE_CHARS = " \u00a0&nbsp;#160"  # what _SPACE is made of
_NAMED = ("F", "M", "xg", "l", "D", "N", "w", "a", "A")  # codes written with names or digits


@lru_cache(maxsize=32)
def _date_run(profile: SiteProfile) -> re.Pattern[str] | None:
    """A run of the characters a timestamp's date can be made of (all but its zone brackets),
    or None when a bracket can be one of them (then every position of a line is tried)."""
    chars = set(_SPACE_CHARS + "\u200e\u200f")
    letters = False
    for kind, value in _tokens(profile.date_format):
        if kind == "text" or value not in (*_NUMERIC, *_SILENT, *_NAMED):
            chars.update(value)  # written as is (a space stands for _SPACE, in _SPACE_CHARS)
        elif value in ("F", "M", "xg"):
            names = {"F": profile.months, "M": profile.months_abbrev,
                     "xg": profile.months_genitive}[value]
            chars.update("".join(names))
        elif value in ("l", "D"):
            names = profile.weekdays if value == "l" else profile.weekdays_abbrev
            chars.update("".join(names) + ".")
            letters = True
        elif value in ("a", "A"):
            chars.update("aApPmM")
    zones = "".join(name for name, _ in profile.timezones)
    if set("()") & (chars | set(zones)):
        return None
    body = "".join(re.escape(c) for c in sorted(chars))
    words = r"|[^\W\d_]" if letters else ""
    return re.compile(rf"(?:[{body}\d]{words})*", re.IGNORECASE)


@lru_cache(maxsize=32)
def _reading(
    profile: SiteProfile,
) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str] | None, dict[str, datetime | None]]:
    """What find_timestamps needs of a profile, looked up once a line rather than one by one:
    _zone_pattern, timestamp_pattern, _date_run and _parsed."""
    return _zone_pattern(profile), timestamp_pattern(profile), _date_run(profile), _parsed(profile)


def _timestamp_matches(line: str, profile: SiteProfile) -> list[re.Match[str]]:
    """timestamp_pattern(profile).finditer(line), the pattern tried only right before a zone.

    Every match ends with a zone in brackets, `(UTC)`, and its date is made of characters that
    are no brackets (_date_run): so the leftmost match after `position` either ends at the next
    zone and starts in the run of date characters right before it, or starts after that zone.
    The run is read backwards, on the reversed line. Trying the whole pattern at every position
    of a line, as finditer does, costs many times more.
    """
    zones, pattern, run, _ = _reading(profile)
    return _matches_from(line, zones.search(line), zones, pattern, run)


def _matches_from(
    line: str, zone: re.Match[str] | None, zones: re.Pattern[str], pattern: re.Pattern[str],
    run: re.Pattern[str] | None,
) -> list[re.Match[str]]:
    """_timestamp_matches, given the line's first zone (zones.search(line))."""
    if run is None:
        return list(pattern.finditer(line))
    reverse = line[::-1]
    found = []
    position = 0
    while zone is not None:
        back = len(line) - zone.start()
        start = max(position, zone.start() - (run.match(reverse, back).end() - back))
        match = pattern.search(line, start, zone.end())
        if match is not None:
            found.append(match)
        position = zone.end()
        zone = zones.search(line, position)
    return found


def find_timestamps(line: str, profile: SiteProfile) -> list[tuple[int, int, datetime]]:
    found: list[tuple[int, int, datetime]] = []
    if ")" not in line:
        return found
    zones, pattern, run, parsed = _reading(profile)
    zone = zones.search(line)
    if zone is None:
        return found
    for match in _matches_from(line, zone, zones, pattern, run):
        when = _parse(match, profile, parsed)
        if when is not None:
            found.append((match.start(), match.end(), when))
    return found


def local_time(when: datetime, profile: SiteProfile) -> tuple[datetime, str]:
    """The wiki's wall-clock time at `when` and the zone name its signatures show then."""
    tz = zone(profile.timezone)
    if tz is not None:
        local = when.astimezone(tz)
        raw = local.tzname() or "UTC"
        return local, dict(profile.timezone_messages).get(raw, raw)
    name, minutes = profile.timezones[0] if profile.timezones else ("UTC", 0)
    return when.astimezone(UTC) + timedelta(minutes=_as_tuple(minutes)[0]), name


def format_date(when: datetime, profile: SiteProfile) -> str:
    """The time as the wiki's signatures show it, e.g. '09:15, 20 September 2016 (UTC)'."""
    local, shown = local_time(when, profile)
    digits = profile.digits if len(profile.digits) == 10 else "0123456789"
    table = str.maketrans("0123456789", digits)
    out: list[str] = []
    raw = False
    for kind, value in _tokens(profile.date_format):
        if kind == "text":
            out.append(value)
            continue
        if value == "xn":
            raw = True
            continue
        text = _code(value, local, profile)
        if value in _NUMERIC or value in ("N", "w"):
            text = text if raw else text.translate(table)
            raw = False
        out.append(text)
    return f"{''.join(out)} ({shown})"


def _code(code: str, t: datetime, profile: SiteProfile) -> str:
    if code in _SILENT:
        return ""
    write = _CODES.get(code)
    return code if write is None else write(t, profile)


def _hour12(t: datetime) -> int:
    return t.hour % 12 or 12


# What each format code writes; a code not here writes itself.
_CODES: dict[str, Callable[[datetime, SiteProfile], str]] = {
    "d": lambda t, p: f"{t.day:02d}", "j": lambda t, p: str(t.day),
    "m": lambda t, p: f"{t.month:02d}", "n": lambda t, p: str(t.month),
    "Y": lambda t, p: f"{t.year:04d}", "y": lambda t, p: f"{t.year % 100:02d}",
    "xkY": lambda t, p: str(t.year + _THAI_OFFSET),
    "H": lambda t, p: f"{t.hour:02d}", "G": lambda t, p: str(t.hour),
    "h": lambda t, p: f"{_hour12(t):02d}", "g": lambda t, p: str(_hour12(t)),
    "i": lambda t, p: f"{t.minute:02d}", "s": lambda t, p: f"{t.second:02d}",
    "F": lambda t, p: p.months[t.month - 1], "xg": lambda t, p: p.months_genitive[t.month - 1],
    "M": lambda t, p: p.months_abbrev[t.month - 1],
    # MediaWiki's weekday lists start on Sunday; Python's weekday() on Monday.
    "l": lambda t, p: p.weekdays[(t.weekday() + 1) % 7],
    "D": lambda t, p: p.weekdays_abbrev[(t.weekday() + 1) % 7],
    "N": lambda t, p: str(t.isoweekday()), "w": lambda t, p: str(t.isoweekday() % 7),
    "a": lambda t, p: "am" if t.hour < 12 else "pm",
    "A": lambda t, p: "AM" if t.hour < 12 else "PM",
    "xx": lambda t, p: "x",
}
