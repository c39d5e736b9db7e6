"""Blank out wikitext that never renders as discussion: HTML comments, nowiki, pre and code tags.

The mask keeps every newline and the length of the text, so positions and line numbers found in
the masked text are valid in the original.
"""

from __future__ import annotations

import re
from functools import lru_cache

# An extension tag opens at its name followed by a blank or ">"; the tag runs to the first ">"
# after it (as in MediaWiki's preprocessor, even across "<" and lines), and is self-closing when
# that ">" follows "/".
_OPENERS = re.compile(r"<!--|<(nowiki|pre|syntaxhighlight|source)(?=[\s>])", re.IGNORECASE)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def masked_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every region that MediaWiki shows literally or not at all."""
    return _element_spans(text, _OPENERS)


@lru_cache(maxsize=8)
def _openers(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"<({'|'.join(map(re.escape, names))})(?=[\s>])", re.IGNORECASE)


def element_spans(text: str, names: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of every `<name ...>...</name>` element of these extension tags, found as
    MediaWiki's preprocessor finds them (one never closed, or `<name/>`, holds nothing)."""
    return _element_spans(text, _openers(names))


def _element_spans(text: str, openers: re.Pattern[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    # No ">" after this: every later tag stays open (searching for one each time is quadratic).
    last_gt = text.rfind(">")
    # Per tag, a position after which it is never closed: many unclosed tags stay linear.
    unclosed_from: dict[str, int] = {}
    while True:
        match = openers.search(text, pos)
        if match is None:
            return spans
        if match.group(0) == "<!--":
            close = text.find("-->", match.end())
            # An unclosed HTML comment hides the rest of the page, as in MediaWiki.
            end = len(text) if close < 0 else close + 3
        else:
            pos = match.end()
            gt = text.find(">", match.end()) if match.end() <= last_gt else -1
            if gt < 0 or text[gt - 1] == "/":
                continue  # not a tag, or an empty one: nothing to hide
            tag = match.group(1).lower()
            found = None
            if gt + 1 < unclosed_from.get(tag, len(text) + 1):
                closer = re.compile(rf"</{re.escape(tag)}\s*>", re.IGNORECASE)
                found = closer.search(text, gt + 1)
                if found is None:
                    unclosed_from[tag] = gt + 1
            if found is None:
                # An unclosed extension tag renders as literal text; the rest is parsed normally.
                pos = gt + 1
                continue
            end = found.end()
        spans.append((match.start(), end))
        pos = end


def mask_lines(
    text: str, lines: list[str], spans: list[tuple[int, int]] | None = None
) -> list[str]:
    """mask(text, spans).split("\n") for `lines`, text.split("\n"): a line no span touches is
    the same string as in `lines` (a large page is not held twice)."""
    if spans is None:
        spans = masked_spans(text)
    masked = list(lines)
    counted, line = 0, 0  # lines before offset `counted`
    k = 0
    def line_end(position: int) -> int:
        found = text.find("\n", position)
        return len(text) if found < 0 else found

    while k < len(spans):
        # A block of whole lines holding spans that share lines, masked as one piece.
        begin = text.rfind("\n", 0, spans[k][0]) + 1
        finish = line_end(max(spans[k][1] - 1, spans[k][0]))
        group = [spans[k]]
        k += 1
        while k < len(spans) and spans[k][0] <= finish:
            group.append(spans[k])
            finish = line_end(max(spans[k][1] - 1, spans[k][0], finish))
            k += 1
        line += text.count("\n", counted, begin)
        counted = begin
        piece = mask(text[begin:finish], [(a - begin, b - begin) for a, b in group])
        pieces = piece.split("\n")
        masked[line : line + len(pieces)] = pieces
    return masked


def mask(text: str, spans: list[tuple[int, int]] | None = None) -> str:
    """The text with masked regions (`spans`, else masked_spans(text)) replaced by spaces
    (newlines kept)."""
    if spans is None:
        spans = masked_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in spans:
        parts.append(text[pos:start])
        parts.append(_blank(text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)
