"""Recognize collapsible question boxes already on a page (made by the bot or by hand).

A box starts on a line opening `<div class="mw-collapsible ...">` and ends on the line where the
div nesting that it opened is closed again (hand-made boxes sometimes close one div too many).
A heading ends an unclosed box, unless it stands right after the line opening the box's toggle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.text.model.sections import parse_heading

BOX_START = re.compile(r"""^\s*<div\s+class\s*=\s*["'][^"']*\bmw-collapsible\b""", re.IGNORECASE)
# A toggle opening on its own line, as the bot's boxes do to hold the question's heading.
_TOGGLE_START = re.compile(
    r"""^\s*<div\s+class\s*=\s*["'][^"']*\bmw-collapsible-toggle\b""", re.IGNORECASE
)
_OPEN = re.compile(r"<div\b[^>]*?(?<!/)>", re.IGNORECASE)
_CLOSE = re.compile(r"</div\s*>", re.IGNORECASE)
# A line of nothing but anchors, as the bot (and organizers) put right above a box: it belongs to
# the box, so that the page model never reads it as someone's unsigned comment.
_ANCHOR_LINE = re.compile(
    r"""^\s*(?:(?:<span\s+id\s*=\s*"[^"\n]*"\s*>\s*</span\s*>|\{\{\s*anchors?\s*\|[^{}\n]*\}\})\s*)+$""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BoxSpan:
    start: int  # 0-based index of the first line
    end: int  # 0-based index of the last line (inclusive)


def div_delta(line: str) -> int:
    """Opening minus closing div tags on a (masked) line."""
    return len(_OPEN.findall(line)) - len(_CLOSE.findall(line))


def div_balanced(lines: Iterable[str]) -> bool:
    """True if the (masked) lines close every div they open and close none opened before them."""
    depth = 0
    for line in lines:
        for tag in re.finditer(f"{_OPEN.pattern}|{_CLOSE.pattern}", line, re.IGNORECASE):
            depth += -1 if tag.group(0).startswith("</") else 1
            if depth < 0:
                return False
    return depth == 0


def find_boxes(masked_lines: list[str]) -> list[BoxSpan]:
    """Every collapsible box, as line spans; an unbalanced box runs to the end of its section.

    Anchor-only lines right above a box are part of it.
    """
    boxes: list[BoxSpan] = []
    i = 0
    while i < len(masked_lines):
        if not BOX_START.match(masked_lines[i]):
            i += 1
            continue
        start = i
        floor = boxes[-1].end if boxes else -1
        while start - 1 > floor and _ANCHOR_LINE.match(masked_lines[start - 1]):
            start -= 1
        depth = 0
        end = i
        for j in range(i, len(masked_lines)):
            line = masked_lines[j]
            if j > i and parse_heading(line) is not None and not _heading_in_toggle(
                masked_lines, j, i, depth
            ):
                break  # a heading ends an unclosed box
            depth += div_delta(line)
            end = j
            if depth <= 0:
                break
        boxes.append(BoxSpan(start, end))
        i = end + 1
    return boxes


def _heading_in_toggle(masked_lines: list[str], j: int, start: int, depth: int) -> bool:
    """Whether heading line j sits in the toggle that the line above opens, inside the box."""
    above = masked_lines[j - 1]
    opens = bool(_TOGGLE_START.match(above)) and div_delta(above) > 0
    return j - 1 >= start and depth >= 2 and opens
