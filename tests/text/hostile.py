"""Hostile consultation pages for the torture tests: the markup that once hid comments in boxes.

A page is a list of lines, each a heading or a body line; every body line ends with its own marker
(` ⟦n⟧`), so that where a line went in convert's output is known without guessing. The same
pieces feed hypothesis (`pages()`) and a seeded sampler for the real-wiki test (`sample_page`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from hypothesis import strategies as st

# Titles, the hostile ones included (divs in titles, an unclosed `<div`, templates, unicode).
TITLES = (
    "Q", "Why?", "[[Link|label]] x", "{{T|a}} b", "''it'' '''b'''", "a <!-- c --> b",
    "<nowiki>=</nowiki>", 'x "y" & z', "<div>d</div>", "100%", "Editors' <div view",
    "x </div> y", "<div/> t", "Ünïcødé ✓ 中文", "<table>t", "a <span>s</span>",
)
# Body lines: every form of div MediaWiki 1.39 accepts, templates, tables, nowiki, pre and
# comments spanning lines, prompts, signed and unsigned comments, replies.
BODY = (
    "", "Background text.", "* a point", "# a numbered point", "; term", ": reply",
    ":: deeper reply", ":*(Add your comment here) (Don't forget to add your signature)",
    ":*(Add your comment here) I typed here.",
    ":* idea [[User:Alice|Alice]] 12:34, 5 May 2020 (UTC)",
    "A paragraph. [[User:Bob|Bob]] ([[User talk:Bob|talk]]) 09:00, 1 June 2021 (UTC)",
    ":* unsigned idea", "* [[User:Carol|Carol]]", "{{Box|", "}}", "{{Clear}}", "{{T|<div>}}",
    "{{T|</div>}}", '{| class="wikitable"', "|}", "| cell <div>", "|-", "<!--", "-->",
    "<!-- note -->", "<nowiki>", "</nowiki>", "<pre>", "</pre>", "<div>", "</div>", "<div/>",
    "</div x>", "<DIV class='x'>", "<div", ">", "</div", "<d<!-- -->iv>", "<div\tstyle=x>",
    '<div class="mw-collapsible mw-collapsed">',
    "'''Q'''</div> <div class=\"mw-collapsible-content\">",
    "</div></div></div>", "<table>", "</table>", "<table/>", "<blockquote>", "</blockquote>",
    "<ref>x <div></ref>", "<span>", "</span>", "<center>", '<span id="x"></span>', "== not closed",
    "==", "  indented <div>", "Long background. " * 20, "<noinclude>", "</noinclude>",
)
UNICODE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=12
)
_MARKER = re.compile(r" ⟦(\d+)⟧$")


@dataclass(frozen=True)
class Page:
    text: str
    markers: dict[int, str]  # 0-based line -> its marker (body lines only)


def build(lines: list[tuple[bool, str]]) -> Page:
    """The page of (is_heading, text) lines; each body line gets its marker."""
    out, markers = [], {}
    for i, (heading, text) in enumerate(lines):
        if heading:
            out.append(text)
        else:
            markers[i] = f"⟦{i}⟧"
            out.append(f"{text} ⟦{i}⟧")
    return Page("\n".join(out), markers)


def _heading(level: int, title: str, close: int, tail: str) -> str:
    return "=" * level + f" {title} " + "=" * close + tail


HEADINGS = st.builds(
    _heading, st.integers(1, 6), st.sampled_from(TITLES),
    st.integers(1, 6), st.sampled_from(["", " ", "\t"]),
)
LINES = st.one_of(
    HEADINGS.map(lambda h: (True, h)),
    st.sampled_from(BODY).map(lambda b: (False, b)),
    st.sampled_from(BODY).map(lambda b: (False, b)),
    UNICODE.map(lambda u: (False, u)),
)


DISCUSSION = (
    ":* idea [[User:Alice|Alice]] 12:34, 5 May 2020 (UTC)", ":* unsigned idea", ": reply",
    ":*(Add your comment here) (Don't forget to add your signature)", ":: deeper reply",
    "Bob's paragraph. [[User:Bob|Bob]] 09:00, 1 June 2021 (UTC)", "* [[User:Carol|Carol]]",
)
PLAIN = ("Background text.", "Long background. " * 20, "* a point", "", "More text.")
SECTION_HEADINGS = st.builds(
    lambda level, title: _heading(level, title, level, ""),
    st.sampled_from([2, 3, 3, 3, 4]), st.sampled_from(TITLES),
)
SECTIONS = st.lists(
    st.tuples(
        SECTION_HEADINGS,
        st.lists(st.sampled_from(PLAIN) | st.sampled_from(BODY) | UNICODE, min_size=1,
                 max_size=4),
        st.lists(st.sampled_from(DISCUSSION + BODY[:3]), max_size=3),
    ),
    max_size=6,
).map(lambda sections: [
    line for heading, intro, discussion in sections
    for line in [(True, heading)] + [(False, b) for b in intro + discussion]
])


def pages(max_lines: int = 30) -> st.SearchStrategy[Page]:
    """Pages of any lines at all, or of sections: a heading, an intro, maybe a discussion."""
    return st.one_of(st.lists(LINES, max_size=max_lines), SECTIONS).map(build)


def sample_page(rng: random.Random, questions: int = 6) -> Page:
    """A page for the real wiki: level-2 part, level-3 questions, hostile intros, comments."""
    lines: list[tuple[bool, str]] = [(True, "== Part ==")]
    for q in range(questions):
        lines.append((True, f"=== Question {q} ==="))
        for _ in range(rng.randint(1, 4)):
            lines.append((False, rng.choice(BODY)))
        for _ in range(rng.randint(0, 2)):
            lines.append((False, rng.choice((
                ":* idea [[User:Alice|Alice]] 12:34, 5 May 2020 (UTC)", ":* unsigned idea",
                ":*(Add your comment here) (Don't forget to add your signature)", ": reply",
            ))))
    return build(lines)


def marker_of(line: str) -> str | None:
    found = _MARKER.search(line)
    return f"⟦{found.group(1)}⟧" if found else None
