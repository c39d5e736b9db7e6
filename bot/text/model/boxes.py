"""Recognize collapsible question boxes, and read div and table tags as MediaWiki 1.39 does.

MediaWiki's Sanitizer splits the text at every `<` and reads a tag wherever a name has its `>`
before the next `<`, across lines if need be: `<div/>` opens a div (only void elements close
themselves) and `</div x>` closes one. Whether a stretch of a page closes every div it opens is
known offline only when no template, extension tag, list, table or block element can change
that; otherwise its balance is uncertain (PageTags.problem says why). A box ends where the div
nesting it opened is closed again; a heading ends an unclosed box, unless it stands right after
the line opening the box's toggle (the bot's boxes keep the question's heading there).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from bot.text.model.masking import element_spans
from bot.text.model.sections import parse_heading

BOX_START = re.compile(r"""^\s*<div\s+class\s*=\s*["'][^"']*\bmw-collapsible\b""", re.IGNORECASE)
# A toggle opening on its own line, as the bot's boxes do to hold the question's heading.
_TOGGLE_START = re.compile(
    r"""^\s*<div\s+class\s*=\s*["'][^"']*\bmw-collapsible-toggle\b""", re.IGNORECASE
)
# A line of nothing but anchors, as the bot (and organizers) put right above a box: it belongs to
# the box, so that the page model never reads it as someone's unsigned comment.
_ANCHOR_LINE = re.compile(
    r"""^\s*(?:(?:<span\s+id\s*=\s*"[^"\n]*"\s*>\s*</span\s*>|\{\{\s*anchors?\s*\|[^{}\n]*\}\})\s*)+$""",
    re.IGNORECASE,
)

# Sanitizer::internalRemoveHtmlTags (MediaWiki 1.39) reads the piece after each `<` as a tag when
# it matches ^(/?)([A-Za-z][^\t\n\v />\0]*+)([^>]*?)(/?>)([^<]*)$, where PCRE's \v is any of
# \n \x0b \x0c \r: the name ends at a blank, `/` or `>`, and the tag at the first `>`.
_TAG = re.compile(r"<(/?)([A-Za-z][^\t\n\x0b\x0c\r />\x00<]*+)([^<>]*)>")
# _TAG's matches whose name is div in any case: a match holds no "<" but its first, so each "<"
# begins the same match or none in both. (Not re.IGNORECASE: it lets "ı" and "İ" be "i".)
_DIV_TAG = re.compile(r"<(/?)[dD][iI][vV](?=[\t\n\x0b\x0c\r />\x00])[^<>]*>")
# Its HTML elements (getRecognizedTagData); any other name is text.
_ELEMENT_NAMES = (
    "b bdi del i ins u font big small sub sup h1 h2 h3 h4 h5 h6 cite code em s strike strong tt"
    " var div center blockquote ol ul dl table caption pre ruby rb rp rt rtc p span abbr dfn kbd"
    " samp data time mark br wbr hr li dt dd meta link tr td th q bdo"
)
_ELEMENTS = frozenset(_ELEMENT_NAMES.split())
# Elements whose end (written, or implied by MediaWiki's lists and tables) closes a div opened
# inside them, or whose scope a `</div>` cannot leave: with them, counting divs is not enough.
_BLOCK_NAMES = "blockquote center ul ol dl li dd dt h1 h2 h3 h4 h5 h6 table tr td th caption pre"
_BLOCKS = frozenset(_BLOCK_NAMES.split())
# Extension tags whose content is not page text where it stands (or is, on a wiki without the
# extension): a div inside one may count or not.
_EXTENSIONS = (
    "ref", "references", "gallery", "poem", "math", "chem", "ce", "score", "timeline", "graph",
    "imagemap", "inputbox", "templatedata", "mapframe", "maplink", "categorytree", "hiero",
    "charinsert", "indicator", "section", "templatestyles", "translate",
)
# The preprocessor drops these tags (or their content) before the Sanitizer reads the text.
_INCLUSION = re.compile(r"</?(?:includeonly|noinclude|onlyinclude)(?=[\s/>])", re.IGNORECASE)
# A `<` whose name a template or a tag could complete into div or table: `<{{x}}div>`,
# `<d<noinclude/>iv>`, `<div{{x}}>`.
_PARTIAL = re.compile(
    r"</?(?:(?:d(?:iv?)?|t(?:a(?:b(?:le?)?)?)?)?\{|(?:d(?:iv?)?|t(?:a(?:b(?:le?)?)?)?)<(?!!--))",
    re.IGNORECASE,
)
_BRACES = re.compile(r"\{\{|\}\}")
_LEFT = re.compile(r"\{[{|]")  # "{{" and "{|": see marks_of()
_RIGHT = re.compile(r"\}(?<=[}|]\})")  # the "}" of each "}}" (overlapping) and of each "|}"
_TABLE_LINE = re.compile(r"[ \t]*+(?::*+[ \t]*+(\{\|)|(\|\}))")


@dataclass(frozen=True)
class BoxSpan:
    start: int  # 0-based index of the first line
    end: int  # 0-based index of the last line (inclusive)


@dataclass(frozen=True)
class Tag:
    """A div or table tag as MediaWiki reads it; offsets are those of the page given."""

    name: str  # "div" or "table"
    closing: bool
    start: int
    end: int  # just after its `>`
    uncertain: str  # why its effect cannot be known offline, or ""


class PageTags:
    """The div and table tags of a (masked) page, and what makes their count uncertain.

    `hidden` are spans MediaWiki removes before it reads tags (HTML comments): they are taken out
    here too, so that `<d<!-- -->iv>` is a div, as it is on the wiki. What makes a tag uncertain
    is read on the first question about it (find_boxes asks only where the divs are).
    """

    def __init__(
        self, masked: str, hidden: Sequence[tuple[int, int]] = (), marks: Marks | None = None
    ) -> None:
        flat = _Flat(masked, hidden)
        self._original = flat.original
        self._flat: str | None = flat.text
        # The caller's marks_of(masked) are those of flat when nothing is hidden.
        self._marks = marks if flat.whole else None
        # Per div or table tag: name, closing, start and end in the page, and in flat, and
        # whether its attributes hold braces.
        self._found: list[tuple[str, bool, int, int, int, int, bool]] = []
        self._long: list[tuple[int, int]] = []  # tags of any HTML element that span lines
        self._blocks: list[int] = []  # offsets of block elements' tags (_BLOCKS)
        self._read(self._flat)
        self._starts = [found[2] for found in self._found]
        self._tags: list[Tag] | None = None
        self._doubts: list[tuple[int, str]] = []  # offsets where a tag may be made, and why

    # -- reading --------------------------------------------------------------------------------

    def _read(self, flat: str) -> None:
        for match in _TAG.finditer(flat):
            name = match.group(2).lower()
            if name not in _ELEMENTS:
                continue
            start, end = match.start(), match.end()
            if "\n" in match.group(0):
                self._long.append((self._original(start), self._original(end, end=True)))
            if name in _BLOCKS:
                self._blocks.append(self._original(start))
            if name not in ("div", "table"):
                continue
            attributes = match.group(3)
            self._found.append((
                name, bool(match.group(1)), self._original(start), self._original(end, end=True),
                start, end, "{{" in attributes or "}}" in attributes,
            ))

    @property
    def tags(self) -> list[Tag]:
        """The div and table tags, each with why its effect cannot be known offline, if so."""
        if self._tags is None:
            self._tags = self._uncertain()
        return self._tags

    def _uncertain(self) -> list[Tag]:
        flat = self._flat or ""
        self._flat = None  # read once: not held for longer
        tags: list[Tag] = []
        if self._found:
            tags = self._judged(flat)
        if "<" in flat:
            for match in _PARTIAL.finditer(flat):
                self._doubts.append((self._original(match.start()),
                                     "a div tag partly made by a template or another tag"))
            for match in _INCLUSION.finditer(flat):
                self._doubts.append((self._original(match.start()),
                                     "<noinclude>, <includeonly> or <onlyinclude>"))
            self._doubts.sort()
        return tags

    def _judged(self, flat: str) -> list[Tag]:
        marks = self._marks or marks_of(flat)
        contexts = _LineContexts(flat, marks.table_marks)
        templates = marks.templates
        in_extension = element_spans(flat, _EXTENSIONS)
        tags: list[Tag] = []
        table_depth = 0
        for name, closing, start, end, flat_start, flat_end, templated in self._found:
            k = bisect_right(in_extension, (flat_start, len(flat) + 1)) - 1
            if templates.before(flat_start):
                uncertain = f"a <{name}> in a template's parameters"
            elif k >= 0 and in_extension[k][0] < flat_start < in_extension[k][1]:
                uncertain = f"a <{name}> inside an extension tag such as <ref>"
            elif templated:
                uncertain = f"a template in a <{name}> tag"
            elif context := contexts.of(flat_start) or contexts.of(flat_end - 1):
                uncertain = f"a <{name}> {context}"
            elif table_depth and name == "div":
                uncertain = "a <div> inside a table"
            else:
                uncertain = ""
            if name == "table":
                table_depth = max(0, table_depth + (-1 if closing else 1))
            tags.append(Tag(name, closing, start, end, uncertain))
        return tags

    # -- questions --------------------------------------------------------------------------------

    def tags_within(self, start: int, end: int) -> list[Tag]:
        """The div and table tags that lie wholly between two offsets of the page."""
        first = bisect_left(self._starts, start)
        last = bisect_left(self._starts, end)
        return [tag for tag in self.tags[first:last] if tag.end <= end]

    def cuts(self, position: int) -> bool:
        """Whether a tag spanning lines runs across this offset (start of a line, say)."""
        k = bisect_left(self._long, (position, position)) - 1
        return k >= 0 and self._long[k][0] < position < self._long[k][1]

    def problem(self, start: int, end: int) -> str | None:
        """Why the text between two offsets might not close every div and table it opens (and
        close none opened before it) as MediaWiki renders it, or None when it surely does.

        The reason reads after "its intro": "opens a <div> it does not close", ...
        """
        if self.cuts(start) or self.cuts(end):
            return "has an HTML tag that runs across its first or last line"
        tags = self.tags_within(start, end)  # reads the doubts too, on the first question
        k = bisect_left(self._doubts, (start, ""))
        if k < len(self._doubts) and self._doubts[k][0] < end:
            return f"has {self._doubts[k][1]}"
        for tag in tags:
            if tag.uncertain:
                return f"has {tag.uncertain}, which may count or not on the wiki"
        divs = [tag for tag in tags if tag.name == "div"]
        if divs and bisect_left(self._blocks, start) < bisect_left(self._blocks, end):
            return "has divs together with lists, tables, headings or <blockquote>"
        for name in ("div", "table"):
            depth = 0
            for tag in tags:
                if tag.name == name:
                    depth += -1 if tag.closing else 1
                    if depth < 0:
                        return f"closes a <{name}> it did not open"
            if depth > 0:
                return f"opens a <{name}> it does not close"
        return None

    def div_deltas(self, line_starts: Sequence[int]) -> list[int]:
        """Per line, opening minus closing divs: an opening tag counts on its first line, a
        closing one on its last, so that a box spans every line a tag of it touches."""
        deltas = [0] * len(line_starts)
        for name, closing, start, end, *_ in self._found:
            if name == "div":
                at = end - 1 if closing else start
                deltas[bisect_right(line_starts, at) - 1] += -1 if closing else 1
        return deltas


class _Flat:
    """A masked page with its hidden spans (HTML comments) taken out, as MediaWiki reads tags,
    and the page's offset of each of its offsets."""

    def __init__(self, masked: str, hidden: Sequence[tuple[int, int]]) -> None:
        self._pieces: list[tuple[int, int]] = []  # (offset in flat, offset in masked)
        parts, position, flat_length = [], 0, 0
        for start, end in sorted(hidden):
            if start < position:
                continue
            self._pieces.append((flat_length, position))
            parts.append(masked[position:start])
            flat_length += start - position
            position = end
        self._pieces.append((flat_length, position))
        parts.append(masked[position:])
        self.whole = len(self._pieces) == 1  # nothing hidden: the same text and offsets
        self.text = masked if self.whole else "".join(parts)
        self._flat_starts = [f for f, _ in self._pieces]

    def original(self, flat_position: int, end: bool = False) -> int:
        """The page's offset of an offset of the flat text (`end`: of the end of something)."""
        if self.whole:
            return flat_position
        k = bisect_right(self._flat_starts, flat_position - 1 if end else flat_position) - 1
        flat_start, start = self._pieces[max(k, 0)]
        return start + flat_position - flat_start


def div_deltas(
    masked: str, hidden: Sequence[tuple[int, int]], line_starts: Sequence[int]
) -> list[int]:
    """PageTags(masked, hidden).div_deltas(line_starts), from the div tags alone."""
    flat = _Flat(masked, hidden)
    deltas = [0] * len(line_starts)
    for match in _DIV_TAG.finditer(flat.text):
        if match.group(1):
            at = flat.original(match.end(), end=True) - 1
            deltas[bisect_right(line_starts, at) - 1] -= 1
        else:
            deltas[bisect_right(line_starts, flat.original(match.start())) - 1] += 1
    return deltas


class Nesting:
    """How many things are open before an offset of a text, given where each opens and closes
    (offsets in any order): a closer with nothing open is literal text and counts for nothing."""

    def __init__(self, opens: list[int], closes: list[int]) -> None:
        self.offsets: list[int] = []
        self.depths: list[int] = []  # how many are open after the step at each offset
        depth = 0
        # At one offset, an opener comes before a closer.
        for at, closer in sorted([(at, False) for at in opens] + [(at, True) for at in closes]):
            if not closer:
                depth += 1
            elif depth:
                depth -= 1
            self.offsets.append(at)
            self.depths.append(depth)

    def before(self, offset: int) -> int:
        k = bisect_left(self.offsets, offset)
        return self.depths[k - 1] if k else 0


@dataclass(frozen=True)
class Marks:
    """Where a text has "{{" and "}}" (as _BRACES.finditer finds them) and "{|" or "|}" (each
    one, in order): found once for all the readers of a page."""

    brace_opens: list[int]
    brace_closes: list[int]
    table_marks: list[int]

    @cached_property
    def templates(self) -> Nesting:
        """How many templates are open before an offset, "{{" and "}}" as found here."""
        return Nesting(self.brace_opens, self.brace_closes)


def marks_of(text: str) -> Marks:
    # Each pattern starts with one literal character, which the regex engine looks for alone
    # (str.find of two characters, or a pattern of several beginnings, is slower on a text with
    # characters above Latin-1). "{{" and "}}" share no character, and neither "{|" nor "|}"
    # can overlap itself. A "{|" is missed by _LEFT only where the "{{" before it took its "{".
    lefts = [(m.start(), m[0]) for m in _LEFT.finditer(text)]
    opens = [at for at, found in lefts if found == "{{"]
    table_marks = [at for at, found in lefts if found == "{|"]
    table_marks += [at + 1 for at in opens if text.startswith("|", at + 2)]
    closes, end = [], -1
    for match in _RIGHT.finditer(text):
        at = match.start() - 1
        if text[at] == "|":
            table_marks.append(at)
        elif at >= end:  # "}}" as found from the left, without overlapping
            closes.append(at)
            end = at + 2
    return Marks(opens, closes, sorted(table_marks))


class _LineContexts:
    """Where MediaWiki's block pass or its tables put what a line holds, when that may close a
    div opened on it ("on a list line", ...), or "" for a plain line; asked line by line, in
    the order of the text (any other order works, with more scanning)."""

    def __init__(self, flat: str, table_marks: list[int]) -> None:
        self.flat = flat
        # The lines _TABLE_LINE matches hold "{|" or "|}": only those lines are read for it.
        self._read, self._line = 0, 0  # the start of the line holding offset _read
        candidates = sorted({self._line_start(at) for at in table_marks})
        self._read, self._line = 0, 0
        self.table_lines: list[int] = []  # where lines that open or close a table start
        self.tables_after: list[int] = []  # tables open after each of them
        tables = 0
        for start in candidates:
            end = flat.find("\n", start)
            table = _TABLE_LINE.match(flat, start, len(flat) if end < 0 else end)
            if table is not None:
                tables = tables + 1 if table.group(1) else max(0, tables - 1)
                self.table_lines.append(start)
                self.tables_after.append(tables)

    def _line_start(self, position: int) -> int:
        """Where the line holding an offset starts; each character is read once when the
        offsets asked come in order."""
        if position >= self._read:
            found = self.flat.rfind("\n", self._read, position)
            line = found + 1 if found >= 0 else self._line
        else:
            line = self.flat.rfind("\n", 0, position) + 1
        self._read, self._line = position, line
        return line

    def of(self, position: int) -> str:
        """The context of the line holding an offset."""
        start = self._line_start(position)
        k = bisect_left(self.table_lines, start)
        if k < len(self.table_lines) and self.table_lines[k] == start:
            return "inside a table"
        if k and self.tables_after[k - 1]:
            return "inside a table"
        first = self.flat[start : start + 1]
        if first and first in "*#:;":
            return "on a list line"
        if first == " ":
            return "on a line starting with a space"
        return ""


def find_boxes(
    masked_lines: list[str], comments: Sequence[tuple[int, int]] = (), masked: str | None = None,
    tags: PageTags | None = None,
) -> list[BoxSpan]:
    """Every collapsible box, as line spans; an unbalanced box runs to the end of its section.

    Anchor-only lines right above a box are part of it. `comments` are the HTML comments' spans
    in the text (gone before MediaWiki reads tags, as in PageTags). `masked` is
    "\n".join(masked_lines), and `tags` PageTags(masked, comments), when the caller has them.
    """
    openings = [i for i, line in enumerate(masked_lines) if BOX_START.match(line)]
    if not openings:
        return []  # no box: the page's tags need not be read
    line_starts = [0, *accumulate(len(line) + 1 for line in masked_lines[:-1])]
    if masked is None:
        masked = "\n".join(masked_lines)
    if tags is None:
        deltas = div_deltas(masked, comments, line_starts)
    else:
        deltas = tags.div_deltas(line_starts)
    boxes: list[BoxSpan] = []
    for i in openings:
        if boxes and i <= boxes[-1].end:
            continue  # an opening inside the box before
        start = i
        floor = boxes[-1].end if boxes else -1
        while start - 1 > floor and _ANCHOR_LINE.match(masked_lines[start - 1]):
            start -= 1
        depth = 0
        end = i
        for j in range(i, len(masked_lines)):
            if j > i and parse_heading(masked_lines[j]) is not None and not _heading_in_toggle(
                masked_lines, deltas, j, i, depth
            ):
                break  # a heading ends an unclosed box
            depth += deltas[j]
            end = j
            if depth <= 0:
                break
        boxes.append(BoxSpan(start, end))
    return boxes


def _heading_in_toggle(
    masked_lines: list[str], deltas: list[int], j: int, start: int, depth: int
) -> bool:
    """Whether heading line j sits in the toggle that the line above opens, inside the box."""
    opens = bool(_TOGGLE_START.match(masked_lines[j - 1])) and deltas[j - 1] > 0
    return j - 1 >= start and depth >= 2 and opens
