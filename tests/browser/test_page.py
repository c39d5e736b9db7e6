"""The consultation page as a reader sees it in Chromium after the bot folded its question intros:
boxes start collapsed, open and close by click and by keyboard, say their state, stay inside the
column at three widths, open when an old link points into them, and keep the table of contents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.text.model.analysis import analyze
from bot.text.model.sections import anchor_of, legacy_anchor_of
from tests.browser.cdp import Browser, Tab
from tests.browser.consultation import FOLDED, KEEP_TITLE, TITLE, Consultation
from tests.browser.pages import (
    WIDTHS,
    boxes,
    center,
    overflowing,
    page_url,
    red_links,
    screenshot,
)
from tests.devwiki import DevWiki

pytestmark = pytest.mark.wiki
TOGGLE = ".mw-parser-output .mw-collapsible > .mw-collapsible-toggle"
ALL_BOXES = "$('.mw-collapsible').each((i, box) => $(box).data('mw-collapsible').{}())"


@pytest.fixture(scope="module")
def tab(browser: Browser, consultation: Consultation, readers_wiki: DevWiki) -> Iterator[Tab]:
    tab = browser.tab(1280)
    yield tab
    tab.close()


@pytest.fixture
def page(tab: Tab, readers_wiki: DevWiki) -> Tab:
    """The consultation page, freshly loaded at 1280 px."""
    tab.resize(1280)
    tab.open(page_url(readers_wiki, TITLE))
    return tab


def test_every_box_starts_collapsed_and_says_so(page: Tab) -> None:
    found = boxes(page)
    assert [b["heading"] for b in found] == [anchor_of(t) for t in FOLDED]
    for box in found:
        assert box["collapsed"] and not box["contentShown"]
        assert box["expanded"] == "false" and box["state"] == "Expand"
        assert box["tabIndex"] == 0  # reachable with Tab


@pytest.mark.parametrize("target", [".mw-headline", ".mw-collapsible-text"])
def test_a_click_opens_and_closes_a_box(page: Tab, target: str) -> None:
    for index in range(len(FOLDED)):
        page.click(*center(page, f"{TOGGLE} {target}", index))
        opened = boxes(page)[index]
        assert opened["contentShown"] and opened["expanded"] == "true"
        assert opened["state"] == "Collapse"
        page.click(*center(page, f"{TOGGLE} {target}", index))
        closed = boxes(page)[index]
        assert not closed["contentShown"] and closed["state"] == "Expand"
    # Clicking one box opens no other.
    page.click(*center(page, f"{TOGGLE} {target}", 1))
    assert [b["contentShown"] for b in boxes(page)] == [False, True, False]


def test_enter_and_space_on_the_toggle_open_and_close_it(page: Tab) -> None:
    for index in range(len(FOLDED)):
        # Reach the toggle with Tab from the focusable element before it, as a keyboard does.
        page.evaluate(f"""(() => {{
            const toggle = document.querySelectorAll({TOGGLE!r})[{index}];
            const all = [...document.querySelectorAll('a[href], [tabindex="0"]')];
            all[all.indexOf(toggle) - 1].focus();
        }})()""")
        page.tab_key()
        assert page.evaluate(
            f"document.activeElement === document.querySelectorAll({TOGGLE!r})[{index}]"
        )
        page.press("Enter")
        assert boxes(page)[index]["contentShown"] and boxes(page)[index]["state"] == "Collapse"
        scrolled = page.evaluate("window.scrollY")
        page.press(" ")
        assert not boxes(page)[index]["contentShown"]
        assert boxes(page)[index]["expanded"] == "false"
        assert page.evaluate("window.scrollY") == scrolled  # Space toggles, it does not scroll


def test_nothing_overflows_at_three_widths(page: Tab, artifacts: Path) -> None:
    for width in WIDTHS:
        page.resize(width)
        bad = overflowing(page, ".mw-collapsible, .mw-collapsible *")
        assert bad == [], f"at {width} px: " + "; ".join(bad)
        screenshot(page, artifacts, f"page-{width}-collapsed")
        page.evaluate(ALL_BOXES.format("expand"))
        assert all(b["contentShown"] for b in boxes(page))
        bad = overflowing(page, ".mw-collapsible, .mw-collapsible *")
        assert bad == [], f"at {width} px: " + "; ".join(bad)
        screenshot(page, artifacts, f"page-{width}-expanded")
        page.evaluate(ALL_BOXES.format("collapse"))


@pytest.mark.parametrize("legacy", [False, True], ids=["html5", "legacy"])
@pytest.mark.parametrize("index", range(len(FOLDED)))
def test_an_old_link_scrolls_to_its_question_and_opens_its_box(
    tab: Tab, readers_wiki: DevWiki, index: int, legacy: bool
) -> None:
    anchor = anchor_of(FOLDED[index])
    fragment = legacy_anchor_of(anchor) if legacy else anchor
    assert (fragment != anchor) is legacy  # every folded question has a `?` (`.3F`)
    tab.resize(1280)
    tab.open(page_url(readers_wiki, TITLE, fragment))
    shown = [b["contentShown"] for b in boxes(tab)]
    assert shown == [k == index for k in range(len(FOLDED))]
    assert boxes(tab)[index]["state"] == "Collapse"
    top, height, at_end = tab.evaluate(
        f"[document.getElementById({fragment!r}).getBoundingClientRect().top, innerHeight,"
        " scrollY + innerHeight >= document.documentElement.scrollHeight - 1]"
    )
    # Scrolled to the question: at the top of the window, or as far as the page goes.
    assert 0 <= top < (height if at_end else 200), top


@pytest.mark.parametrize("title", [TITLE, KEEP_TITLE], ids=["replace-heading", "keep-heading"])
def test_the_table_of_contents_lists_every_question(
    tab: Tab, readers_wiki: DevWiki, consultation: Consultation, title: str, artifacts: Path
) -> None:
    tab.resize(1280)
    tab.open(page_url(readers_wiki, title))
    sections = analyze(readers_wiki.client().read(title).text).sections
    entries = tab.evaluate(
        "[...document.querySelectorAll('#toc li > a')].map(a => [a.getAttribute('href'),"
        " +a.parentElement.className.match(/toclevel-(\\d)/)[1]])"
    )
    assert [href for href, _ in entries] == [f"#{s.anchor}" for s in sections]
    levels = [level for _, level in entries]
    assert levels == [[1, 2, 3][s.level - 2] for s in sections]  # no jump from 1 to 3
    if title == KEEP_TITLE:
        assert [b["text"] for b in boxes(tab)] == ["ExpandBackground"] * len(FOLDED)
        screenshot(tab, artifacts, "keep-heading-1280")


def test_the_bots_boxes_hold_no_red_link(page: Tab) -> None:
    assert red_links(page, f"{TOGGLE} a.new") == []
    assert page.evaluate(f"document.querySelectorAll({TOGGLE!r} + ' a').length") == len(FOLDED)


def test_the_edit_link_in_a_toggle_edits_the_question(page: Tab) -> None:
    # The toggle takes clicks on its links for the links: the question's section opens to edit.
    page.browser.events.clear()
    page.click(*center(page, f"{TOGGLE} .mw-editsection a", 0))
    page.browser.wait_event("Page.loadEventFired", page.session)
    assert page.evaluate("new URLSearchParams(location.search).get('action')") == "edit"
    section = page.evaluate("document.querySelector('#wpTextbox1').value")
    assert section.startswith(f"=== {FOLDED[0]} ===\n</div>\n")
