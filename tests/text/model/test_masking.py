"""Masking: the linear scanner hides exactly what the plain pattern hid, and stays linear."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.model.masking import mask, mask_lines, masked_spans

_PLAIN_OPENERS = re.compile(
    r"<!--|<(nowiki|pre|syntaxhighlight|source)(?:\s[^>]*)?(?<!/)>", re.IGNORECASE
)


def reference(text: str) -> list[tuple[int, int]]:
    """masked_spans as first written: one pattern for the whole opening tag (quadratic on
    `<pre <pre <pre ...` without a `>`)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while (match := _PLAIN_OPENERS.search(text, pos)) is not None:
        if match.group(0) == "<!--":
            close = text.find("-->", match.end())
            end = len(text) if close < 0 else close + 3
        else:
            found = re.compile(rf"</{match.group(1).lower()}\s*>", re.IGNORECASE).search(
                text, match.end()
            )
            if found is None:
                pos = match.end()
                continue
            end = found.end()
        spans.append((match.start(), end))
        pos = end
    return spans


def test_mask_keeps_length_and_newlines() -> None:
    text = "a <!-- b\nc --> d <nowiki>e</nowiki> <pre x>f\ng</pre> <pre/> h"
    masked = mask(text)
    assert len(masked) == len(text)
    assert masked.split("\n")[0] == "a " + " " * 6
    assert masked.split("\n")[1] == " " * 6 + "d" + " " * 28
    assert masked.endswith("<pre/> h")


def test_unclosed_tags_and_tags_without_end_stay_text() -> None:
    assert masked_spans("<pre " * 20_000) == []
    assert masked_spans("<nowiki>" * 5_000) == []
    assert masked_spans("x <!-- never closed\nmore") == [(2, 24)]


ATOMS = st.sampled_from([
    "<pre", "<pre>", "</pre>", "<nowiki", "</nowiki >", "<nowiki/>", "<!--", "-->", ">", "/>",
    " ", "\n", "x", "<", "<source ", "</source>", "<PRE\t", "/", "<syntaxhighlight>", "<pref>",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(ATOMS, max_size=16).map("".join))
def test_masked_spans_are_the_plain_patterns_spans(text: str) -> None:
    assert masked_spans(text) == reference(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(ATOMS, st.sampled_from(["\n", "x\n", "\n\n", "<!--\n-->"])),
                max_size=20).map("".join))
def test_masked_lines_are_the_masked_texts_and_untouched_lines_are_shared(text: str) -> None:
    lines = text.split("\n")
    masked = mask_lines(text, lines)
    assert masked == mask(text).split("\n")
    touched = {
        text.count("\n", 0, position)
        for start, end in masked_spans(text) for position in range(start, max(end, start + 1))
    }
    assert all(masked[n] is lines[n] for n in range(len(lines)) if n not in touched)
