"""The torture suite for convert: generated hostile pages (tests/text/hostile.py).

For every page and options: no exception; unconvert restores the page byte for byte; a second
convert changes nothing; and no comment or prompt line of the page model ends up inside a box of
the output (the boxes as the page model finds them, divs counted as MediaWiki counts them; how
the wiki itself renders a sample is tests/wiki/test_hostile_boxes.py).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.text.edits.collapse import CollapseOptions, convert, unconvert
from bot.text.model.analysis import analyze
from bot.text.model.boxes import find_boxes
from bot.text.model.masking import mask
from tests.text.hostile import Page, marker_of, pages
from tests.torture import ran, torture_settings

OPTIONS = st.builds(
    CollapseOptions,
    levels=st.one_of(
        st.just((3,)), st.just((2, 3)),
        st.sets(st.integers(1, 6), min_size=1).map(lambda s: tuple(sorted(s))),
    ),
    style=st.sampled_from(["replace-heading", "keep-heading"]),
)


def discussion_lines(page: Page) -> set[int]:
    """0-based lines of the page model's comments and prompts."""
    analysis = analyze(page.text)
    lines = {p.line - 1 for p in analysis.placeholders}
    for comment in analysis.comments:
        lines.update(range(comment.line - 1, comment.end_line))
    return lines


def boxed_markers(text: str) -> set[str]:
    """The markers of the lines inside a box of a page, as the page model finds boxes."""
    lines = text.split("\n")
    boxed = set()
    for box in find_boxes(mask(text).split("\n")):
        boxed.update(m for i in range(box.start, box.end + 1) if (m := marker_of(lines[i])))
    return boxed


@torture_settings()
@given(pages(), OPTIONS)
def test_convert_keeps_every_comment_out_of_boxes_and_can_be_undone(
    page: Page, options: CollapseOptions
) -> None:
    ran("convert: round trip, idempotent, no comment in a box")
    result = convert(page.text, options)
    assert unconvert(result.text) == page.text
    assert convert(result.text, options).text == result.text
    discussion = {page.markers[i] for i in discussion_lines(page) if i in page.markers}
    assert not discussion & boxed_markers(result.text)
    assert len(result.folded) == result.text.count("<!-- /consultation-bot fold -->") - (
        page.text.count("<!-- /consultation-bot fold -->")
    )


@torture_settings()
@given(pages(max_lines=20), OPTIONS)
def test_pages_with_bot_boxes_round_trip_to_their_unconverted_form(
    page: Page, options: CollapseOptions
) -> None:
    ran("convert: pages holding bot boxes round trip")
    earlier = convert("=== Earlier ===\nFolded before.\n", options).text
    text = earlier + page.text
    result = convert(text, options)
    assert unconvert(result.text) == unconvert(text)
    assert convert(result.text, options).text == result.text
