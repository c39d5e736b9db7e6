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


def _first_find_signature():
    """find_signature as first written (all links of the line, every timestamp's signature)."""
    from bot.text.model import signatures as s

    def signed(line, links, stamps):
        found, previous_end, j = [], 0, 0
        for start, end, when in stamps:
            while j < len(links) and links[j].end <= start:
                j += 1
            author, first, gap = None, start, None
            distance, boundary = 0, start
            for k in range(j - 1, -1, -1):
                link = links[k]
                if link.start < previous_end:
                    break
                distance += plain_visible(line[link.end : boundary])
                if distance >= s.SIGNATURE_SCAN_LIMIT:
                    break
                if author is None:
                    author, gap = link.user, distance
                if link.user == author:
                    first = link.start
                distance += plain_visible(line[link.start : link.end])
                boundary = link.start
            found.append(s.Signature("unsigned", None, when, start, end) if author is None
                         else s.Signature("signed", author, when, first, end, gap))
            previous_end = end
        return found

    def find(line, profile):
        events = s._tags(line, profile)
        links = s.user_links(line, profile) if "[[" in line else []
        events += signed(line, links, s.find_timestamps(line, profile))
        if events:
            last = max(events, key=lambda e: e.end)
            if last.status == "tagged" and last.author is not None and last.timestamp is None:
                before = [e for e in events if e.status == "signed" and e.end <= last.start]
                if (before and before[-1].author == last.author
                        and not s._SIGNATURE_TAIL_NOISE.sub("", line[before[-1].end : last.start])):
                    return s.Signature("tagged", last.author, before[-1].timestamp, last.start,
                                       last.end)
            return last
        return s._undated(line, links) if links else None

    return find


SIGNATURE_PIECES = st.sampled_from([
    "[[User:Alice|Alice]]", "[[User talk:Alice|talk]]", "[[User:Bob]]", "[[Foo|bar]]", "[[",
    "]]", "[", "]", "[[[", "[[User:Carol|<b>C</b>]]", "[[Special:Contributions/Dan|D]]",
    " ", "text ", "x" * 40, " (", ") ", "'''", "&amp;", "<span>", "</span>", "|",
    "12:34, 5 May 2016 (UTC)", "09:15, 20 September 2016 (UTC)", "(UTC)",
    "{{unsigned|Alice}}", "{{unsigned|Bob|10:00, 1 June 2016 (UTC)}}", "{{ping|Alice}}",
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(SIGNATURE_PIECES, max_size=14).map("".join))
def test_the_last_signature_is_found_as_by_reading_every_link(line: str) -> None:
    from bot.text.model.profile import ENGLISH
    from bot.text.model.signatures import find_signature

    assert find_signature(line, ENGLISH) == _first_find_signature()(line, ENGLISH)


@settings(max_examples=1500, deadline=None)
@given(st.lists(SIGNATURE_PIECES, max_size=14).map("".join), st.integers(0, 3))
def test_the_last_signature_loop_reads_as_the_links_back(line: str, skip: int) -> None:
    """_last_signature answers as _signature over _links_back, from any earlier timestamp."""
    from bot.text.model.dates import find_timestamps
    from bot.text.model.profile import ENGLISH
    from bot.text.model.signatures import _last_signature, _links_back, _signature

    stamps = find_timestamps(line, ENGLISH)
    for k, stamp in enumerate(stamps):
        floor = stamps[max(k - 1 - skip, 0)][1] if k else 0
        expected = _signature(line, _links_back(line, ENGLISH, floor, stamp[0]), stamp, floor)
        assert _last_signature(line, ENGLISH, floor, stamp) == expected
