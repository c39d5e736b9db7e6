"""{{bots}}/{{nobots}}: pywikibot's decision, with names compared as MediaWiki compares user names
(the real-wiki check is in test_faults.py)."""

from __future__ import annotations

import pytest

from bot.wiki.exclusion import bots_allow, user_key

BOT = "ConsultationBot"


@pytest.mark.parametrize(
    ("templates", "allowed"),
    [
        ([], True),
        ([("Nobots", [])], False),
        ([("Bots", [])], True),
        # pywikibot compared these character for character and let the bot edit.
        ([("Bots", ["deny=consultationBot"])], False),
        ([("Bots", ["deny=Consultation_Bot"])], True),  # another name: ConsultationBot has none
        ([("Bots", ["deny= consultationBot , OtherBot"])], False),
        ([("Bots", ["deny=OtherBot,consultationBot"])], False),
        ([("Bots", ["deny=OtherBot"])], True),
        ([("Bots", ["deny=all"])], False),
        ([("Bots", ["deny=All"])], False),
        ([("bots", ["deny=consultationBot"])], False),  # {{bots}} spelled lower case
        ([("Bots", ["allow=consultationBot"])], True),
        ([("Bots", ["allow=OtherBot"])], False),
        ([("Bots", ["allow=none"])], False),
        ([("Bots", ["allow=all"])], True),
        ([("Bots", ["deny="])], True),  # not valid: ignored, as pywikibot does
        ([("Bots", ["consultationBot"])], True),  # no key: ignored
        ([("Bots", ["denyscript=consultation-bot"])], False),
        ([("Bots", ["allowscript=other"])], False),
        ([("Nobots", ["consultationBot"])], False),
        ([("Nobots", ["OtherBot"])], True),
        ([("Nobots", ["deny=OtherBot"])], False),  # a keyed {{nobots}} is refused (pywikibot)
        ([("Bots", ["allow=consultationBot"]), ("Nobots", [])], False),
        ([("In use", [])], False),  # one of the site's restricting templates
    ],
)
def test_names_are_compared_as_mediawiki_compares_user_names(
    templates: list[tuple[str, list[str]]], allowed: bool
) -> None:
    assert bots_allow(templates, BOT, restricted=["In use"]) is allowed


def test_user_key_is_mediawiki_s_spelling_of_a_user_name() -> None:
    assert user_key("consultation_bot") == user_key("Consultation  bot") == "Consultation bot"
    assert user_key(" éva") == "Éva"
    assert user_key("consultationBot") == BOT


@pytest.mark.parametrize(
    ("params", "listed"),
    [
        ({}, []),
        ({"1": "A", "2": "B"}, ["A", "B"]),
        ({"2": "B"}, ["2=B"]),  # no 1: nothing is positional
        ({"1": "A", "3": "C", "deny": "X"}, ["A", "deny=X", "3=C"]),
        ({"10": "J", "1": "A", "2": "B"}, ["A", "B", "10=J"]),
    ],
)
def test_parameters_are_listed_as_pywikibot_lists_them(
    params: dict[str, str], listed: list[str]
) -> None:
    from bot.wiki.reads import _parameters

    assert _parameters(params) == listed
