"""The summary of the year-long consultation as a reader sees it in Chromium: the questions table
sorts numerically on every number column, the weekly chart has its table, no red link comes from
the bot, nothing overflows at three widths, and text keeps a 4.5:1 contrast as rendered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.cdp import Browser, Tab
from tests.browser.consultation import TITLE, Consultation
from tests.browser.pages import WIDTHS, center, overflowing, page_url, red_links, screenshot
from tests.devwiki import DevWiki

pytestmark = pytest.mark.wiki
QUESTIONS = "table.sortable"
NUMBER_COLUMNS = ("Comments", "Participants", "Unsigned", "Latest comment", "Share of comments")


@pytest.fixture(scope="module")
def summary(browser: Browser, consultation: Consultation, readers_wiki: DevWiki) -> Iterator[Tab]:
    tab = browser.tab(1280)
    tab.open(page_url(readers_wiki, f"{TITLE}/Summary"))
    yield tab
    tab.close()


def column(tab: Tab, name: str) -> list[float]:
    """The column's values as the table sorts them (data-sort-value, else the text)."""
    return tab.evaluate(f"""(() => {{
        const table = document.querySelector({QUESTIONS!r});
        const names = [...table.querySelectorAll('th')].map(th => th.textContent.trim());
        const k = names.indexOf({name!r});
        return [...table.tBodies[0].rows].map(row => {{
            const cell = row.cells[k];
            return parseFloat(cell.getAttribute('data-sort-value') ?? cell.textContent);
        }});
    }})()""")


def test_the_questions_table_sorts_numerically_on_every_number_column(summary: Tab) -> None:
    tab = summary
    tab.resize(1280)
    comments = column(tab, "Comments")
    # 10, 4 and 2 comments: sorted as text, "10" would come before "2".
    assert sorted(comments) != sorted(comments, key=str) and len(comments) == 3
    headers = tab.evaluate(
        f"[...document.querySelectorAll('{QUESTIONS} th')].map(th => th.textContent.trim())"
    )
    for name in NUMBER_COLUMNS:
        index = headers.index(name)
        tab.click(*center(tab, f"{QUESTIONS} th", index))
        assert column(tab, name) == sorted(column(tab, name)), name
        tab.click(*center(tab, f"{QUESTIONS} th", index))
        assert column(tab, name) == sorted(column(tab, name), reverse=True), name


def test_the_chart_has_a_text_alternative(summary: Tab) -> None:
    chart = summary.evaluate("""(() => {
        const chart = document.querySelector('.mw-parser-output [role="img"]');
        const heights = [...chart.children].map(bar => bar.getBoundingClientRect().height);
        return {label: chart.getAttribute('aria-label'), bars: chart.children.length,
                height: chart.getBoundingClientRect().height, tallest: Math.max(...heights)};
    })()""")
    assert chart["label"].startswith("Bar chart of the comments per week from 2016-01-04")
    assert chart["bars"] == 49 and chart["tallest"] > chart["height"] / 2
    table = "table.mw-collapsible"
    rows = f"document.querySelectorAll('{table} tbody tr:not(:first-child)')"
    assert summary.evaluate(f"[...{rows}].every(r => !r.getBoundingClientRect().height)")
    summary.click(*center(summary, f"{table} caption .mw-collapsible-toggle"))
    assert summary.evaluate(f"{rows}.length") == 49
    assert summary.evaluate(f"[...{rows}].every(r => r.getBoundingClientRect().height > 0)")


def test_no_red_link_on_the_summary(summary: Tab) -> None:
    assert red_links(summary, ".mw-parser-output a.new") == []
    links = summary.evaluate("document.querySelectorAll('.mw-parser-output a').length")
    assert links > 30  # questions, users, diffs and permanent links


def test_nothing_overflows_at_three_widths(summary: Tab, artifacts: Path) -> None:
    for width in WIDTHS:
        summary.resize(width)
        bad = overflowing(summary, ".mw-parser-output *")
        assert bad == [], f"at {width} px: " + "; ".join(bad)
        screenshot(summary, artifacts, f"summary-{width}")


# Every text on the summary and in the boxes' toggles, against the background it is drawn on.
CONTRAST = """
((selector) => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(c => c / 255)
    .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const backOf = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll(selector)) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getBoundingClientRect().height) continue;
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(backOf(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + ' "' + el.textContent.trim().slice(0, 30) + '" ' +
                              ratio.toFixed(2));
  }
  return low;
})
"""


def test_text_keeps_its_contrast_as_rendered(
    summary: Tab, browser: Browser, readers_wiki: DevWiki
) -> None:
    summary.resize(1280)
    assert summary.evaluate(f"{CONTRAST}('.mw-parser-output, .mw-parser-output *')") == []
    page = browser.tab(1280)
    try:
        page.open(page_url(readers_wiki, TITLE))
        toggles = ".mw-collapsible-toggle, .mw-collapsible-toggle *"
        assert page.evaluate(f"{CONTRAST}({toggles!r})") == []
    finally:
        page.close()
