"""Signature timestamps in a wiki's own date format: the pattern that finds them, their UTC time,
and the text MediaWiki's pre-save transform writes for a given time (for unsigned tags).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from bot.text.model.profile import SiteProfile

_SPACE = r"(?:[ \u00a0]|&nbsp;|&#160;)"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _month_alternation(names: tuple[str, ...]) -> str:
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))


@lru_cache(maxsize=32)
def timestamp_pattern(profile: SiteProfile) -> re.Pattern[str]:
    """A regex for the wiki's signature timestamp, e.g. '12:34, 5 May 2020 (UTC)'."""
    fmt = profile.date_format
    parts: list[str] = []
    seen: set[str] = set()

    def group(name: str, body: str) -> str:
        if name in seen:
            return f"(?:{body})"
        seen.add(name)
        return f"(?P<{name}>{body})"

    numeric = {
        "d": ("day", r"\d{2}"), "j": ("day", r"\d{1,2}"),
        "m": ("month_num", r"\d{2}"), "n": ("month_num", r"\d{1,2}"),
        "Y": ("year", r"\d{4}"), "y": ("year2", r"\d{2}"),
        "H": ("hour", r"\d{2}"), "G": ("hour", r"\d{1,2}"),
        "h": ("hour12", r"\d{2}"), "g": ("hour12", r"\d{1,2}"),
        "i": ("minute", r"\d{2}"), "s": ("second", r"\d{2}"),
    }
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "\\" and i + 1 < len(fmt):
            parts.append(re.escape(fmt[i + 1]))
            i += 2
            continue
        if ch == '"':
            close = fmt.find('"', i + 1)
            close = len(fmt) if close < 0 else close
            parts.append(re.escape(fmt[i + 1 : close]))
            i = close + 1
            continue
        if fmt.startswith("xg", i):
            parts.append(group("month_gen", _month_alternation(profile.months_genitive)))
            i += 2
            continue
        if ch in numeric:
            name, body = numeric[ch]
            parts.append(group(name, body))
        elif ch == "F":
            parts.append(group("month_name", _month_alternation(profile.months)))
        elif ch == "M":
            parts.append(group("month_abbr", _month_alternation(profile.months_abbrev)))
        elif ch in "Dl":
            parts.append(r"[^\W\d_]+\.?")
        elif ch in "Nw":
            parts.append(r"\d")
        elif ch in "aA":
            parts.append(group("ampm", r"[aApP][mM]"))
        elif ch.isspace():
            parts.append(_SPACE + "+")
        else:
            parts.append(re.escape(ch))
        i += 1
    zones = "|".join(re.escape(z) for z, _ in sorted(profile.timezones, key=lambda z: -len(z[0])))
    body = "".join(parts)
    return re.compile(rf"(?<!\d){body}{_SPACE}*\((?P<tz>{zones})\)", re.IGNORECASE)


def _month_index(names: tuple[str, ...], value: str) -> int:
    lowered = [n.casefold() for n in names]
    return lowered.index(value.casefold()) + 1


def parse_timestamp(match: re.Match[str], profile: SiteProfile) -> datetime | None:
    """The UTC datetime of a timestamp_pattern match, or None if it names no real date."""
    g = match.groupdict()
    try:
        if g.get("month_name"):
            month = _month_index(profile.months, g["month_name"])
        elif g.get("month_gen"):
            month = _month_index(profile.months_genitive, g["month_gen"])
        elif g.get("month_abbr"):
            month = _month_index(profile.months_abbrev, g["month_abbr"])
        else:
            month = int(g["month_num"])
        year = int(g["year"]) if g.get("year") else 2000 + int(g["year2"])
        if g.get("hour") is not None:
            hour = int(g["hour"])
        else:
            hour = int(g["hour12"]) % 12
            if (g.get("ampm") or "").lower() == "pm":
                hour += 12
        local = datetime(
            year, month, int(g["day"]), hour, int(g["minute"]), int(g.get("second") or 0),
            tzinfo=UTC,
        )
    except (TypeError, ValueError, KeyError):
        return None
    offsets = {k.casefold(): v for k, v in profile.timezones}
    return local - timedelta(minutes=offsets.get(match.group("tz").casefold(), 0))


def find_timestamps(line: str, profile: SiteProfile) -> list[tuple[int, int, datetime]]:
    found = []
    for match in timestamp_pattern(profile).finditer(line):
        when = parse_timestamp(match, profile)
        if when is not None:
            found.append((match.start(), match.end(), when))
    return found


def format_date(when: datetime, profile: SiteProfile) -> str:
    """The time as the wiki's signatures show it, e.g. '09:15, 20 September 2016 (UTC)'."""
    zone, offset = profile.timezones[0] if profile.timezones else ("UTC", 0)
    local = when.astimezone(UTC) + timedelta(minutes=offset)
    fmt = profile.date_format
    out: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "\\" and i + 1 < len(fmt):
            out.append(fmt[i + 1])
            i += 2
            continue
        if ch == '"':
            close = fmt.find('"', i + 1)
            close = len(fmt) if close < 0 else close
            out.append(fmt[i + 1 : close])
            i = close + 1
            continue
        if fmt.startswith("xg", i):
            out.append(profile.months_genitive[local.month - 1])
            i += 2
            continue
        out.append(_letter(ch, local, profile))
        i += 1
    return f"{''.join(out)} ({zone})"


def _letter(ch: str, t: datetime, profile: SiteProfile) -> str:
    hour12 = t.hour % 12 or 12
    values = {
        "d": f"{t.day:02d}", "j": str(t.day), "m": f"{t.month:02d}", "n": str(t.month),
        "Y": f"{t.year:04d}", "y": f"{t.year % 100:02d}", "H": f"{t.hour:02d}",
        "G": str(t.hour), "h": f"{hour12:02d}", "g": str(hour12), "i": f"{t.minute:02d}",
        "s": f"{t.second:02d}", "F": profile.months[t.month - 1],
        "M": profile.months_abbrev[t.month - 1], "l": _WEEKDAYS[t.weekday()],
        "D": _WEEKDAYS[t.weekday()][:3], "N": str(t.isoweekday()),
        "w": str(t.isoweekday() % 7), "a": "am" if t.hour < 12 else "pm",
        "A": "AM" if t.hour < 12 else "PM",
    }
    return values.get(ch, ch)
