"""Golden cases for the page model (tests/cases/analyze) and properties of analyze()."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.model.analysis import analysis_to_dict, analyze
from bot.text.model.profile import profile_from_dict
from tests.golden import Case, cases

SAMPLE = Path(__file__).parents[3] / "bot" / "samples" / "consultation.wikitext"


def dump(model: dict) -> str:
    """JSON with one section, comment or placeholder per line, so diffs read well."""
    parts = []
    for key, items in model.items():
        rows = ",\n".join("  " + json.dumps(item, ensure_ascii=False) for item in items)
        parts.append(f'"{key}": [\n{rows}\n]' if items else f'"{key}": []')
    return "{\n" + ",\n".join(parts) + "\n}"


@pytest.mark.parametrize("case", cases("analyze"))
def test_golden(case: Case) -> None:
    profile = None
    if case.get("profile"):
        profile = profile_from_dict(json.loads(case["profile"]))
    model = analysis_to_dict(analyze(case["input"], *([profile] if profile else [])))
    case.check("expect", dump(model))


wikitext_atoms = st.sampled_from(
    [
        "\n", "== H ==", "=", "==", ":*", "::", "*", "#", ";", " ", "text",
        "[[User:A|A]]", "[[User talk:B]]", "[[Special:Contributions/1.2.3.4|x]]", "[[", "]]",
        " 12:34, 5 May 2020 (UTC)", "31 February 2020", "{{unsigned|C|", "}}", "{{", "|",
        "<!--", "-->", "<nowiki>", "</nowiki>", "<pre>", "(Add your comment here)",
        "(Don't forget to add your signature)", '<div class="mw-collapsible">', "</div>", "~~~~",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(wikitext_atoms | st.text(max_size=8), max_size=40).map("".join))
def test_any_text_analyzes(text: str) -> None:
    model = analyze(text)
    lines = text.split("\n")
    for comment in model.comments:
        assert 1 <= comment.line <= comment.end_line <= len(lines)
        assert comment.text == "\n".join(lines[comment.line - 1 : comment.end_line])
        assert comment.status in {"signed", "unsigned", "undated", "tagged"}


def test_comments_do_not_overlap_and_keep_order() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    comments = analyze(text).comments
    for before, after in itertools.pairwise(comments):
        assert before.end_line < after.line


def test_huge_page_analyzes() -> None:
    block = (
        "==== Q ====\n:*(Add your comment here)\n"
        ":* idea [[User:A|A]] 12:34, 5 May 2020 (UTC)\n:* unsigned idea\n"
    )
    text = block * 40_000  # about 4 MB
    model = analyze(text)
    assert len(model.comments) == 80_000
    assert model.sections[-1].anchor == "Q_40000"


def test_a_styled_signature_of_255_characters_is_found() -> None:
    # ~~~~ writes the signature (at most 255 characters of wikitext), a space, the timestamp.
    style = '<span style="color:#060;font-family:Georgia,serif;letter-spacing:1px">'
    signature = (
        f"[[User:Longname|{style}L.N.</span>]] <sup>[[User talk:Longname|{style}talk</span>]]</sup>"
    )
    signature += "<!---->" * ((255 - len(signature)) // 7)
    assert 248 <= len(signature) <= 255
    page = f"== Q ==\n:* Idea. {signature} 09:15, 20 September 2016 (UTC)\n"
    (comment,) = analyze(page).comments
    assert (comment.status, comment.author) == ("signed", "Longname")


@pytest.mark.parametrize(("distance", "status"), [(99, "signed"), (100, "unsigned")])
def test_a_user_link_signs_only_close_before_the_timestamp(distance: int, status: str) -> None:
    # SIGNATURE_SCAN_LIMIT: 100 characters a reader sees, searched back from the timestamp.
    between = " said" + "." * (distance - 6) + " "
    assert len(between) == distance
    page = f"== Q ==\n:* As [[User:Dave|Dave]]{between}09:15, 20 September 2016 (UTC)\n"
    (comment,) = analyze(page).comments
    assert comment.status == status
    assert comment.author == ("Dave" if status == "signed" else None)


def test_markup_between_link_and_timestamp_does_not_count() -> None:
    link = "[[User:Dave|Dave]]"
    styled = "<span style='color:red'>" + "'''b'''" * 40 + "</span>"  # 40 visible characters
    page = f"== Q ==\n:* Text {link} {styled} 09:15, 20 September 2016 (UTC)\n"
    (comment,) = analyze(page).comments
    assert (comment.status, comment.author) == ("signed", "Dave")


def test_a_bare_timestamp_after_a_long_mention_is_unsigned() -> None:
    page = (
        "== Q ==\n:* As [[User:Dave|Dave]] said in the last round, the mentoring programme "
        "needs a budget line of its own, and the regional hubs should say how they would "
        "spend it. 20:13, 24 March 2018 (UTC)\n"
    )
    (comment,) = analyze(page).comments
    assert (comment.status, comment.author) == ("unsigned", None)


def test_many_signatures_on_one_line_are_read_in_linear_time() -> None:
    one = "a [[User:A|A]] ([[User talk:A|talk]]) 09:15, 20 September 2016 (UTC) "
    (comment,) = analyze("== Q ==\n:* " + one * 20_000 + "\n").comments
    assert (comment.status, comment.author) == ("signed", "A")


def test_a_short_user_namespace_alias_is_no_language_prefix() -> None:
    profile = profile_from_dict({"user_namespaces": ["User", "BD"]})
    page = "== Q ==\n:* Idea. [[BD:Alice|Alice]] 09:15, 20 September 2016 (UTC)\n"
    (comment,) = analyze(page, profile).comments
    assert (comment.status, comment.author) == ("signed", "Alice")
