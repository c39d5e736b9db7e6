"""The excerpts' fast reading of mwparserfromhell's tokens agrees with the node tree it stands in
for (summary._tree_stripped), and leaves to the tree every text it does not know."""

from __future__ import annotations

import mwparserfromhell
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mwparserfromhell.parser import Parser

from bot.text.reports.plain import plain_from_tokens
from bot.text.reports.summary import _tree_stripped, plain_text

# Pieces of wikitext the fast reading knows, and pieces it must leave to the tree.
PIECES = (
    "[[", "]]", "{{", "}}", "{{{", "}}}", "|", "''", "'''", "'", "<!--", "-->", "[", "]",
    "http://x.org", "https://e.org/a?b=1&amp;c", " ", "a", "Bob", ".", ",", ":", "::",
    "Category:", "File:", "image :", "User:", " :", "=", "&amp;", "&#91;", "<b>", "</b>",
    "<ref>", "</ref>", "<nowiki>", "</nowiki>", "*", "#", ";", "-", "----", "~~~~", "!",
    "mailto:x@y", "{|", "|}", "é", "\u00a0", " (", ")", "?", "x=1", "{{x}}", "[[a|b]]",
    "[[:a]]", "[[ :b ]]", "[http://a.b c]", "[http://a.b]", "''i''", "'''b'''", "<!-- c -->",
    "[[Category:C]]", "[[a|]]", "[[a|b|c]]", "{{a|b=c|d}}", "\n",
)
MARKUP = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=30).map("".join)


def both(text: str) -> tuple[str | None, str]:
    """The fast reading (None: left to the tree) and the tree's reading of `text`."""
    tokenizer = Parser()._tokenizer
    fast = plain_from_tokens(
        tokenizer.tokenize(text, 0, False), lambda title: tokenizer.tokenize(title, 0, False)
    )
    return fast, _tree_stripped(mwparserfromhell.parse(text))


@pytest.mark.parametrize(
    "text",
    [
        "Plain words, no markup at all.",
        "Don't - it's 10:30 / \"quoted\"; a: b! c=d # e * f",
        "{{oppose}} As [[User:Alice|Alice]] said above, it works.",
        "See [[Foo]], [[ :Category:Bar ]] and [[Category:Hidden]][[a|]] {{tl|x=1|y}}.",
        "'''bold [[b|link]]''' and ''it '''both''' {{x}} <!-- c -->'' end",
        "[http://x.org label] and http://y.org/a. and [http://z.org]",
        "x <!-- note --> y {{a}}.",
    ],
)
def test_simple_texts_are_read_from_the_tokens_as_the_tree_reads_them(text: str) -> None:
    fast, tree = both(text)
    assert fast is not None
    assert fast == tree


@pytest.mark.parametrize(
    "text",
    [
        "a &amp; b",  # an entity: strip_code decodes it
        "<ref>note</ref> x",  # a tag
        "{{a|[[b]]}}",  # markup inside a template
        "[[a|{{b}}]]",  # markup inside a link
        "[[a|b [[c]] d]]",
        "[[:''x'']]",  # a target that is markup once parsed again
        "== heading ==",
        "* list",
        "{{{1}}}",
        "a\n\nb",  # line breaks: strip_code trims them from every piece
        "[[a|\nb]]",
    ],
)
def test_other_texts_are_left_to_the_tree(text: str) -> None:
    assert both(text)[0] is None


@settings(max_examples=500, deadline=None)
@given(MARKUP)
def test_the_fast_reading_agrees_with_the_tree(text: str) -> None:
    fast, tree = both(text)
    assert fast is None or fast == tree


def test_plain_text_takes_the_fast_reading_or_the_tree() -> None:
    assert plain_text("{{oppose}} As [[User:Alice|Alice]] said, '''yes'''.") == (
        "As Alice said, yes."
    )
    assert plain_text("a &amp; <ref>r</ref> b") == "a & b"


def test_a_parser_without_the_two_steps_is_read_through_its_tree(monkeypatch) -> None:
    """The fast reading uses Parser's own two steps (_tokenizer, _builder), which are not its
    public API: a mwparserfromhell without them gives the same excerpts through parse()."""
    texts = ["[[a|b]] c {{t|x}} ''d''", "<ref>r</ref> [[Category:C]] e", "plain words"]
    expected = [plain_text(text) for text in texts]

    class PublicOnly:
        def parse(self, text: str) -> mwparserfromhell.wikicode.Wikicode:
            return mwparserfromhell.parse(text)

    monkeypatch.setattr("bot.text.reports.summary.Parser", PublicOnly)
    assert [plain_text(text) for text in texts] == expected
