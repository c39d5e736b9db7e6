"""Headings of a page and the anchors MediaWiki gives them.

A heading is a whole line `== title ==` (levels 1-6, unbalanced equals signs handled as MediaWiki
does); its anchor is the rendered title with spaces as underscores, duplicates numbered `_2`, `_3`.
Titles and anchors follow what MediaWiki 1.39 renders, without expanding templates.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from mwparserfromhell.wikicode import Wikicode

_HEADING = re.compile(r"^(={1,6})(.+?)(={1,6})[ \t]*$")
# Titles with markup longer than this, or with more pieces of markup, are not rendered offline.
MAX_TITLE_LENGTH = 1_000
MAX_TITLE_MARKUP = 64

# English names and aliases, compared in lower case; other languages' names are not known here.
FILE_NAMESPACES = frozenset({"file", "image"})
CATEGORY_NAMESPACES = frozenset({"category"})

# Tags MediaWiki treats as markup (Sanitizer's HTML elements, parser and common extension tags);
# any other `<name>` is shown as text.
_TAG_NAMES = (
    "b bdi del i ins u font big small sub sup h1 h2 h3 h4 h5 h6 cite code em s strike strong tt"
    " var div center blockquote ol ul dl table caption pre ruby rb rp rt rtc p span abbr dfn kbd"
    " samp data time mark br wbr hr li dt dd meta link tr td th q bdo"
    " nowiki gallery indicator includeonly noinclude onlyinclude"
    " ref references templatestyles translate tvar languages math chem syntaxhighlight source poem"
)
_TAGS = frozenset(_TAG_NAMES.split())
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][^\t\n\v />\0]*)")
# Behaviour switches of MediaWiki core (the first group in any case, the others as written).
_SWITCH = re.compile(
    r"__(?:(?i:NOTOC|FORCETOC|TOC|NOEDITSECTION|NOGALLERY|NOCONTENTCONVERT|NOCC|NOTITLECONVERT"
    r"|NOTC)|NEWSECTIONLINK|NONEWSECTIONLINK|HIDDENCAT|EXPECTUNUSEDCATEGORY|INDEX|NOINDEX"
    r"|STATICREDIRECT)__"
)
_CHAR_REF = re.compile(r"&(?:[A-Za-z0-9]+|#[0-9]+|#[xX][0-9A-Fa-f]+);")
_FRAME = re.compile(r"thumb|thumbnail|frame|framed|enframed|(?:thumb|thumbnail)=.*")
_IMAGE_OPTION = re.compile(
    r"thumb|thumbnail|frame|framed|enframed|frameless|border|left|right|center|centre|none"
    r"|baseline|sub|super|sup|top|text-top|middle|bottom|text-bottom|upright|\d*(?:x\d*)?\s*px"
    r"|(?:alt|class|lang|link|page|thumb|thumbnail|upright)=.*|(?:page|upright) .*",
    re.DOTALL,
)
# What MediaWiki's title codec turns into underscores (and trims at the end of a fragment).
_TITLE_SPACES = re.compile("[ _\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_PHP_TRIM = " \t\n\r\0\x0b"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


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
    """The heading title as a reader sees it: links by their label, formatting and tags dropped.

    Follows MediaWiki's rendering: images show nothing (or their caption in a frame), category
    links nothing, `[[:X]]` shows `X`, behaviour switches vanish, unknown tags such as `<y>` stay
    as text, and character references are decoded only after tags are stripped. A title that
    cannot be rendered offline (see rendered_title) is shown as written.
    """
    rendered = rendered_title(raw_title)
    return rendered if rendered is not None else _as_written(raw_title)


# A page's titles are read again with every text the plan makes of it: the caches hold more
# titles than a large page has (8 MB: 1,300).
_TITLES = 16_384


@lru_cache(maxsize=_TITLES)
def rendered_title(raw_title: str) -> str | None:
    """plain_title, or None when the title is too long or too deeply nested to render offline.

    The parser's time grows with the square of the markup it gives up on (a title of `<div `
    repeated took seconds), and markup nested hundreds deep (`{{` a thousand times) is too deep
    for it: titles with more than MAX_TITLE_MARKUP characters or pieces of markup are not tried.
    """
    if not any(c in raw_title for c in "[{'<&_"):
        return _as_written(raw_title)
    markup = raw_title.count("<") + raw_title.count("{{") + raw_title.count("[[")
    if len(raw_title) > MAX_TITLE_LENGTH or markup > MAX_TITLE_MARKUP:
        return None
    try:
        return _rendered_title(raw_title)
    except RecursionError:
        return None


def _as_written(raw_title: str) -> str:
    return re.sub(" {2,}", " ", raw_title).strip(_PHP_TRIM)


def _rendered_title(raw_title: str) -> str:
    import mwparserfromhell  # only for titles with markup: a 6 MB import

    # nowiki content is shown as written: hide it from the parser as character references.
    text = re.sub(
        r"(?is)<nowiki>(.*?)</nowiki>",
        lambda m: "".join(f"&#{ord(c)};" for c in m.group(1)),
        raw_title,
    )
    text = _SWITCH.sub("", text)
    text = _TAG_NAME.sub(lambda m: m[0] if m[2].lower() in _TAGS else "&lt;" + m[0][1:], text)
    code = _render_links(mwparserfromhell.parse(text))
    text = code.strip_code(normalize=False, collapse=False, keep_template_params=False)
    text = re.sub(r"</?[A-Za-z][^<>]*>", "", text)
    text = _CHAR_REF.sub(lambda m: html.unescape(m[0]), text)
    return re.sub(" {2,}", " ", text).strip(_PHP_TRIM)


def _render_links(code: Wikicode) -> Wikicode:
    """Turn links that do not render as their label into plain links that strip to their text."""
    import mwparserfromhell

    for link in code.filter_wikilinks(recursive=True):
        title = str(link.title).strip()
        prefix = re.match(r"([^:]*):", title)
        namespace = re.sub(r"[\s_]+", " ", prefix[1]).strip().lower() if prefix else ""
        if title.startswith(":"):
            if link.text is None:
                link.title = title[1:]
        elif namespace in CATEGORY_NAMESPACES:
            link.title, link.text = "", None
        elif namespace in FILE_NAMESPACES:
            caption = _image_caption(link.text)
            link.title = _render_links(mwparserfromhell.parse(caption)) if caption else ""
            link.text = None
    return code


def _image_caption(params: Wikicode | None) -> str:
    """The caption an image link shows: its last non-option parameter, only in a frame."""
    from mwparserfromhell.nodes import Text

    parts = [""]
    for node in params.nodes if params is not None else []:
        if isinstance(node, Text):
            first, *more = node.value.split("|")
            parts[-1] += first
            parts.extend(more)
        else:
            parts[-1] += str(node)
    parts = [p.strip() for p in parts]
    if not any(_FRAME.fullmatch(p) for p in parts):
        return ""
    captions = [p for p in parts if not _IMAGE_OPTION.fullmatch(p)]
    return captions[-1] if captions else ""


@lru_cache(maxsize=_TITLES)
def anchor_of(title: str) -> str:
    """MediaWiki's HTML5 fragment for a plain title (Parser::finalizeHeadings, MediaWiki 1.39)."""
    text = re.sub(r"[ _]+", " ", title).strip(_PHP_TRIM)
    if "\ufffd" not in text:  # else the title codec rejects the text and it is kept as is
        text = re.sub("[\u200e\u200f\u202a-\u202e]+", "", text)
        text = _TITLE_SPACES.sub("_", text).rstrip("_")
    return re.sub(r"[\t\n\f\r ]", "_", text[:1024])


@lru_cache(maxsize=_TITLES)
def legacy_anchor_of(anchor: str) -> str:
    """The pre-HTML5 ("legacy") fragment encoding, e.g. `?` -> `.3F`."""
    return quote(anchor, safe="-_.:").replace("~", "%7E").replace("%", ".")


def anchor_key(anchor: str) -> str:
    """What MediaWiki compares to find duplicate ids: PHP strtolower, ASCII letters only."""
    return anchor.translate(_ASCII_LOWER)


def unique_anchors(anchors: list[str]) -> list[str]:
    """Number duplicate anchors as MediaWiki's Parser::finalizeHeadings does: `A`, `A_2`, `A_3`."""
    refers: set[str] = set()
    next_suffix: dict[str, int] = {}  # where the search for a free `_N` resumes, per anchor
    result = []
    for anchor in anchors:
        key = anchor_key(anchor)
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
