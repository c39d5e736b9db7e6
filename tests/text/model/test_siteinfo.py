"""A site profile from a wiki's siteinfo and messages, chosen and checked by the `~~~~~` sample.

The answers here are the shapes MediaWiki 1.39 gives (formatversion 2), cut to what matters;
the real-wiki tests (tests/wiki/test_languages.py) read them from German, French and Polish
MediaWiki.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.text.model.profile import ENGLISH
from bot.text.model.siteinfo import (
    ProfileError,
    Sample,
    build_profile,
    check_sample,
    fallback_chain,
    language_formats,
    timezone_message_names,
)

GERMAN_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                 "September", "Oktober", "November", "Dezember")
GERMAN_ABBREV = ("Jan.", "Feb.", "Mär.", "Apr.", "Mai", "Jun.", "Jul.", "Aug.", "Sep.", "Okt.",
                 "Nov.", "Dez.")
MONTH_KEYS = ("january", "february", "march", "april", "may_long", "june", "july", "august",
              "september", "october", "november", "december")
ABBREV_KEYS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def german_query(**general: object) -> dict:
    return {
        "general": {"lang": "de", "fallback": [{"code": "en"}], "timezone": "Europe/Berlin",
                    "timeoffset": 60, **general},
        "namespaces": {
            "-1": {"id": -1, "name": "Spezial", "canonical": "Special"},
            "2": {"id": 2, "name": "Benutzer", "canonical": "User"},
            "3": {"id": 3, "name": "Benutzer Diskussion", "canonical": "User talk"},
        },
        "namespacealiases": [{"id": 2, "alias": "Benutzerin"},
                             {"id": 3, "alias": "Benutzerin Diskussion"},
                             {"id": 6, "alias": "Bild"}],
        "specialpagealiases": [
            {"realname": "Contributions", "aliases": ["Beiträge", "Contributions", "Contribs"]},
            {"realname": "Log", "aliases": ["Logbuch"]},
        ],
        "interwikimap": [
            {"prefix": "dewikt", "url": "https://de.wiktionary.org/wiki/$1"},
            {"prefix": "google", "url": "https://www.google.com/search?q=$1"},
        ],
    }


def german_messages() -> dict[str, str]:
    messages = dict(zip(MONTH_KEYS, GERMAN_MONTHS, strict=True))
    messages.update(zip(ABBREV_KEYS, GERMAN_ABBREV, strict=True))
    messages.update({f"{k}-gen": v for k, v in zip(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"), GERMAN_MONTHS, strict=True)})
    messages["signature"] = "[[Benutzer:$1|$2]] ([[Benutzer Diskussion:$1|Diskussion]])"
    messages["signature-anon"] = "[[Spezial:Beiträge/$1|$2]]"
    return messages


def test_names_come_from_siteinfo_with_gender_forms_and_aliases() -> None:
    profile = build_profile(german_query(), german_messages())
    assert profile.language == "de"
    assert profile.user_namespaces == ("Benutzer", "User", "Benutzerin")
    assert profile.user_talk_namespaces == ("Benutzer Diskussion", "User talk",
                                            "Benutzerin Diskussion")
    assert profile.special_namespaces == ("Spezial", "Special")
    assert profile.contributions_pages == ("Beiträge", "Contributions", "Contribs")
    assert profile.months == GERMAN_MONTHS and profile.months_abbrev == GERMAN_ABBREV
    assert profile.weekdays == ENGLISH.weekdays  # not asked: the English ones stay
    assert "dewikt" in profile.interwiki_prefixes and "google" not in profile.interwiki_prefixes
    assert set(ENGLISH.interwiki_prefixes) <= set(profile.interwiki_prefixes)


def test_the_zone_its_names_and_the_local_templates() -> None:
    profile = build_profile(german_query(), german_messages())
    assert profile.timezone == "Europe/Berlin"
    assert dict(profile.timezones) == {"CET": 60, "CEST": 120, "UTC": 0}
    assert profile.date_format == "H:i, j. M Y"
    assert profile.tag_template("unsigned") == profile.tag_template("ip") == "unsigniert"
    assert profile.tag_order("unsigniert") == ("user", "date")
    assert profile.unsigned_template_params()["Unsigniert"] == ("user", "date")
    assert "Undated" not in profile.unsigned_template_params()
    # The zone's names are asked for as messages: a wiki may rename them.
    assert timezone_message_names(german_query()) == (
        "timezone-utc", "timezone-cet", "timezone-cest")
    renamed = build_profile(german_query(), {**german_messages(), "timezone-cest": "MESZ"})
    assert dict(renamed.timezones) == {"CET": 60, "MESZ": 120, "UTC": 0}
    assert renamed.timezone_messages == (("CEST", "MESZ"),)


def test_a_zone_the_system_does_not_know_keeps_the_wikis_offset() -> None:
    profile = build_profile(german_query(timezone="XYZ", timeoffset=-300), {})
    assert profile.timezone == "" and dict(profile.timezones) == {"XYZ": -300, "UTC": 0}
    with pytest.raises(ProfileError, match="time zone database"):
        build_profile(german_query(timezone="Europe/Nowhere"), {})


def test_the_sample_picks_the_format_the_wiki_writes() -> None:
    profile = build_profile(german_query(), german_messages())
    sample = Sample("11:54, 30. Nov. 2026 (CET)", datetime(2026, 11, 30, 10, 54, 30, tzinfo=UTC))
    assert check_sample(profile, sample, german_messages()) == profile
    # An English wiki with $wgAmericanDates writes month first.
    english = build_profile({"general": {"lang": "en", "timezone": "UTC"}}, {})
    american = Sample("12:34, January 15, 2021 (UTC)", datetime(2021, 1, 15, 12, 34, tzinfo=UTC))
    assert check_sample(english, american, {}).date_format == "H:i, F j, Y"
    assert english.date_format == ENGLISH.date_format


def test_a_sample_no_format_reads_is_an_error() -> None:
    profile = build_profile(german_query(), german_messages())
    wrong_time = Sample("11:54, 30. Nov. 2026 (CET)", datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    with pytest.raises(ProfileError, match="no date format"):
        check_sample(profile, wrong_time, german_messages())
    unknown = Sample("2026/11/30 11:54 MEZ", datetime(2026, 11, 30, 10, 54, tzinfo=UTC))
    with pytest.raises(ProfileError):
        check_sample(profile, unknown, german_messages())


def test_a_default_signature_the_profile_cannot_read_is_an_error() -> None:
    profile = build_profile(german_query(), german_messages())
    sample = Sample("11:54, 30. Nov. 2026 (CET)", datetime(2026, 11, 30, 10, 54, tzinfo=UTC))
    odd = {**german_messages(), "signature": "[[Nutzer:$1|$2]]"}
    with pytest.raises(ProfileError, match="default signature"):
        check_sample(profile, sample, odd)


def test_the_digits_are_the_ones_the_sample_uses() -> None:
    # The Arabic Wikipedia turns $wgTranslateNumerals off: Western digits, though Arabic's own
    # language file has Arabic-Indic ones.
    query = {"general": {"lang": "ar", "timezone": "UTC"}}
    messages = {"timezone-utc": "ت\u00a0ع\u00a0م"}
    profile = build_profile(query, messages)
    assert profile.digits == "٠١٢٣٤٥٦٧٨٩" and dict(profile.timezones) == {"ت\u00a0ع\u00a0م": 0}
    western = Sample("12:34، 15 January 2021 (ت\u00a0ع\u00a0م)",
                     datetime(2021, 1, 15, 12, 34, tzinfo=UTC))
    assert check_sample(profile, western, messages).digits == "0123456789"
    eastern = Sample("١٢:٣٤، ١٥ January ٢٠٢١ (ت\u00a0ع\u00a0م)",
                     datetime(2021, 1, 15, 12, 34, tzinfo=UTC))
    assert check_sample(profile, eastern, messages).digits == "٠١٢٣٤٥٦٧٨٩"


def test_fallbacks_follow_mediawikis_language_files() -> None:
    assert fallback_chain("gsw") == ("gsw", "de", "en")
    assert fallback_chain("de-at", ("de",)) == ("de-at", "de", "en")
    assert language_formats("gsw").formats[0] == "H:i, j. M Y"
    assert language_formats("de").formats[0] == "H:i, j. M Y"
    assert language_formats("xx-unknown").formats[0] == ENGLISH.date_format
