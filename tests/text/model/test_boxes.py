"""Div and table tags read as MediaWiki 1.39's Sanitizer reads them, and boxes found with them.

How the wiki itself reads each of these snippets is checked against the dev wiki in
tests/wiki/test_hostile_boxes.py (test_divs_are_read_as_mediawiki_reads_them).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from random import Random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.text.model.boxes import (
    _BRACES,
    _TABLE_LINE,
    Nesting,
    PageTags,
    _LineContexts,
    div_deltas,
    find_boxes,
    marks_of,
)
from bot.text.model.masking import mask, masked_spans

# (snippet, opening minus closing divs, as on the wiki)
READINGS = [
    ("<div>", 1),
    ("<div/>", 1),  # not self-closing: only void elements are
    ("</div x>", -1),  # an end tag's attributes are ignored
    ("</div/>", -1),
    ("<div\n>", 1),  # a tag may run across lines
    ("<DIV class='a'>", 1),
    ("<div\tstyle=x>", 1),
    ("<divx>", 0),  # another name
    ("<div-x>", 0),
    ("< div>", 0),
    ("<div <span>", 0),  # no ">" before the next "<": text
    ("<div view '''<b>x</b>", 0),
    ("<d<!-- -->iv>", 1),  # the comment is gone before the Sanitizer reads the text
    ("<div><!-- </div> -->", 1),
    ("<nowiki><div></nowiki>", 0),
    ("<div>x</div>", 0),
]


def net(snippet: str) -> int:
    comments = [(a, b) for a, b in masked_spans(snippet) if snippet.startswith("<!--", a)]
    tags = PageTags(mask(snippet), comments).tags
    return sum(-1 if t.closing else 1 for t in tags if t.name == "div")


@pytest.mark.parametrize(("snippet", "divs"), READINGS, ids=[r[0] for r in READINGS])
def test_divs_are_read_as_mediawiki_reads_them(snippet: str, divs: int) -> None:
    assert net(snippet) == divs


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("plain text", None),
        ("<div>\nx\n</div>", None),
        ("<div/>", "opens a <div> it does not close"),
        ("</div x>", "closes a <div> it did not open"),
        ("</div><div>", "closes a <div> it did not open"),
        ("<table/>", "opens a <table> it does not close"),
        ("{{T|<div>}}</div>", "has a <div> in a template's parameters, which may count or not "
         "on the wiki"),
        ("<ref><div></ref>", "has a <div> inside an extension tag such as <ref>, which may "
         "count or not on the wiki"),
        ("* <div>\n* </div>", "has a <div> on a list line, which may count or not on the wiki"),
        (" <div>\n</div>", "has a <div> on a line starting with a space, which may count or "
         "not on the wiki"),
        ("{|\n| <div>\n|}\n</div>", "has a <div> inside a table, which may count or not on the "
         "wiki"),
        ("<center><div></center></div>", "has divs together with lists, tables, headings or "
         "<blockquote>"),
        ("<{{lc:DIV}}>", "has a div tag partly made by a template or another tag"),
        ("<div{{x}}></div>", "has a div tag partly made by a template or another tag"),
        ("<noinclude><div></noinclude>", "has <noinclude>, <includeonly> or <onlyinclude>"),
    ],
)
def test_problem_says_why_a_stretch_may_not_balance(text: str, problem: str | None) -> None:
    assert PageTags(text).problem(0, len(text)) == problem


def test_a_tag_across_a_boundary_is_a_problem_on_both_sides() -> None:
    text = "a <span\n=== Q ===\n> b"
    tags = PageTags(text)
    assert tags.cuts(text.index("===")) and not tags.cuts(0)
    assert tags.problem(0, text.index("\n")) == (
        "has an HTML tag that runs across its first or last line"
    )


def test_a_box_holding_a_self_closing_div_runs_to_the_end_of_its_section() -> None:
    lines = [
        '<div class="mw-collapsible">', "<div/>", "</div>", "text", "=== Q ===", "after",
    ]
    assert [(b.start, b.end) for b in find_boxes(lines)] == [(0, 3)]
    lines[1] = "<div></div>"
    assert [(b.start, b.end) for b in find_boxes(lines)] == [(0, 2)]


def test_a_box_whose_tag_runs_across_lines_takes_them_in() -> None:
    lines = ['<div class="mw-collapsible">', "x", "</div", ">", "after"]
    assert [(b.start, b.end) for b in find_boxes(lines)] == [(0, 3)]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["{", "}", "{{", "}}", "x", "\n", "{|", "|}", "|", "{{|"]),
                max_size=24).map("".join))
def test_marks_and_brace_depths_are_those_of_the_patterns(text: str) -> None:
    walk, depth = [], 0  # the depth before each offset
    steps = {m.start(): 1 if m.group(0) == "{{" else -1 for m in _BRACES.finditer(text)}
    for offset in range(len(text) + 2):
        walk.append(depth)
        depth = max(0, depth + steps.get(offset, 0))
    marks = marks_of(text)
    opens, closes = marks.brace_opens, marks.brace_closes
    assert opens == [at for at, step in steps.items() if step == 1]
    assert closes == [at for at, step in steps.items() if step == -1]
    templates = Nesting(opens, closes)
    assert [templates.before(offset) for offset in range(len(text) + 2)] == walk
    assert marks.table_marks == sorted(
        m.start() for mark in ("{|", "|}") for m in re.finditer(re.escape(mark), text)
    )


DIV_PIECES = st.sampled_from([
    "<div>", "</div>", "<div/>", "<div\n>", "<table>", "</table>", "{{", "}}", "{{x|", "<ref>",
    "</ref>", "<!--", "-->", "\n", "\n*", "\n:", "\n ", "\n{|", "\n|}", "<d", "iv>", "x",
    "<noinclude>", "<div {{x}}>", "<blockquote>", "<li>", "<nowiki>", "</nowiki>",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(DIV_PIECES | st.sampled_from([
    "<DiV>", "</dIv x>", "<d\u0130v>", "<d\u0131v>", "<div<", "<divx>", "<div\t>", "<span>",
    "<div\x00>", "</div\r>", "<!-- a longer comment -->",
]), max_size=20).map("".join))
def test_the_divs_of_find_boxes_are_the_tags_judged_later(text: str) -> None:
    """div_deltas, read before the tags are judged, counts the tags `tags` lists; the page
    model's reading of the div tags alone (boxes.div_deltas) counts the same."""
    comments = [(a, b) for a, b in masked_spans(text) if text.startswith("<!--", a)]
    masked = mask(text)
    starts = [0] + [m.end() for m in re.finditer("\n", masked)]
    early = PageTags(masked, comments).div_deltas(starts)
    tags = PageTags(masked, comments)
    deltas = [0] * len(starts)
    for tag in tags.tags:
        if tag.name == "div":
            at = tag.end - 1 if tag.closing else tag.start
            deltas[bisect_right(starts, at) - 1] += -1 if tag.closing else 1
    assert early == deltas == tags.div_deltas(starts) == div_deltas(masked, comments, starts)


def plain_line_contexts(flat: str) -> list[str]:
    """Each line's context as first written: every line read, in order."""
    line_starts = [0] + [m.end() for m in re.finditer("\n", flat)]
    contexts, tables = [], 0
    for k, start in enumerate(line_starts):
        end = line_starts[k + 1] - 1 if k + 1 < len(line_starts) else len(flat)
        first = flat[start : start + 1]
        table = _TABLE_LINE.match(flat, start, end)
        if table is not None or tables:
            contexts.append("inside a table")
        elif first and first in "*#:;":
            contexts.append("on a list line")
        elif first == " ":
            contexts.append("on a line starting with a space")
        else:
            contexts.append("")
        if table is not None:
            tables = tables + 1 if table.group(1) else max(0, tables - 1)
    return contexts


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["{|", "|}", " {|", ":{|", "\t|}", "{", "|", "}", "x", " ", "*",
                                 ":", "\n", "\n{|", "\n|}", "\n ", "\n*"]), max_size=24)
       .map("".join), st.randoms(use_true_random=False))
def test_line_contexts_are_read_as_each_line_was(flat: str, random: Random) -> None:
    expected = plain_line_contexts(flat)
    offsets = list(range(len(flat) + 1))
    line_of = [bisect_right([0] + [m.end() for m in re.finditer("\n", flat)], at) - 1
               for at in offsets]
    contexts = _LineContexts(flat, marks_of(flat).table_marks)
    assert [contexts.of(at) for at in offsets] == [expected[line] for line in line_of]
    random.shuffle(offsets)  # asked out of order, as no caller does, it still answers right
    assert [contexts.of(at) for at in offsets] == [expected[line_of[at]] for at in offsets]


@settings(max_examples=500, deadline=None)
@given(st.lists(DIV_PIECES | st.just("<!-- a longer comment -->"), max_size=20).map("".join))
@example("<!-- a comment -->{{T|<div>}}</div>")  # the marks of masked are not those of flat
@example("<!-- a comment -->\n{|\n<div>\n</div>\n|}")
def test_the_marks_a_page_shares_give_the_tags_found_alone(text: str) -> None:
    """The marks of the masked page serve when no comment is taken out of it, and only then."""
    comments = [(a, b) for a, b in masked_spans(text) if text.startswith("<!--", a)]
    masked = mask(text)
    shared = PageTags(masked, comments, marks_of(masked))
    alone = PageTags(masked, comments)
    assert shared.tags == alone.tags
    assert [shared.problem(0, n) for n in range(len(masked) + 1)] == [
        alone.problem(0, n) for n in range(len(masked) + 1)
    ]
