"""Headings of a page and the anchors MediaWiki gives them.

A heading is a whole line `== title ==` (levels 1-6, unbalanced equals signs handled as MediaWiki
does); its anchor is the rendered title with spaces as underscores, duplicates numbered `_2`, `_3`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import quote

import mwparserfromhell

_HEADING = re.compile(r"^(={1,6})(.+?)(={1,6})[ \t]*$")


@dataclass(frozen=True)
class Heading:
    level: int
    raw_title: str  # the wikitext between the equals signs, stripped
    line: int  # 1-based


@dataclass(frozen=True)
class Section:
    title: str  # plain text, as a reader sees it
    level: int
    anchor: str
    line: int
    raw_title: str
    legacy_anchor: str


def parse_heading(masked_line: str, raw_line: str | None = None) -> tuple[int, str] | None:
    """(level, raw title) if the masked line is a heading line.

    The title is taken from `raw_line` (same length, unmasked) when given, so that text inside
    <nowiki> in a heading is kept.
    """
    match = _HEADING.match(masked_line)
    if match is None:
        return None
    lead, trail = match.group(1), match.group(3)
    level = min(len(lead), len(trail))
    # MediaWiki keeps surplus equals signs as part of the title.
    start, end = match.start(2) - (len(lead) - level), match.end(2) + (len(trail) - level)
    if not masked_line[start:end].strip():
        return None
    return level, (raw_line if raw_line is not None else masked_line)[start:end].strip()


def plain_title(raw_title: str) -> str:
    """The heading title as plain text: links shown by their label, formatting and tags dropped."""
    if not any(c in raw_title for c in "[{'<&"):
        return re.sub(r"\s+", " ", raw_title).strip()
    # nowiki content is shown as written: hide it from the parser as character references.
    raw_title = re.sub(
        r"(?is)<nowiki>(.*?)</nowiki>",
        lambda m: "".join(f"&#{ord(c)};" for c in m.group(1)),
        raw_title,
    )
    code = mwparserfromhell.parse(raw_title)
    text = code.strip_code(normalize=True, collapse=True, keep_template_params=False)
    text = re.sub(r"<[^<>]*>", "", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def anchor_of(title: str) -> str:
    """MediaWiki's HTML5 fragment for a plain title."""
    return re.sub(r"[ _]+", "_", title.strip())


def legacy_anchor_of(anchor: str) -> str:
    """The pre-HTML5 ("legacy") fragment encoding, e.g. `?` -> `.3F`."""
    return quote(anchor, safe="-_.:").replace("~", "%7E").replace("%", ".")


def unique_anchors(anchors: list[str]) -> list[str]:
    """Number duplicate anchors as MediaWiki's Parser::finalizeHeadings does: `A`, `A_2`, `A_3`."""
    refers: set[str] = set()
    next_suffix: dict[str, int] = {}  # where the search for a free `_N` resumes, per anchor
    result = []
    for anchor in anchors:
        key = anchor.lower()
        if key in refers:
            i = next_suffix.get(key, 2)
            while f"{key}_{i}" in refers:
                i += 1
            next_suffix[key] = i + 1
            refers.add(f"{key}_{i}")
            result.append(f"{anchor}_{i}")
        else:
            refers.add(key)
            result.append(anchor)
    return result


def build_sections(headings: list[Heading]) -> list[Section]:
    titles = [plain_title(h.raw_title) for h in headings]
    anchors = unique_anchors([anchor_of(t) for t in titles])
    return [
        Section(
            title=t, level=h.level, anchor=a, line=h.line, raw_title=h.raw_title,
            legacy_anchor=legacy_anchor_of(a),
        )
        for h, t, a in zip(headings, titles, anchors, strict=True)
    ]
