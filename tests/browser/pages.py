"""What the browser tests measure on a rendered page, as JavaScript run in the page."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from tests.browser.cdp import Tab
from tests.devwiki import DevWiki

WIDTHS = (360, 768, 1280)


def page_url(wiki: DevWiki, title: str, fragment: str = "") -> str:
    url = f"{wiki.index_url}?title={quote(title.replace(' ', '_'))}"
    return url + (f"#{quote(fragment, safe='?.:')}" if fragment else "")


# Elements of the bot's own output that stick out of the content column, or whose content
# sticks out of them (text that cannot wrap). Inside a scroll box, only the box itself counts.
# The [edit] links MediaWiki adds to headings never wrap: on a very narrow column they stick out
# of any heading, so they (and the heading around them) are left out.
OVERFLOW = """
((selector) => {
  const root = document.querySelector('.mw-parser-output');
  const column = root.getBoundingClientRect();
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const bad = [];
  for (const el of root.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;  // not shown (a collapsed box's content)
    if (el.closest('.mw-editsection') || el.querySelector(':scope > .mw-editsection')) continue;
    let inside = false;
    for (let p = el.parentElement; p && p !== root; p = p.parentElement) {
      if (scrolls(p)) { inside = true; break; }
    }
    if (inside) continue;
    const name = el.tagName + '.' + el.className + ' "' + el.textContent.slice(0, 40) + '"';
    if (r.right > column.right + 1 || r.left < column.left - 1) {
      bad.push(name + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right) +
               ' in ' + Math.round(column.left) + '..' + Math.round(column.right));
    } else if (!scrolls(el) && el.scrollWidth > el.clientWidth + 1 && el.clientWidth) {
      bad.push(name + ' holds ' + el.scrollWidth + 'px in ' + el.clientWidth + 'px');
    }
  }
  return bad;
})
"""


def overflowing(tab: Tab, selector: str) -> list[str]:
    return tab.evaluate(f"{OVERFLOW}({json.dumps(selector)})")


def screenshot(tab: Tab, folder: Path, name: str) -> Path:
    from tests.browser.conftest import saved_screenshot

    return saved_screenshot(tab.screenshot(folder / f"{name}.png"))


# The boxes' toggles and what the reader sees of them.
BOXES = """
[...document.querySelectorAll('.mw-parser-output .mw-collapsible')]
  .filter(box => box.querySelector(':scope > .mw-collapsible-toggle'))
  .map(box => {
    const toggle = box.querySelector(':scope > .mw-collapsible-toggle');
    const content = box.querySelector(':scope > .mw-collapsible-content');
    const state = toggle.querySelector('.mw-collapsible-text');
    const heading = toggle.querySelector('.mw-headline');
    return {
      collapsed: box.classList.contains('mw-collapsed'),
      contentShown: content.getBoundingClientRect().height > 0,
      expanded: toggle.getAttribute('aria-expanded'),
      tabIndex: toggle.tabIndex,
      state: state ? state.textContent : null,
      heading: heading ? heading.id : null,
      text: toggle.textContent.trim().slice(0, 60),
    };
  })
"""


def boxes(tab: Tab) -> list[dict]:
    return tab.evaluate(BOXES)


def center(tab: Tab, selector: str, index: int = 0) -> tuple[float, float]:
    """Scroll the element into view and return its centre in the viewport."""
    rect = tab.evaluate(
        f"(() => {{ const el = document.querySelectorAll({json.dumps(selector)})[{index}];"
        " el.scrollIntoView({block: 'center'}); const r = el.getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
    )
    return rect[0], rect[1]


def red_links(tab: Tab, selector: str) -> list[str]:
    return tab.evaluate(
        f"[...document.querySelectorAll({json.dumps(selector)})].map(a => a.title || a.href)"
    )
