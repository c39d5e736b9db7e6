"""Blank out wikitext that never renders as discussion: HTML comments, nowiki, pre and code tags.

The mask keeps every newline and the length of the text, so positions and line numbers found in
the masked text are valid in the original.
"""

from __future__ import annotations

import re

_OPENERS = re.compile(
    r"<!--|<(nowiki|pre|syntaxhighlight|source)(?:\s[^>]*)?(?<!/)>", re.IGNORECASE
)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def masked_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every region that MediaWiki shows literally or not at all."""
    spans: list[tuple[int, int]] = []
    pos = 0
    # Per tag, a position after which it is never closed: many unclosed tags stay linear.
    unclosed_from: dict[str, int] = {}
    while True:
        match = _OPENERS.search(text, pos)
        if match is None:
            return spans
        if match.group(0) == "<!--":
            close = text.find("-->", match.end())
            # An unclosed HTML comment hides the rest of the page, as in MediaWiki.
            end = len(text) if close < 0 else close + 3
        else:
            tag = match.group(1).lower()
            found = None
            if match.end() < unclosed_from.get(tag, len(text) + 1):
                closer = re.compile(rf"</{tag}\s*>", re.IGNORECASE)
                found = closer.search(text, match.end())
                if found is None:
                    unclosed_from[tag] = match.end()
            if found is None:
                # An unclosed extension tag renders as literal text; the rest is parsed normally.
                pos = match.end()
                continue
            end = found.end()
        spans.append((match.start(), end))
        pos = end


def mask(text: str) -> str:
    """The text with masked regions replaced by spaces (newlines kept)."""
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
