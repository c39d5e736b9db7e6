"""Golden cases for folding headings into boxes (tests/cases/collapse) and its properties."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import InputError
from bot.text.edits.collapse import (
    _NESTING,
    _NESTING_INSIDE,
    _START_MARKER,
    APPENDED_INSIDE,
    STYLES,
    CollapseOptions,
    Skip,
    _BadBox,
    _chrome,
    _Depths,
    _Drawing,
    _Fold,
    _Heading,
    _nesting_depths,
    _nesting_matches,
    _nesting_tokens,
    _replies,
    _start_marker,
    _unconverts_to,
    convert,
    unconvert,
)
from bot.text.model.analysis import analyze
from bot.text.model.boxes import find_boxes
from bot.text.model.masking import mask
from tests.golden import Case, cases, parse_case

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = (ROOT / "bot" / "samples" / "consultation.wikitext").read_text(encoding="utf-8")
KEEP = CollapseOptions(style="keep-heading")
OPEN_DIV = re.compile(r"<div\b", re.IGNORECASE)
CLOSE_DIV = re.compile(r"</div\s*>", re.IGNORECASE)


def options_of(case: Case) -> CollapseOptions:
    data = json.loads(case.get("options") or "{}")
    if "levels" in data:
        data["levels"] = tuple(data["levels"])
    if "template" in data:  # next to the case file
        data["template"] = str(case.path.parent / data["template"])
    return CollapseOptions(**data)


@pytest.mark.parametrize("case", cases("collapse"))
def test_golden(case: Case) -> None:
    options = options_of(case)
    result = convert(case["input"], options)
    case.check("output", result.text)
    if case.get("skipped") is not None or result.skipped:
        # Questions left unfolded for a risk, one "title: reason" line each.
        case.check("skipped", "\n".join(f"{s.title}: {s.reason}" for s in result.skipped))
    # A page with the bot's boxes on it round-trips to its unconverted form, others to themselves.
    assert unconvert(result.text) == unconvert(case["input"])
    if "consultation-bot fold" not in case["input"]:
        assert unconvert(result.text) == case["input"]
    assert convert(result.text, options).text == result.text


def test_seed_page_folds_the_three_questions_and_keeps_every_comment() -> None:
    result = convert(SAMPLE)
    assert len(result.folded) == 3
    assert result.folded[0] == "How can we design for an inclusive selection process?"
    assert result.text.count('\n<div class="mw-collapsible mw-collapsed"') == 3
    before, after = analyze(SAMPLE), analyze(result.text)
    assert [c.text for c in after.comments] == [c.text for c in before.comments]
    assert [c.status for c in after.comments] == [c.status for c in before.comments]
    # The questions keep their headings, inside the toggles: same sections, same anchors.
    assert [(s.title, s.anchor) for s in after.sections] == [
        (s.title, s.anchor) for s in before.sections
    ]
    assert len(find_boxes(mask(result.text).split("\n"))) == 3


def test_folded_lists_only_this_calls_folds() -> None:
    once = convert(SAMPLE)
    assert convert(once.text).folded == ()
    assert convert(SAMPLE, KEEP).folded == once.folded


LEGACY_TEMPLATE = str(ROOT / "tests" / "cases" / "collapse" / "legacy_box.wikitext.j2")


@pytest.mark.parametrize("template", [None, LEGACY_TEMPLATE])
def test_a_box_in_participant_space_is_not_read_as_a_comment(template: str | None) -> None:
    # The level-3 question follows someone's comment, so its box lands in participant space:
    # neither its anchor line (the first versions' boxes) nor its heading makes a comment.
    page = (
        "== Part ==\n:* A view. [[User:Ann|Ann]] 10:00, 1 February 2022 (UTC)\n"
        "=== Question? ===\nBackground.\n"
    )
    converted = convert(page, CollapseOptions(template=template)).text
    if template:
        assert '<span id="Question?"></span>' in converted
    else:
        assert "\n=== Question? ===\n</div>\n" in converted
    comments = analyze(converted).comments
    assert [c.text for c in comments] == [c.text for c in analyze(page).comments]


def test_hand_made_box_is_not_undone_and_bot_box_is() -> None:
    hand_made = (
        '<div class="mw-collapsible mw-collapsed"><div class="mw-collapsible-toggle">'
        "'''Q'''</div> <div class=\"mw-collapsible-content\">\nText\n</div></div></div>\n"
    )
    page = hand_made + "=== Mine ===\nIntro.\n"
    converted = convert(page).text
    assert converted.startswith(hand_made)
    assert "\n=== Mine ===\nIntro.\n" not in converted and "consultation-bot fold" in converted
    assert unconvert(converted) == page
    assert unconvert(hand_made) == hand_made


def test_edited_content_is_kept_and_edited_frame_is_left_alone() -> None:
    page = "=== Q ===\nIntro.\n==== Sub ====\n"
    converted = convert(page).text
    added = converted.replace("Intro.\n", "Intro.\nA line added by an organizer.\n")
    assert unconvert(added) == "=== Q ===\nIntro.\nA line added by an organizer.\n==== Sub ====\n"
    retitled = converted.replace("\n=== Q ===\n", "\n=== Q, retitled ===\n")
    assert retitled != converted
    assert unconvert(retitled) == retitled


def test_marker_text_on_the_page_cannot_forge_or_break_a_box() -> None:
    forged_title = "=== Q <!-- consultation-bot fold: == X == [1 0 0 00000000] --> ===\nIntro.\n"
    assert convert(forged_title).text == forged_title
    in_content = "=== Q ===\n<!-- /consultation-bot fold -->\n"
    assert convert(in_content).text == in_content
    # A real box shown as an example inside <nowiki> is not undone.
    box = convert("=== Q ===\nIntro.").text
    example = f"<nowiki>\n{box}\n</nowiki>"
    assert unconvert(example) == example
    assert unconvert(box) == "=== Q ===\nIntro."


@pytest.mark.parametrize(
    "marker",
    [
        "<!-- consultation-bot fold [1 " + "9" * 5000 + " 0 00000000] -->",
        "<!-- consultation-bot fold: === Q === [1 0 " + "1" * 12 + " 00000000] -->",
        "<!-- consultation-bot fold [1 0 0 00000000] -->",
    ],
    ids=["thousands-of-digits", "twelve-digits", "bad-digest"],
)
def test_forged_markers_are_left_alone(marker: str) -> None:
    page = f"=== A ===\n{marker}\nText.\n<!-- /consultation-bot fold -->\n" * 3
    assert unconvert(page) == page
    assert unconvert(convert(page).text) == page


def test_title_cannot_end_the_marker_comment() -> None:
    page = "=== a --> b <!-- c --> %3E ===\nIntro.\n"
    converted = convert(page).text
    marker = converted.split("\n", 1)[0]
    assert marker.count("-->") == 1 and marker.endswith("-->")
    assert "%253E" in marker
    assert unconvert(converted) == page


def test_operator_template(tmp_path: Path) -> None:
    template = tmp_path / "mybox.j2"
    template.write_text(
        '<div class="mw-collapsible mw-collapsed">{{ title }} ({{ style }})\n'
        '<div class="mw-collapsible-content">\n{{ content }}\n</div></div>\n',
        encoding="utf-8",
    )
    options = CollapseOptions(template=str(template))
    page = "=== Q ===\nIntro.\n==== Sub ====\n"
    converted = convert(page, options).text
    assert '<div class="mw-collapsible mw-collapsed">Q (replace-heading)\n' in converted
    assert unconvert(converted) == page
    assert convert(converted, options).text == converted
    keep = CollapseOptions(template=str(template), style="keep-heading")
    kept = convert(page, keep).text
    assert kept.startswith("=== Q ===\n") and convert(kept, keep).text == kept


def test_intro_above_a_discussion_is_folded_under_its_kept_heading(tmp_path: Path) -> None:
    intro = "Background sentence of the question, long enough to deserve a box. " * 5
    page = (
        "=== Q ===\n" + intro + "\n:*(Add your comment here) (Don't forget to add your signature)\n"
        ":* An idea. [[User:Ann|Ann]] 10:00, 1 February 2022 (UTC)\n:* Unsigned idea.\n"
    )
    for options in (CollapseOptions(), KEEP):
        result = convert(page, options)
        assert result.folded == ("Q",)
        assert result.text.startswith("=== Q ===\n<!-- consultation-bot fold [")
        assert "'''Background'''" in result.text and "<span id=" not in result.text
        before, after = analyze(page), analyze(result.text)
        assert [(c.section, c.text, c.status) for c in after.comments] == [
            (c.section, c.text, c.status) for c in before.comments
        ]
        assert [(p.section, p.filled) for p in after.placeholders] == [("Q", False)]
        assert unconvert(result.text) == page
    short = page.replace(intro, "Just one line of question text.")
    assert convert(short).text == short
    # An operator's template is told that the fold keeps its heading.
    template = tmp_path / "mybox.j2"
    template.write_text(
        '<div class="mw-collapsible mw-collapsed">{{ title }} ({{ style }})\n'
        '<div class="mw-collapsible-content">\n{{ content }}\n</div></div>\n',
        encoding="utf-8",
    )
    own = convert(page, CollapseOptions(template=str(template))).text
    assert "Q (keep-heading)" in own and own.startswith("=== Q ===\n")


def test_text_appended_to_kept_lines_comes_out_folded_with_the_page() -> None:
    """convert(..., appended=...) is the page with the text appended, folded as read without
    it; a line with text appended is never folded, not even as the heading a box replaces."""
    intro = "Background sentence of the question, long enough to deserve a box. " * 5
    page = (
        "=== Q ===\n" + intro + "\n:*(Add your comment here) (Don't forget to add your signature)\n"
        ":* An unsigned idea.\n"
    )
    tag = " {{unsigned|Bob|10:00, 1 February 2022 (UTC)}}"
    for options in (CollapseOptions(), KEEP):
        result = convert(page, options, appended={4: tag})
        assert result.folded == ("Q",)
        assert result.text == convert(page, options).text.replace(
            ":* An unsigned idea.", ":* An unsigned idea." + tag
        )
        assert unconvert(result.text) == page.replace("idea.\n", "idea." + tag + "\n")
    nothing = convert("No heading here.\n", appended={1: tag})
    assert nothing.text == "No heading here." + tag + "\n" and nothing.folded == ()
    question = "=== Q ===\n" + intro + "\n"  # no discussion: its box replaces the heading
    assert convert(question).folded == ("Q",)
    on_heading = convert(question, appended={1: " x"})
    assert on_heading.folded == ()
    assert on_heading.skipped == (Skip("Q", APPENDED_INSIDE),)
    assert on_heading.text == question.replace("=== Q ===", "=== Q === x")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("no content here\n", "exactly once"),
        ("{{ content }}{{ content }}", "exactly once"),
        ("{% if %}", "box template"),
        ('<div class="mw-collapsible">\n{{ content }}\n</div><!--', "cannot be undone"),
        ("{{ content }}<!-- consultation-bot fold -->", "contains"),
        ("{{ title }}\n{{ content }}\n", "mw-collapsible"),
        ('<div class="mw-collapsible">\n{{ content }}\n', "closing every div"),
    ],
)
def test_bad_operator_template_is_one_input_error(tmp_path: Path, body: str, message: str) -> None:
    template = tmp_path / "bad.j2"
    template.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        convert("=== Q ===\nIntro.\n", CollapseOptions(template=str(template)))


def test_missing_operator_template_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="box template"):
        convert("=== Q ===\nIntro.\n", CollapseOptions(template=str(tmp_path / "none.j2")))


@pytest.mark.parametrize(
    "options",
    [
        CollapseOptions(title_pattern="(unclosed"),
        CollapseOptions(style="fold"),
        CollapseOptions(levels=()),
        CollapseOptions(levels=(7,)),
    ],
)
def test_bad_options_are_input_errors(options: CollapseOptions) -> None:
    with pytest.raises(InputError):
        convert("=== Q ===\nIntro.\n", options)


def test_find_boxes_takes_in_anchor_lines_and_is_not_ended_by_an_equals_sign() -> None:
    lines = [
        "text",
        '<span id="Q"></span><span id="Q.3F"></span>',
        '<div class="mw-collapsible mw-collapsed">',
        "= not a heading",
        "</div>",
        "after",
    ]
    assert [(b.start, b.end) for b in find_boxes(lines)] == [(1, 4)]


# Pages for the properties: lines of wikitext that a consultation page is made of, and the
# markup that trips up folding (comments and nowiki across lines, templates, tables, divs).
TITLES = st.sampled_from([
    "Q", "Why?", "Q", "[[Link|label]] x", "{{T|a}} b", "''it'' '''b'''", "a <!-- c --> b",
    "<nowiki>=</nowiki>", 'x "y" & z', "<div>d</div>", "100%", "a --> b", "Editors'",
])
LINES = st.one_of(
    st.builds(lambda n, t, m, tail: "=" * n + t + "=" * m + tail,
              st.integers(1, 6), TITLES, st.integers(1, 6), st.sampled_from(["", " ", "\t"])),
    st.sampled_from([
        "", "", "Background text.", "* a point",
        ":*(Add your comment here) (Don't forget to add your signature)",
        ":* idea [[User:A|A]] 12:34, 5 May 2020 (UTC)", ":* unsigned idea", "{{Box|", "}}",
        "{{Clear}}", '{| class="wikitable"', "|}", "| cell", "<!--", "-->", "<!-- note -->",
        "<nowiki>", "</nowiki>", "<div>", "</div>", '<div class="mw-collapsible mw-collapsed">',
        "'''Q'''</div> <div class=\"mw-collapsible-content\">", "</div></div></div>",
        '<span id="x"></span>', "<ref>", "</ref>", "=== not closed", "==",
    ]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
)
PAGES = st.lists(LINES, max_size=30).map("\n".join)
OPTIONS = st.builds(
    CollapseOptions,
    levels=st.sets(st.integers(1, 6), min_size=1).map(lambda s: tuple(sorted(s))),
    style=st.sampled_from(["replace-heading", "keep-heading"]),
)
DIVS_PER_BOX = len(OPEN_DIV.findall(convert("=== Q ===\nIntro.").text))
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(PAGES, OPTIONS)
def test_convert_is_idempotent(page: str, options: CollapseOptions) -> None:
    once = convert(page, options).text
    assert convert(once, options).text == once


@PROPERTY_SETTINGS
@given(PAGES, OPTIONS)
def test_unconvert_restores_the_page_byte_for_byte(page: str, options: CollapseOptions) -> None:
    assert unconvert(convert(page, options).text) == page


@PROPERTY_SETTINGS
@given(PAGES, OPTIONS)
def test_pages_with_bot_boxes_round_trip_to_their_unconverted_form(
    page: str, options: CollapseOptions
) -> None:
    with_box = convert("=== Earlier ===\nFolded before.\n", options).text + page
    assert unconvert(convert(with_box, options).text) == unconvert(with_box)


@PROPERTY_SETTINGS
@given(PAGES, OPTIONS)
def test_divs_added_are_balanced_and_no_character_is_lost(
    page: str, options: CollapseOptions
) -> None:
    result = convert(page, options)
    out = result.text
    opened = len(OPEN_DIV.findall(out)) - len(OPEN_DIV.findall(page))
    closed = len(CLOSE_DIV.findall(out)) - len(CLOSE_DIV.findall(page))
    assert opened == closed == DIVS_PER_BOX * len(result.folded)
    before, after = Counter(page), Counter(out)
    # Every visible character too: a replaced heading's title goes into the toggle, and its
    # whole line, equals signs included, into the marker comment.
    assert all(after[c] >= n for c, n in before.items() if not c.isspace())
    # Every line but the headings is still there, as it was and in the same order.
    headings = {s.line - 1 for s in analyze(page).sections}
    remaining = iter(out.split("\n"))
    lines = page.split("\n")
    assert all(line in remaining for i, line in enumerate(lines) if i not in headings)


@PROPERTY_SETTINGS
@given(PAGES, OPTIONS)
def test_boxes_are_organizer_text_to_the_page_model(page: str, options: CollapseOptions) -> None:
    result = convert(page, options)
    before = [(c.text, c.status) for c in analyze(page).comments]
    after = [(c.text, c.status) for c in analyze(result.text).comments]
    assert after == before
    masked = mask(result.text).split("\n")
    box_lines = {i for b in find_boxes(masked) for i in range(b.start, b.end + 1)}
    lines = result.text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("<!-- consultation-bot fold")]
    ends = [i for i, line in enumerate(lines) if line.endswith("<!-- /consultation-bot fold -->")]
    assert len(starts) == len(ends) == len(result.folded)
    # The line after the marker (anchors, or the box itself) through the end marker's line.
    assert all(set(range(a + 1, b + 1)) <= box_lines for a, b in zip(starts, ends, strict=True))


CLEAN_SECTIONS = st.lists(
    st.tuples(
        st.text(alphabet="abcdefgh ?", min_size=1, max_size=10).filter(lambda t: t.strip()),
        st.lists(st.sampled_from(["Background.", "* point", "", "More text."]), min_size=1,
                 max_size=4).filter(any),
    ),
    min_size=1, max_size=6,
)


@PROPERTY_SETTINGS
@given(CLEAN_SECTIONS, st.sampled_from(["replace-heading", "keep-heading"]))
def test_every_plain_intro_is_folded(sections: list, style: str) -> None:
    # Titles made unique with their index: same-titled headings have their own rules.
    page = "\n".join(
        f"=== {i} {title.strip()} ===\n" + "\n".join(body)
        for i, (title, body) in enumerate(sections)
    )
    result = convert(page, CollapseOptions(style=style))
    assert result.folded == tuple(f"{i} {' '.join(t.split())}" for i, (t, _) in enumerate(sections))
    assert unconvert(result.text) == page


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin, capture_output=True,
        timeout=120, check=False,
    )


def test_cli_convert_and_unconvert_round_trip(tmp_path: Path) -> None:
    page = tmp_path / "page.wikitext"
    page.write_text(SAMPLE, encoding="utf-8")
    converted = run_cli("convert", str(page))
    assert converted.returncode == 0, converted.stderr
    assert converted.stdout.decode() == convert(SAMPLE).text
    restored = run_cli("unconvert", "-", stdin=converted.stdout)
    assert restored.returncode == 0
    assert restored.stdout.decode() == SAMPLE


def test_cli_convert_options_and_diff() -> None:
    result = run_cli("convert", "-", "--level", "3", "--level", "4", "--style", "keep-heading",
                     "--title-pattern", "inclusive", "--diff", stdin=SAMPLE.encode())
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert out.startswith("--- - (before)\n+++ - (after)\n")
    assert out.count('\n+<div class="mw-collapsible mw-collapsed">') == 1
    assert "\n-=== How can we design" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title-pattern", "(unclosed"], "--title-pattern"),
        (["--style", "fold"], "invalid choice"),
        (["--level", "9"], "invalid choice"),
    ],
)
def test_cli_convert_bad_usage_is_one_line_and_status_2(args: list[str], message: str) -> None:
    result = run_cli("convert", "-", *args, stdin=b"=== Q ===\nIntro.\n")
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_a_copy_of_the_shipped_template_draws_every_box_the_same(tmp_path: Path) -> None:
    copy = tmp_path / "box.j2"
    copy.write_text((ROOT / "templates" / "box.wikitext.j2").read_text(encoding="utf-8"))
    intro = "Background sentence of the question, long enough to deserve a box. " * 5
    page = (
        "=== Plain ===\nIntro.\n=== Discussed ===\n" + intro
        + "\n:*(Add your comment here) (Don't forget to add your signature)\n"
    )
    for style in STYLES:
        shipped = convert(page, CollapseOptions(style=style))
        assert len(shipped.folded) == 2
        assert convert(page, CollapseOptions(style=style, template=str(copy))) == shipped


def test_cli_convert_reports_each_question_it_does_not_fold() -> None:
    page = "=== Q ===\nIntro <div/><div/>\n=== R ===\nPlain intro.\n"
    result = run_cli("convert", "-", stdin=page.encode())
    assert result.returncode == 0
    assert result.stdout.decode() == convert(page).text
    assert result.stderr.decode().splitlines() == [
        'consultation-bot: not folded: "Q": its intro opens a <div> it does not close'
    ]


def test_the_plan_carries_the_questions_not_folded() -> None:
    from datetime import UTC, datetime

    from bot.config import PageOptions
    from bot.text.model.profile import ENGLISH
    from bot.text.plan import plan_page

    page = "=== Q ===\nIntro <table>\n=== R ===\nPlain intro.\n"
    plan = plan_page(page, PageOptions(title="P"), profile=ENGLISH,
                     now=datetime(2024, 1, 1, tzinfo=UTC), as_of=None)
    assert plan.folded == ("R",)
    assert [(s.title, s.reason) for s in plan.not_folded] == [
        ("Q", "its intro opens a <table> it does not close")
    ]


def test_boxes_of_the_first_versions_are_recognized_and_undone() -> None:
    # The input of already_converted holds boxes drawn by the first versions' template.
    old = parse_case(ROOT / "tests" / "cases" / "collapse" / "already_converted.mwtest")["input"]
    assert old.count('<div class="floatright">▼</div>') == 2
    converted = convert(old).text
    assert converted.count('<div class="floatright">▼</div>') == 2  # left as they are
    restored = unconvert(old)
    assert "consultation-bot fold" not in restored and "mw-collapsible" not in restored
    assert "\n=== How can we design for an inclusive selection process? ===\n" in restored
    assert unconvert(converted) == restored


NESTING_PIECES = st.sampled_from([
    "{{", "}}", "{|", "|}", " {|", ":{|", "\t|}", "<table>", "</table>", "<ref name=x>",
    "</ref>", "<span>", "</SPAN >", "<small/>", "<div>", "x", " ", "|", "{", "}", "<", ">",
    "<ref", "/>", "\n", "\n{|", "\n|}", "<blockquote\n>",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(NESTING_PIECES, max_size=20).map("".join))
def test_the_page_is_scanned_for_nesting_as_each_line_was(text: str) -> None:
    """One scan of the page finds what a scan of each line found (table edges read alone)."""
    masked = text.split("\n")
    starts = [sum(len(line) + 1 for line in masked[:number]) for number in range(len(masked))]

    def where(number: int, match: re.Match[str]) -> tuple[int, int, str, str | None]:
        offset = 0 if match.string is masked[number] else starts[number]
        return number, match.start() - offset, match.group(0), match.lastgroup

    expected = [
        (number, match.start(), match.group(0), match.lastgroup)
        for number, line in enumerate(masked) for match in _NESTING.finditer(line)
    ]
    assert [where(number, match) for number, match in _nesting_tokens(masked)] == expected


@settings(max_examples=500, deadline=None)
@given(st.lists(NESTING_PIECES, max_size=30).map("".join))
def test_nesting_matches_are_those_of_the_pattern(text: str) -> None:
    def seen(match: re.Match[str]) -> tuple[int, int, str | None]:
        return match.start(), match.end(), match.lastgroup

    expected = [seen(m) for m in _NESTING_INSIDE.finditer(text)]
    assert [seen(m) for m in _nesting_matches(text)] == expected


def plain_nesting_depths(masked: list[str]) -> list[int]:
    """_nesting_depths as first written: each line's depth summed from the counts anew."""
    steps: list[tuple[int, str, int]] = []
    unclosed: dict[str, list[int]] = {}
    for number, line in enumerate(masked):
        for token in _NESTING.finditer(line):
            kind = token.lastgroup or ""
            if token["tag"]:
                if token["selfclosing"]:
                    continue
                name = token["tag"].lower()
                if not token["slash"]:
                    unclosed.setdefault(name, []).append(len(steps))
                    steps.append((number, "pending", 1))
                elif unclosed.get(name):
                    opened = unclosed[name].pop()
                    steps[opened] = (steps[opened][0], "tag", 1)
                    steps.append((number, "tag", -1))
                continue
            steps.append((number, kind.removeprefix("un"), -1 if kind.startswith("un") else 1))
    counts = {"brace": 0, "table": 0, "tag": 0}
    depths, position = [], 0
    for number in range(len(masked) + 1):
        depths.append(sum(counts.values()))
        while position < len(steps) and steps[position][0] == number:
            _, kind, step = steps[position]
            if kind in counts:
                counts[kind] = max(0, counts[kind] + step)
            position += 1
    return depths


@settings(max_examples=500, deadline=None)
@given(st.lists(NESTING_PIECES, max_size=30).map("".join))
def test_nesting_depths_are_those_of_the_plain_form(text: str) -> None:
    masked = text.split("\n")
    starts = [sum(len(line) + 1 for line in masked[:number]) for number in range(len(masked) + 1)]
    assert _nesting_depths(masked) == plain_nesting_depths(masked)
    assert _nesting_depths(masked, text, starts) == plain_nesting_depths(masked)


# NESTING_PIECES, and tags whose attributes hold braces (no template there), without table edges
# as well: a page with none is counted kind by kind (_Depths).
BRACED_PIECES = st.sampled_from([
    "{{", "}}", "{", "}", "<span title='{{'>", "<span {{x}}>", "<ref a=}}}>", "<span a={{{/>",
    "</span {{>", "<small>", "</small>", "<ref>", "</REF>", "<span", ">", "x", "\n",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(NESTING_PIECES | BRACED_PIECES, max_size=30).map("".join))
def test_nesting_depths_asked_line_by_line_are_those_of_the_plain_form(text: str) -> None:
    masked = text.split("\n")
    starts = [sum(len(line) + 1 for line in masked[:number]) for number in range(len(masked) + 1)]
    depths = _Depths(masked, text, starts)
    assert [depths[line] for line in range(len(masked) + 1)] == plain_nesting_depths(masked)


@settings(max_examples=500, deadline=None)
@given(st.lists(BRACED_PIECES, max_size=30).map("".join))
def test_nesting_depths_of_pages_without_tables_are_those_of_the_plain_form(text: str) -> None:
    masked = text.split("\n")
    starts = [sum(len(line) + 1 for line in masked[:number]) for number in range(len(masked) + 1)]
    depths = _Depths(masked, text, starts)
    assert depths.lines is None  # counted kind by kind
    assert [depths[line] for line in range(len(masked) + 1)] == plain_nesting_depths(masked)


MARKER_PIECES = st.sampled_from([
    "<!-- consultation-bot fold", "<!-- consultation-bot fold [1 2 3 0123abcd] -->\n",
    "<!-- consultation-bot fold: == Q == [1 0 0 ffffffff] -->\n", ": x", " [1 2 3 0123abcd] -->",
    "\n", "x", "<!-- ", "-->", "\n<!-- consultation-bot fold [1 2 3 0123abcd] -->",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(MARKER_PIECES, max_size=12).map("".join), st.integers(0, 40))
def test_start_markers_are_found_as_the_pattern_finds_them(text: str, position: int) -> None:
    found, expected = _start_marker(text, position), _START_MARKER.search(text, position)
    assert (found and found.span()) == (expected and expected.span())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["=== Q ===", "=== R ===", "Intro.", "x <!--", "-->", ""]),
                max_size=8).map("\n".join),
       st.lists(MARKER_PIECES, max_size=6).map("".join), st.sampled_from(["", "x", "\n"]))
def test_a_page_is_compared_with_its_unconverted_form_as_built_whole(
    page: str, noise: str, change: str
) -> None:
    boxed = convert(page).text + noise
    whole = unconvert(boxed)
    for expected in (whole, page + noise, whole + change, whole[:-1], change + whole, boxed):
        assert _unconverts_to(boxed, expected) == (whole == expected)


def plain_replies(masked: list[str]) -> set[int]:
    """_replies as first written: each line's list markers read with list_prefix."""
    from bot.text.model.analysis import list_prefix

    replies: set[int] = set()
    in_definitions = False
    for i, line in enumerate(masked):
        prefix = list_prefix(line)
        if prefix.startswith(";"):
            in_definitions = True
        elif prefix.startswith(":") and not in_definitions:
            replies.add(i)
        elif not prefix.startswith(":"):
            in_definitions = False
    return replies


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([":", ";", "*", "#", " ", "x", "::", ":*", ";:", "\n"]),
                max_size=30).map("".join))
def test_replies_are_the_lines_the_plain_form_finds(text: str) -> None:
    masked = text.split("\n")
    assert _replies(masked) == plain_replies(masked)


# Heading titles for the box check shared between boxes: plain ones (one verdict for all of them)
# and ones that break the box or may (tags, templates, table marks, comments, a marker's "\x00").
BOX_TITLES = st.sampled_from([
    "Q", "Why?", "x \"y\" & z", "100%", "Ünïcødé ✓", "a = b", "[[Link|label]]", "''it''",
    "a </div> b", "<div>d", "{{!}}", "a }} b", "{| t", "|} t", "<!-- c", "a --> b", "<ref>x",
    "x\x00content\x00y", "<nowiki>=</nowiki>", "</div><div class=\"mw-collapsible\">",
]) | st.text(alphabet="ab<>{}|/=:* !-", max_size=10)
MY_TEMPLATE = (
    '<div class="mw-collapsible mw-collapsed">{{ title }} ({{ style }})\n'
    '<div class="mw-collapsible-content">\n{{ content }}\n</div></div>\n'
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), BOX_TITLES, st.booleans()), max_size=8),
       st.sampled_from([None, LEGACY_TEMPLATE, "mybox.j2"]))
def test_boxes_checked_once_for_all_have_the_verdict_of_each_checked_alone(
    tmp_path_factory: pytest.TempPathFactory, boxes: list, template: str | None
) -> None:
    if template == "mybox.j2":
        path = tmp_path_factory.getbasetemp() / template
        path.write_text(MY_TEMPLATE, encoding="utf-8")
        template = str(path)
    options = CollapseOptions(template=template)

    def drawn(fold: _Fold, drawing: _Drawing | None) -> object:
        try:
            return _chrome(fold, options, drawing)
        except _BadBox as exc:
            return str(exc)

    drawing = _Drawing()
    for level, title, replacing in boxes:
        line = "=" * level + f" {title} " + "=" * level
        heading = _Heading(0, level, title, title, "anchor", False, title)
        fold = _Fold(0, 1, heading, line if replacing else None)
        assert drawn(fold, drawing) == drawn(fold, None)


def test_a_title_that_breaks_the_box_is_not_given_the_verdict_of_plain_titles() -> None:
    drawing = _Drawing()
    breaking = ("a </div> b", "{{x", "<!-- c")
    for title in ("Q", "Why?", *breaking, "R", "{{!}}", "S"):
        heading = _Heading(0, 3, title, title, title, False, title)
        fold = _Fold(0, 1, heading, f"=== {title} ===")
        if title in breaking:
            for shared in (drawing, None):
                with pytest.raises(_BadBox):
                    _chrome(fold, CollapseOptions(), shared)
        else:
            assert f"\n=== {title} ===\n" in _chrome(fold, CollapseOptions(), drawing)[0]
    # The plain titles share one verdict; each other title has its own.
    assert sorted(drawing.verdicts.values()) == [False, False, False, True, True]
