"""Signature dates in a wiki's own format, zone and digits, checked against real wikis' data.

The reference data is DiscussionTools' (tests/data/discussiontools/README.md): what ten
Wikipedias' own MediaWiki computed for its signatures. Samples MediaWiki writes itself are the
real-wiki tests' (tests/wiki/test_languages.py).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.model.dates import (
    _timestamp_matches,
    find_timestamps,
    format_date,
    local_time,
    timestamp_pattern,
    zone_abbreviations,
)
from bot.text.model.profile import ENGLISH, SiteProfile
from bot.text.model.siteinfo import (
    MONTH_ABBREV_KEYS,
    MONTH_GENITIVE_KEYS,
    MONTH_KEYS,
    WEEKDAY_ABBREV_KEYS,
    WEEKDAY_KEYS,
    language_formats,
)

DATA = Path(__file__).parents[2] / "data" / "discussiontools"
WIKIS = ("ar", "ckb", "en", "es", "fr", "hu", "it", "nl", "pl", "sr")
WINTER = datetime(2021, 1, 15, 12, 34, tzinfo=UTC)
SUMMER = datetime(2021, 7, 15, 21, 5, tzinfo=UTC)


def wiki_data(wiki: str) -> dict:
    return json.loads((DATA / f"{wiki}wiki-data.json").read_text(encoding="utf-8"))


def profile_of(wiki: str) -> SiteProfile:
    """A profile from DiscussionTools' record of a live Wikipedia."""
    data = wiki_data(wiki)
    (variant, fmt), *_ = data["dateFormat"].items()
    messages = data["contLangMessages"][variant]
    zone = data["localTimezone"]
    offsets = zone_abbreviations(zone)
    shown = data["timezones"][variant]  # shown name -> abbreviation
    return SiteProfile(
        language=variant,
        months=tuple(messages[k] for k in MONTH_KEYS),
        months_genitive=tuple(messages[k] for k in MONTH_GENITIVE_KEYS),
        months_abbrev=tuple(messages[k] for k in MONTH_ABBREV_KEYS),
        weekdays=tuple(messages[k] for k in WEEKDAY_KEYS),
        weekdays_abbrev=tuple(messages[k] for k in WEEKDAY_ABBREV_KEYS),
        date_format=fmt,
        digits="".join(data["digits"][variant]),
        timezone=zone,
        timezones=tuple((name, offsets[abbr]) for name, abbr in shown.items() if abbr in offsets),
        timezone_messages=tuple((abbr, name) for name, abbr in shown.items() if name != abbr),
    )


@pytest.mark.parametrize("wiki", WIKIS)
def test_the_languages_own_format_is_the_one_the_wiki_writes(wiki: str) -> None:
    # language_formats.json (from MediaWiki 1.39's language files) gives each wiki's format.
    (fmt,) = list(wiki_data(wiki)["dateFormat"].values())[:1]
    assert language_formats(wiki).formats[0] == fmt


@pytest.mark.parametrize("wiki", WIKIS)
@pytest.mark.parametrize("when", [WINTER, SUMMER], ids=["winter", "summer"])
def test_a_date_as_the_wiki_writes_it_reads_back_to_the_same_utc_time(
    wiki: str, when: datetime
) -> None:
    profile = profile_of(wiki)
    text = format_date(when, profile)
    assert [found for _, _, found in find_timestamps(f"Text {text} more", profile)] == [when]
    shown = text[text.rindex("(") + 1 : -1]
    assert shown in wiki_data(wiki)["timezones"][profile.language]
    # The digits the wiki writes (Central Kurdish writes Arabic-Indic ones).
    assert all(not c.isdigit() or c in profile.digits for c in text)


def test_summer_and_winter_time_have_their_own_names_and_offsets() -> None:
    poland = profile_of("pl")
    assert format_date(SUMMER, poland) == "23:05, 15 lip 2021 (CEST)"
    assert format_date(WINTER, poland) == "13:34, 15 sty 2021 (CET)"
    german = replace(poland, months_abbrev=("Jan.", "Feb.", "Mär.", "Apr.", "Mai", "Jun.",
                     "Jul.", "Aug.", "Sep.", "Okt.", "Nov.", "Dez."), date_format="H:i, j. M Y",
                     timezone="Europe/Berlin")
    # The example of what German MediaWiki writes for ~~~~.
    may = datetime(2018, 5, 20, 12, 39, tzinfo=UTC)
    assert format_date(may, german) == "14:39, 20. Mai 2018 (CEST)"
    ((_, _, back),) = find_timestamps("x 14:39, 20. Mai 2018 (CEST)", german)
    assert back == may


@pytest.mark.parametrize("case", json.loads((DATA / "timestamp-parser-dst.json").read_text()),
                         ids=lambda c: c["message"])
def test_the_repeated_autumn_hour_is_told_apart_by_its_zone_name(case: dict) -> None:
    profile = SiteProfile(
        date_format=case["format"], timezone=case["timezone"],
        timezones=tuple(zone_abbreviations(case["timezone"]).items()),
    )
    ((_, _, when),) = find_timestamps(case["sample"], profile)
    assert when == datetime.fromisoformat(case["expectedUtc"].replace("Z", "+00:00"))


def test_the_zone_names_are_the_ones_mediawiki_lists_for_the_zone() -> None:
    for wiki in ("fr", "hu", "it", "nl", "pl", "sr"):
        data = wiki_data(wiki)
        names = set(zone_abbreviations(data["localTimezone"]))
        assert {"CET", "CEST"} <= names <= set(data["timezones"][data["dateFormat"].popitem()[0]])
    assert zone_abbreviations("UTC") == {"UTC": (0,)}
    # An abbreviation whose offset changed (Moscow 2011-2014) keeps both.
    assert zone_abbreviations("Europe/Moscow")["MSK"] == (180, 240)
    assert zone_abbreviations("Not/AZone") == {}


def test_a_utc_signature_copied_to_a_local_time_wiki_keeps_its_time() -> None:
    berlin = replace(profile_of("nl"), timezones=(("CET", 60), ("CEST", 120), ("UTC", 0)))
    ((_, _, when),) = find_timestamps("x 15 jan 2021 12:34 (UTC)", berlin)
    assert when == WINTER
    moscow = SiteProfile(timezone="Europe/Moscow", timezones=(("MSK", (180, 240)),))
    ((_, _, when),) = find_timestamps("x 12:00, 1 June 2012 (MSK)", moscow)
    assert when == datetime(2012, 6, 1, 8, 0, tzinfo=UTC)  # +4 then
    ((_, _, when),) = find_timestamps("x 12:00, 1 June 2020 (MSK)", moscow)
    assert when == datetime(2020, 6, 1, 9, 0, tzinfo=UTC)  # +3 now


def test_localized_digits_and_zone_messages() -> None:
    arabic = profile_of("ar")
    assert arabic.timezone_messages == (("UTC", "ت\u00a0ع\u00a0م"),)
    text = format_date(WINTER, arabic)
    assert text == "12:34، 15 يناير 2021 (ت\u00a0ع\u00a0م)"
    kurdish = profile_of("ckb")
    text = format_date(WINTER, kurdish)
    assert "١٢:٣٤" in text and "٢٠٢١" in text
    assert [w for _, _, w in find_timestamps(text, kurdish)] == [WINTER]
    persian = replace(ENGLISH, digits="۰۱۲۳۴۵۶۷۸۹", date_format="H:i, j F Y")
    assert format_date(WINTER, persian) == "۱۲:۳۴, ۱۵ January ۲۰۲۱ (UTC)"
    # xn writes the next number with ASCII digits.
    assert format_date(WINTER, replace(persian, date_format="xnH:i")) == "12:۳۴ (UTC)"


def test_bidi_marks_between_the_parts_are_allowed() -> None:
    stamp = "12:34,\u200e 15 January 2021\u200f (UTC)"
    assert [w for _, _, w in find_timestamps(stamp, ENGLISH)] == [WINTER]


def test_weekdays_and_thai_years() -> None:
    japanese = replace(ENGLISH, date_format="Y年n月j日 (D) H:i",
                       weekdays_abbrev=("日", "月", "火", "水", "木", "金", "土"))
    assert format_date(WINTER, japanese) == "2021年1月15日 (金) 12:34 (UTC)"
    assert [w for _, _, w in find_timestamps("2021年1月15日 (金) 12:34 (UTC)", japanese)] == [
        WINTER
    ]
    thai = replace(ENGLISH, date_format="H:i, j F xkY")
    assert format_date(WINTER, thai) == "12:34, 15 January 2564 (UTC)"
    assert [w for _, _, w in find_timestamps("12:34, 15 January 2564 (UTC)", thai)] == [WINTER]


def test_a_profile_without_a_zone_keeps_its_first_fixed_offset() -> None:
    fixed = SiteProfile(timezones=(("CEST", 120),))
    assert local_time(WINTER, fixed) == (datetime(2021, 1, 15, 14, 34, tzinfo=UTC), "CEST")
    assert format_date(WINTER, ENGLISH) == "12:34, 15 January 2021 (UTC)"


def _all_formats() -> list[str]:
    table = json.loads(
        (Path(__file__).parents[3] / "bot" / "text" / "model" / "language_formats.json")
        .read_text(encoding="utf-8")
    )
    found = {ENGLISH.date_format}
    for entry in table.values():
        found.update(str(f) for f in dict(entry.get("both", {})).values())
    return sorted(found)


NOISE = st.one_of(
    st.text(alphabet=st.sampled_from(list("0123456789 ,.:()&;#ab\u200e\u200f\u00a0UTC年月日"))),
    st.sampled_from(["(UTC)", "(utc)", " (CET)", "&nbsp;", "&#160;", "January", "5", "12:34, ",
                     "]]", "[[User:A|A]] ", "Monday", "\u200f", "(", ")"]),
)


@pytest.mark.parametrize("wiki", WIKIS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_scan_for_timestamps_finds_what_the_pattern_finds_everywhere(
    wiki: str, data: st.DataObject
) -> None:
    """Trying the pattern only right before a zone finds what finditer finds."""
    profile = profile_of(wiki)
    fmt = data.draw(st.sampled_from([profile.date_format, *_all_formats()]))
    profile = replace(profile, date_format=fmt)
    stamps = [format_date(WINTER, profile), format_date(SUMMER, profile)]
    pieces = data.draw(st.lists(st.one_of(NOISE, st.sampled_from(stamps)), max_size=10))
    line = "".join(pieces)
    expected = [m.span() for m in timestamp_pattern(profile).finditer(line)]
    assert [m.span() for m in _timestamp_matches(line, profile)] == expected
