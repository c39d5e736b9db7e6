"""The diff of a page the bot edited: difflib's for small pages, and for large ones a unified
diff built from the lines the edit kept, which patch(1) applies."""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.edits import diff
from bot.text.edits.collapse import convert
from tests.text.pages import consultation_page

LINES = st.sampled_from(["a\n", "b\n", "c\n", "\n", "== Q ==\n", "x y\n", "unique {n}\n"])


@st.composite
def edited(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """A page and the page edited as the bot edits: blocks put in, lines changed or dropped."""
    page = [line.replace("{n}", str(n)) for n, line in enumerate(draw(st.lists(LINES)))]
    new = list(page)
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(new)))
        block = [line.replace("{n}", f"new {at}") for line in draw(st.lists(LINES, max_size=4))]
        cut = draw(st.integers(0, 2))
        new[at : at + cut] = block
    if draw(st.booleans()) and page:
        page[-1] = page[-1].rstrip("\n")  # no newline at the end
    if draw(st.booleans()) and new:
        new[-1] = new[-1].rstrip("\n")
    return page, new


def apply(page: list[str], patch: list[str]) -> list[str]:
    """A unified diff applied to the page's lines, checking every context and removed line."""
    out, at, k = [], 0, 0
    while k < len(patch):
        line = patch[k]
        if line.startswith(("---", "+++")):
            k += 1
            continue
        assert line.startswith("@@ -")
        start = int(line.split()[1][1:].split(",")[0])
        length = line.split()[1][1:].split(",")
        begin = start - 1 if len(length) == 1 or int(length[1]) else start
        out += page[at:begin]
        at = begin
        k += 1
        while k < len(patch) and not patch[k].startswith("@@"):
            kind, content = patch[k][0], patch[k][1:]
            if kind in " -":
                assert page[at] == content
                at += 1
            if kind in " +":
                out.append(content)
            k += 1
    return out + page[at:]


@settings(max_examples=500, deadline=None)
@given(edited())
def test_the_diff_of_an_edit_applies_and_small_pages_get_difflibs(
    pages: tuple[list[str], list[str]],
) -> None:
    page, new = pages
    assert list(diff.unified_diff(page, new, "a", "b")) == list(
        difflib.unified_diff(page, new, "a", "b")
    )
    for whole, stretch in ((0, 500), (0, 2)):  # aligned through anchors, and greedily
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(diff, "WHOLE", whole)
            patch.setattr(diff, "STRETCH", stretch)
            found = list(diff.unified_diff(page, new, "a", "b"))
        assert apply(page, found) == new
        assert bool(found) == (page != new)


def test_a_large_edited_page_gets_difflibs_diff_and_patch_applies_it(tmp_path: Path) -> None:
    old = consultation_page(600_000, 5).text
    new = convert(old).text
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    assert len(a) + len(b) > diff.WHOLE
    found = list(diff.unified_diff(a, b, "page (before)", "page (after)"))
    assert found == list(difflib.unified_diff(a, b, "page (before)", "page (after)"))
    repeated = (Path(__file__).parents[3] / "bot" / "samples" / "consultation.wikitext").read_text(
        encoding="utf-8"
    ) * 200  # no line is unique: aligned greedily
    for before in (old, repeated):
        after = convert(before).text
        (tmp_path / "page").write_text(before, encoding="utf-8")
        lines = diff.unified_diff(before.splitlines(keepends=True),
                                  after.splitlines(keepends=True), "page", "page")
        (tmp_path / "patch").write_text(
            "".join(x if x.endswith("\n") else x + "\n\\ No newline at end of file\n"
                    for x in lines),
            encoding="utf-8",
        )
        subprocess.run(["patch", "-s", str(tmp_path / "page"), str(tmp_path / "patch")],
                       check=True, capture_output=True)
        assert (tmp_path / "page").read_text(encoding="utf-8") == after
