"""Recognize collapsible question boxes already on a page (made by the bot or by hand).

A box starts on a line opening `<div class="mw-collapsible ...">` and ends on the line where the
div nesting that it opened is closed again (hand-made boxes sometimes close one div too many).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOX_START = re.compile(r"""^\s*<div\s+class\s*=\s*["'][^"']*\bmw-collapsible\b""", re.IGNORECASE)
_OPEN = re.compile(r"<div\b[^>]*?(?<!/)>", re.IGNORECASE)
_CLOSE = re.compile(r"</div\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class BoxSpan:
    start: int  # 0-based index of the first line
    end: int  # 0-based index of the last line (inclusive)


def find_boxes(masked_lines: list[str]) -> list[BoxSpan]:
    """Every collapsible box, as line spans; an unbalanced box runs to the end of its section."""
    boxes: list[BoxSpan] = []
    i = 0
    while i < len(masked_lines):
        if not BOX_START.match(masked_lines[i]):
            i += 1
            continue
        depth = 0
        end = i
        for j in range(i, len(masked_lines)):
            line = masked_lines[j]
            if j > i and line.startswith("="):
                break  # a heading ends an unclosed box
            depth += len(_OPEN.findall(line)) - len(_CLOSE.findall(line))
            end = j
            if depth <= 0:
                break
        boxes.append(BoxSpan(i, end))
        i = end + 1
    return boxes
