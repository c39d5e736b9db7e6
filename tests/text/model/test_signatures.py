"""Signature search: the fast forms of its pieces answer as the plain forms they replaced."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.model.signatures import _visible

# The first form of _visible's pattern: every piece of markup, a reference's "&" included.
PLAIN_INVISIBLE = re.compile(
    r"<[^<>\n]*>|\[\[[^\[\]{}|\n]*\||\[\[|\]\]|'{2,}|\[(?:https?:)?//[^\s\]]*\s?|\]"
    r"|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);"
)


def plain_visible(text: str) -> int:
    return len(PLAIN_INVISIBLE.sub(lambda m: "&" if m.group(0).startswith("&") else "", text))


MARKUP = st.sampled_from([
    "&", "&amp;", "&#160;", "&#x41;", "&&amp;", "amp;", "#12;", ";", "<", ">", "<b>", "[", "]",
    "[[", "]]", "|", "'", "''", "'''", "[//x", "[https://e.org/a", " ", "a", "x1", "\n", "{",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(MARKUP, max_size=16).map("".join))
def test_visible_characters_are_counted_as_the_plain_pattern_counts_them(text: str) -> None:
    assert _visible(text) == plain_visible(text)
