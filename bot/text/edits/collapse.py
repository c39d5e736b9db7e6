"""Fold question headings and their intros into collapsible boxes, and undo that exactly.

convert() folds the text under each chosen heading, up to the next heading, into a box rendered
from a template; marker comments on the box let unconvert() restore the page byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate, chain
from urllib.parse import unquote

import jinja2

from bot.errors import InputError
from bot.render import load, load_file
from bot.text.model.analysis import Analysis, analyze, list_prefix
from bot.text.model.boxes import BoxSpan, Marks, Nesting, PageTags, find_boxes, marks_of
from bot.text.model.masking import mask, mask_lines, masked_spans
from bot.text.model.memory import collector_paused
from bot.text.model.profile import ENGLISH, SiteProfile
from bot.text.model.prompts import DEFAULT_PROMPT_PHRASES
from bot.text.model.sections import (
    Section,
    anchor_key,
    anchor_of,
    legacy_anchor_of,
    parse_heading,
    rendered_title,
    unique_anchors,
)
from bot.text.model.signatures import find_signature

STYLES = ("replace-heading", "keep-heading")
TEMPLATE = "box.wikitext.j2"  # draws both styles: the `style` value says which

# The bot's box is `START\n` + template prefix + folded lines + template suffix + `END`. START
# records the replaced heading line (with `%`, `<`, `>` and control characters %-encoded, so that
# no title can end the comment), the lengths of prefix and suffix, and a digest of the three: a
# box whose frame someone edited by hand is left alone. A region holding MARKER_WORD anywhere is
# never folded, so page text cannot forge a marker inside a box the bot makes.
MARKER_WORD = "consultation-bot fold"
END_MARKER = "<!-- /consultation-bot fold -->"
_START_MARKER = re.compile(
    r"^<!-- consultation-bot fold(?:: (?P<heading>[^<>\n]+))? "
    r"\[1 (?P<prefix>\d+) (?P<suffix>\d+) (?P<digest>[0-9a-f]{8})\] -->\n",
    re.MULTILINE,
)
_MARKER_OPENING = f"<!-- {MARKER_WORD}"  # what every _START_MARKER match starts with
_ENCODE = re.compile(r"[%<>\x00-\x1f\x7f]")
# Same as sections._HEADING: where the title sits in a heading line.
_HEADING = re.compile(r"^(={1,6})(.+?)(={1,6})[ \t]*$")
# Nesting a box must not cut through: templates, tables, and extension tags spanning lines.
_NESTING = re.compile(
    r"(?P<brace>\{\{)|(?P<unbrace>\}\})|(?P<table>^[ \t:]*\{\|)|(?P<untable>^[ \t]*\|\})"
    r"|<(?P<slash>/?)(?P<tag>table|ref|references|gallery|poem|math|chem|score|timeline|graph"
    r"|imagemap|inputbox|templatedata|mapframe|categorytree|includeonly|noinclude|onlyinclude"
    r"|blockquote|center|span|small|big|font|ul|ol|dl|section)"
    r"\b[^<>]*?(?P<selfclosing>/?)>",
    re.IGNORECASE,
)
# _NESTING but for the alternatives anchored at a line's start, for a whole page at once: no
# match runs across a line's end, and a line where a table's edge can match is read alone. Each
# alternative starts with its literal character, outside any group, so that the regex engine
# looks only at "{", "}" and "<" (a group first makes it try every position: 3 times slower).
_NESTING_TAG_PATTERN = (
    r"<(?P<slash>/?)(?P<tag>table|ref|references|gallery|poem|math|chem|score|timeline|graph"
    r"|imagemap|inputbox|templatedata|mapframe|categorytree|includeonly|noinclude|onlyinclude"
    r"|blockquote|center|span|small|big|font|ul|ol|dl|section)"
    r"\b[^<>\n]*?(?P<selfclosing>/?)>"
)
_NESTING_INSIDE = re.compile(
    r"\{\{(?P<brace>)|\}\}(?P<unbrace>)|" + _NESTING_TAG_PATTERN, re.IGNORECASE
)
_NESTING_TAG = re.compile(_NESTING_TAG_PATTERN, re.IGNORECASE)  # _NESTING_INSIDE at a "<"
_TABLE_EDGE = re.compile(r"^(?:[ \t:]*\{\||[ \t]*\|\})", re.MULTILINE)
_SENTINEL = "\x00content\x00"
_COMMENT_LIKE = re.compile(r"[ \t]*[*#:;=]")
# What would be a div or table tag with a ">" before the next "<" (as the Sanitizer reads names).
_DIV_OR_TABLE = re.compile(r"</?(?:div|table)(?=[\t\n\x0b\x0c\r />\x00]|$)", re.IGNORECASE)
# A heading line with none of these is plain to the box check (_verdict_key), as _STAND_IN is.
_HEADING_MARKUP = re.compile(r"[<>{}\x00\n]")
_STAND_IN = "== Question =="
APPENDED_INSIDE = "its heading's line gets text appended (an unsigned tag), which a box would hide"
# Characters of background text above a question's comments or prompts worth a box of its own.
MIN_INTRO_ABOVE = 300


@dataclass(frozen=True)
class CollapseOptions:
    levels: tuple[int, ...] = (3,)
    title_pattern: str | None = None  # searched in the plain title
    style: str = "replace-heading"  # or "keep-heading"
    template: str | None = None  # path to an operator's own template file


@dataclass(frozen=True)
class Skip:
    """A question the bot would fold but must not: folding it could hide or break something."""

    title: str  # plain title
    reason: str  # for a report line: "not folded: <title>: <reason>"


@dataclass(frozen=True)
class Conversion:
    text: str
    folded: tuple[str, ...]  # plain titles of the questions folded by this call
    skipped: tuple[Skip, ...] = ()  # questions left unfolded, with why, in page order


@dataclass(frozen=True)
class _Heading:
    index: int  # 0-based line
    level: int
    title: str  # the wikitext between the equals signs, as written
    plain: str  # as a reader sees it; unlike the page model's, text in <nowiki> counts
    anchor: str  # the id MediaWiki gives it, numbered like MediaWiki does
    templated: bool  # a template in the title makes the id unknowable offline
    rendered: str | None = ""  # None: the title is too long or too deep to render offline


@dataclass(frozen=True)
class _Fold:
    first: int  # 0-based first line replaced (the heading's line in replace-heading style)
    last: int  # 0-based last line replaced, inclusive
    heading: _Heading
    line: str | None  # the whole heading line, when the box replaces it
    # The template's text before and after the folded lines (_chrome), once drawn.
    chrome: tuple[str, str] | None = field(default=None, compare=False)


def compile_title_pattern(pattern: str | None) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InputError(f"invalid title pattern {pattern!r}: {exc}") from None


@collector_paused()  # a page's reading makes many objects and no cycles: see memory.py
def convert(
    text: str,
    options: CollapseOptions = CollapseOptions(),
    profile: SiteProfile = ENGLISH,
    prompt_phrases: tuple[str, ...] = DEFAULT_PROMPT_PHRASES,
    keep: Iterable[int] = (),
    *,
    analysis: Analysis | None = None,
    appended: Mapping[int, str] | None = None,
) -> Conversion:
    """Fold every eligible heading's intro; returns the page unchanged when none is eligible.

    `keep` (1-based line numbers) are never folded: the lines the page history says a
    participant wrote (bot.text.history.contributions), whatever the page model calls them.
    `analysis` is analyze() of `text` with this profile and these phrases, when the caller has
    it (another text's is not used). `appended` maps lines to text the result adds at their
    ends (the plan's unsigned tags, bot.text.edits.tagging): the folds are chosen on `text`,
    and a line with text appended is kept like `keep`'s, so the result is the appended text
    folded, with no second reading of the page.
    """
    if options.style not in STYLES:
        raise InputError(f"collapse style: expected one of {', '.join(STYLES)}")
    if not options.levels or any(not 1 <= n <= 6 for n in options.levels):
        raise InputError("collapse levels: levels are 1 to 6")
    pattern = compile_title_pattern(options.title_pattern)
    if analysis is None or analysis.text != text:
        analysis = analyze(text, profile, prompt_phrases)
    appended = {n: suffix for n, suffix in (appended or {}).items() if suffix}
    page = _Page(text, analysis, profile, chain(keep, appended))
    folds: list[_Fold] = []
    skips: list[tuple[int, Skip]] = []
    for k in range(len(page.headings)):
        fold = page.fold_for(k, options, pattern)
        if isinstance(fold, _Fold):
            folds.append(fold)
        elif isinstance(fold, Skip):
            skips.append((page.headings[k].index, fold))
    if appended:
        # Kept lines are never folded, but a heading's line is no intro: a box replacing one
        # must not swallow what is appended to it.
        ends = sorted(appended)
        for fold in [f for f in folds if _holds_any(ends, f.first + 1, f.last + 1)]:
            folds.remove(fold)
            skips.append((fold.heading.index, Skip(fold.heading.plain, APPENDED_INSIDE)))
    if options.style == "replace-heading":
        kept = _without_anchor_clashes(folds, page.headings, options)
        kept_at = {f.heading.index for f in kept}
        skips += [
            (f.heading.index, Skip(f.heading.plain, "another heading has the same anchor, and "
                                   "replacing this one would change that one's links"))
            for f in folds if f.heading.index not in kept_at
        ]
        folds = kept
    skipped = tuple(skip for _, skip in sorted(skips, key=lambda pair: pair[0]))
    lines = list(page.lines)
    for number, suffix in appended.items():
        lines[number - 1] += suffix
    source = "\n".join(lines) if appended else text  # what the boxes must undo to
    if not folds:
        return Conversion(source, (), skipped)
    for fold in reversed(folds):
        lines[fold.first : fold.last + 1] = [_box(fold, page.lines, options)]
    result = "\n".join(lines)
    if not _unconverts_to(result, unconvert(source)):
        raise InputError(f"box template {_template_name(options)}: its boxes cannot be undone")
    return Conversion(result, tuple(fold.heading.plain for fold in folds), skipped)


def _holds_any(numbers: Sequence[int], first: int, last: int) -> bool:
    """Whether a sorted sequence holds a number from first to last."""
    k = bisect_left(numbers, first)
    return k < len(numbers) and numbers[k] <= last


def unconvert(text: str) -> str:
    """The page with every box the bot made turned back into the text it was made from."""
    return "".join(_unconverted(text))


def _unconverts_to(text: str, expected: str) -> bool:
    """unconvert(text) == expected, read piece by piece (a large page is not built twice)."""
    at = 0
    for piece in _unconverted(text):
        if not expected.startswith(piece, at):
            return False
        at += len(piece)
    return at == len(expected)


def _unconverted(text: str) -> Iterator[str]:
    """unconvert(text) in pieces, in order."""
    if _start_marker(text, 0) is None:
        yield text  # no box of the bot's (and the markers need not be found)
        return
    markers = _Markers(text)
    done = search = 0
    while (start := _start_marker(text, search)) is not None:
        end = markers.end_after(start.end())
        restored = markers.restore(start, end)
        if restored is None:
            search = start.end()
            continue
        yield text[done : start.start()]
        yield restored
        done = search = end + len(END_MARKER)
    yield text[done:]


def _start_marker(text: str, position: int) -> re.Match[str] | None:
    """_START_MARKER.search(text, position), tried only where its text starts (found by
    str.find): trying its `^` at every position is many times slower."""
    at = text.find(_MARKER_OPENING, position)
    while at >= 0:
        match = _START_MARKER.match(text, at)
        if match is not None:
            return match
        at = text.find(_MARKER_OPENING, at + 1)
    return None


class _Markers:
    """Where the marker comments and the marker word are on a page, found once.

    Searching onward from each start marker, or hashing what follows it, is quadratic on a page
    of many forged start markers; with the positions at hand each check is a bisection, and only
    a region free of the marker word is hashed, so each character is hashed a few times at most.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.span_starts = {start for start, _ in masked_spans(text)}
        self.ends = _occurrences(text, END_MARKER)
        self.words = _occurrences(text, MARKER_WORD)

    def end_after(self, position: int) -> int:
        """The first end marker at or after a position, or -1."""
        k = bisect_left(self.ends, position)
        return self.ends[k] if k < len(self.ends) else -1

    def _has_word(self, start: int, end: int) -> bool:
        k = bisect_left(self.words, start)
        return k < len(self.words) and self.words[k] + len(MARKER_WORD) <= end

    def restore(self, start: re.Match[str], end: int) -> str | None:
        """The original text of one marked box, or None if it is not intact."""
        # Markers inside <nowiki>, <pre> or another comment are examples, not boxes.
        if end < 0 or start.start() not in self.span_starts or end not in self.span_starts:
            return None
        if len(start["prefix"]) > 9 or len(start["suffix"]) > 9:
            return None  # no template is that long (and int() refuses thousands of digits)
        p, s, inner = int(start["prefix"]), int(start["suffix"]), start.end()
        if p + s > end - inner:
            return None
        # The template's text never holds the marker word (_chrome), and the content may not.
        if any(self._has_word(a, b) for a, b in
               ((inner, inner + p), (inner + p, end - s), (end - s, end))):
            return None
        heading = unquote(start["heading"]) if start["heading"] is not None else None
        prefix, suffix = self.text[inner : inner + p], self.text[end - s : end]
        if start["digest"] != _digest(heading, prefix, suffix):
            return None
        content = self.text[inner + p : end - s]
        return content if heading is None else f"{heading}\n{content}"


def _occurrences(text: str, word: str) -> list[int]:
    found, positions = text.find(word), []
    while found >= 0:
        positions.append(found)
        found = text.find(word, found + len(word))
    return positions


@lru_cache(maxsize=256)  # a page's boxes mostly share their frame
def _digest(heading: str | None, prefix: str, suffix: str) -> str:
    data = "\x00".join((heading or "", prefix, suffix)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:8]


def _encode(heading: str) -> str:
    return _ENCODE.sub(lambda m: f"%{ord(m.group(0)):02X}", heading)


class _Page:
    """What convert needs to know about each line of one page."""

    def __init__(
        self, text: str, analysis: Analysis, profile: SiteProfile, keep: Iterable[int] = ()
    ) -> None:
        self.text = text
        self.lines = text.split("\n")
        spans = masked_spans(text)
        masked = mask(text, spans)
        # masked.split("\n"), sharing the lines no span touches (all of them, often).
        self.masked = mask_lines(text, self.lines, spans) if spans else self.lines
        self.headings = _headings(self.lines, self.masked, analysis.sections)
        self.hidden = _HiddenSpans(text, self.lines, spans)
        marks = marks_of(masked)
        self.depth = _Depths(self.masked, masked, self.hidden.line_starts, marks)
        # HTML comments are gone before MediaWiki reads tags: `<d<!-- -->iv>` is a div.
        comments = [(a, b) for a, b in self.hidden.spans if text.startswith("<!--", a)]
        self.tags = PageTags(masked, comments, marks)
        self.swallowed = self.hidden.swallowed_lines(profile)
        self.chrome_checked: set[str] = set()  # styles whose box the template drew right
        self.drawing = _Drawing()
        self.taken: set[int] = set()  # lines of boxes, comments and prompts
        # A box stands for a heading folded before (by the bot or by hand), so it ends a region
        # as a heading does; the bot's marker line above a box belongs to it.
        self.box_starts: list[int] = []
        # The page model's boxes are find_boxes(self.masked, comments), 1-based.
        for first, last in analysis.boxes:
            box = BoxSpan(first - 1, last - 1)
            self.taken.update(range(box.start, box.end + 1))
            above = box.start - 1
            marked = above >= 0 and _START_MARKER.match(self.lines[above] + "\n") is not None
            self.box_starts.append(above if marked else box.start)
        self.taken.update(chain.from_iterable(
            range(comment.line - 1, comment.end_line) for comment in analysis.comments
        ))
        self.taken.update(p.line - 1 for p in analysis.placeholders)
        self.taken.update(_replies(self.masked))
        for comment in analysis.comments:
            # List items right above a comment are question text to the page model (an ideas
            # list), but may be unsigned comments too: they are not hidden either.
            i = comment.line - 2
            while i >= 0 and i not in self.taken and list_prefix(self.masked[i]).strip():
                self.taken.add(i)
                i -= 1
        self.taken.update(n - 1 for n in keep)
        self.taken_in_order = sorted(self.taken)

    def _first_taken(self, start: int, end: int) -> int | None:
        """The first line of `taken` from start to end (excluded), if any."""
        k = bisect_left(self.taken_in_order, start)
        if k < len(self.taken_in_order) and self.taken_in_order[k] < end:
            return self.taken_in_order[k]
        return None

    def fold_for(
        self, k: int, options: CollapseOptions, pattern: re.Pattern[str] | None
    ) -> _Fold | Skip | None:
        """The fold of the k-th heading; a Skip when it would be folded but for a risk; None
        when it is not to be folded (other level or title, nothing to hide, a discussion with
        little background above it, or a heading inside a template or table)."""
        heading = self.headings[k]
        if heading.level not in options.levels:
            return None
        if pattern is not None and not pattern.search(heading.plain):
            return None
        h = heading.index
        e = self.headings[k + 1].index if k + 1 < len(self.headings) else len(self.lines)
        next_box = bisect_right(self.box_starts, h)
        if next_box < len(self.box_starts):
            e = min(e, self.box_starts[next_box])
        replacing = options.style == "replace-heading"
        discussion = self._first_taken(h + 1, e)
        if discussion is not None:
            # Comments or prompts under the question: only the intro above them is folded, and
            # the heading stays, or the discussion would seem to belong to the question above.
            e, replacing = discussion, False
        if heading.templated:
            replacing = False  # its id cannot be known offline, so no anchor could replace it
        body = [i for i in range(h + 1, e) if self.lines[i].strip()]
        if not body:
            return None  # nothing to hide: a box would only take the heading away
        if discussion is not None and sum(len(self.lines[i]) for i in body) < MIN_INTRO_ABOVE:
            return None  # a line or two of question text is better left in view
        if self.depth[h] != 0:
            return None  # a heading inside a template, a table or a tag is left alone
        first, last = body[0], body[-1]
        reason = self._risk(h, h if replacing else first, last, e)
        if reason is None:
            reason = _title_risk(heading)
        if reason is not None:
            return Skip(heading.plain, reason)
        fold = _Fold(h if replacing else first, last, heading, self.lines[h] if replacing else None)
        return self._drawable(fold, options)

    def _risk(self, h: int, start: int, last: int, end: int) -> str | None:
        """Why lines start..last (start is h or the first body line) must not become a box."""
        starts = self.hidden.line_starts
        if self.depth[h + 1] != 0 or self.depth[last + 1] != 0:
            return "a template, table or tag runs across the end of its intro"
        if (
            self.hidden.cut_at(h + 1) or self.hidden.cut_at(start)
            or self.hidden.cut_at(last, end_of_line=True)
        ):
            return "an HTML comment or <nowiki> runs across the end of its intro"
        if self._first_taken(h + 1, end) is not None:
            return "its intro holds comments"  # cannot happen: the region ends at the first
        if not self.swallowed.isdisjoint(range(h + 1, last + 1)):
            # The page model reads nothing in <pre>, but the wiki shows it: a block opened in the
            # intro and closed further down may hold what participants wrote.
            return "its intro has a <pre> or <nowiki> block holding lines that look like comments"
        if self.text.find(MARKER_WORD, starts[h], starts[end] - 1) >= 0:  # in lines h..end-1
            return f"its intro holds the bot's marker text {MARKER_WORD!r}"
        if self.tags.cuts(starts[h]) or self.tags.cuts(starts[start]):
            return "an HTML tag runs across its heading"
        problem = self.tags.problem(starts[h + 1], starts[last + 1] - 1)
        return None if problem is None else f"its intro {problem}"

    def _drawable(self, fold: _Fold, options: CollapseOptions) -> _Fold | Skip:
        """The fold, or a Skip when its title would break the template's box."""
        style = "replace-heading" if fold.line is not None else "keep-heading"
        if style not in self.chrome_checked:
            _chrome(replace(fold, heading=replace(fold.heading, title="Question",
                                                  anchor="Question")), options, self.drawing)
            self.chrome_checked.add(style)
        try:
            chrome = _chrome(fold, options, self.drawing)
        except _BadBox:
            return Skip(fold.heading.plain, "its title would break the box's markup")
        return replace(fold, chrome=chrome)


def _title_risk(heading: _Heading) -> str | None:
    """Why a heading's title must not go into a box's toggle, or None."""
    if heading.rendered is None:
        return "its title is too long or nested too deep to render offline"
    if "<" not in heading.title:
        return None  # no tag, nor half of one
    masked = mask(heading.title)
    tags = PageTags(masked)
    fragments = len(_DIV_OR_TABLE.findall(masked))
    if fragments != len(tags.tags) or tags.problem(0, len(masked)) is not None:
        return "its title holds an unclosed or unbalanced <div> or <table> tag"
    return None


def _replies(masked: list[str]) -> set[int]:
    """Lines indented with `:`, the talk-page reply: maybe an unsigned reply in the intro.

    The page model reads them as question text when no prompt or signature comes before them,
    but hiding a reply is worse than leaving an intro unfolded. A `:` line under a `;` term is a
    definition list, the organizers' own.
    """
    replies: set[int] = set()
    in_definitions = False
    for i, line in enumerate(masked):
        first = line[:1]  # what the line's list markers start with, if it has any
        if first == ";":
            in_definitions = True
        elif first == ":":
            if not in_definitions:
                replies.add(i)
        else:
            in_definitions = False
    return replies


def _nesting_tokens(
    masked: list[str], text: str | None = None, starts: Sequence[int] | None = None
) -> list[tuple[int, re.Match[str]]]:
    """(line, match) of every _NESTING match of every line, in order: one scan of the page,
    and a scan of their own for the lines where a table's edge may start (there `^` decides
    which alternative wins). `text` is "\n".join(masked) and `starts` the offsets its lines
    start at (one more entry may follow), when the caller has them."""
    if text is None:
        text = "\n".join(masked)
    if starts is None:
        starts, offset = [], 0
        for line in masked:
            starts.append(offset)
            offset += len(line) + 1
    # The lines _TABLE_EDGE.finditer(text) matches on: each match holds "{|" or "|}", found
    # faster by str.find than by trying the pattern at every line start.
    edge_lines = set()
    for mark in ("{|", "|}"):
        at = text.find(mark)
        while at >= 0:
            number = bisect_right(starts, at) - 1
            if _TABLE_EDGE.match(text, starts[number]):
                edge_lines.add(number)
            at = text.find(mark, at + 1)
    edges = sorted(edge_lines)
    tokens = [
        (number, match) for match in _nesting_matches(text)
        if (number := bisect_right(starts, match.start()) - 1) not in edge_lines
    ]
    for number in edges:
        tokens += [(number, match) for match in _NESTING.finditer(masked[number])]
    if edges:
        tokens.sort(key=lambda token: token[0])  # stable: each line's matches stay in order
    return tokens


def _nesting_matches(text: str) -> list[re.Match[str]]:
    """list(_NESTING_INSIDE.finditer(text)), the pattern tried only where one of its matches
    can start ("{{", "}}" or "<", found by str.find): the regex engine's own scan for them is
    several times slower. As finditer, a match starts after the previous one ends."""
    candidates = []
    for mark in ("{{", "}}", "<"):
        at = text.find(mark)
        while at >= 0:
            candidates.append(at)
            at = text.find(mark, at + 1)
    candidates.sort()
    found, end = [], 0
    for at in candidates:
        if at < end:
            continue
        match = _NESTING_INSIDE.match(text, at)
        if match is not None:
            found.append(match)
            end = match.end()
    return found


def _nesting_depths(
    masked: list[str], text: str | None = None, starts: Sequence[int] | None = None
) -> list[int]:
    """Per line, the total nesting open where it starts (one more entry for the end).

    A tag counts only when closed further on: an unclosed <small> (in an old signature, say)
    is literal text to MediaWiki and must not keep every heading below it from folding.
    """
    steps: list[tuple[int, str, int]] = []  # (line, kind, +1 or -1)
    unclosed: dict[str, list[int]] = {}  # tag name -> indexes in steps of opens not yet closed
    for number, token in _nesting_tokens(masked, text, starts):
        kind = token.lastgroup or ""
        if token["tag"]:
            if token["selfclosing"]:
                continue
            name = token["tag"].lower()
            if not token["slash"]:
                unclosed.setdefault(name, []).append(len(steps))
                steps.append((number, "pending", 1))
            elif unclosed.get(name):  # a closer with no opener is literal text
                opened = unclosed[name].pop()
                steps[opened] = (steps[opened][0], "tag", 1)
                steps.append((number, "tag", -1))
            continue
        steps.append((number, kind.removeprefix("un"), -1 if kind.startswith("un") else 1))
    counts = {"brace": 0, "table": 0, "tag": 0}
    depths = [0] * (len(masked) + 1)
    total = 0  # sum(counts.values())
    line = 0  # depths[:line + 1] are filled
    for number, kind, step in steps:
        if number > line:
            depths[line + 1 : number + 1] = [total] * (number - line)
            line = number
        if kind in counts:  # opens never closed stay "pending" and count for nothing
            count = max(0, counts[kind] + step)  # a stray closer is literal text
            total += count - counts[kind]
            counts[kind] = count
    depths[line + 1 :] = [total] * (len(depths) - line - 1)
    return depths


class _Depths:
    """_nesting_depths(masked, text, starts)[line], for the few lines convert asks about.

    On a page with no table edge ("{|" or "|}" anywhere), each kind of nesting is counted for
    itself, at the offsets of its own marks: the templates at every "{{" and "}}" but those in a
    tag's attributes, the tags at the tags closed further on and their closers. _nesting_depths
    counts them the same, each kind on its own, in the same order.
    """

    def __init__(
        self, masked: list[str], text: str, starts: Sequence[int], marks: Marks | None = None
    ) -> None:
        self.starts = starts
        self.lines: list[int] | None = None
        if marks is None:
            marks = marks_of(text)
        if marks.table_marks:
            self.lines = _nesting_depths(masked, text, starts)
            return
        opens: list[int] = []  # tags closed further on
        closes: list[int] = []  # their closers
        unclosed: dict[str, list[int]] = {}
        braced: list[tuple[int, int]] = []  # tags whose attributes hold "{{" or "}}"
        # No tag holds a "<" but its first: finditer tries every "<", as _nesting_matches.
        for tag in _NESTING_TAG.finditer(text):
            if "{{" in tag[0] or "}}" in tag[0]:
                braced.append(tag.span())
            if not tag["selfclosing"]:
                name = tag["tag"].lower()
                if not tag["slash"]:
                    unclosed.setdefault(name, []).append(tag.start())
                elif unclosed.get(name):  # a closer with no opener is literal text
                    opens.append(unclosed[name].pop())
                    closes.append(tag.start())
        self.tags = Nesting(opens, closes)  # never closes more than it opened: no clamp
        self.templates = marks.templates
        if braced:  # rare: braces in a tag's attributes are no template
            tag_starts = [start for start, _ in braced]

            def outside(at: int) -> bool:
                k = bisect_right(tag_starts, at) - 1
                return k < 0 or at >= braced[k][1]

            self.templates = Nesting([at for at in marks.brace_opens if outside(at)],
                                     [at for at in marks.brace_closes if outside(at)])

    def __getitem__(self, line: int) -> int:
        if self.lines is not None:
            return self.lines[line]
        at = self.starts[line]
        return self.templates.before(at) + self.tags.before(at)


class _HiddenSpans:
    """Comments and nowiki-like spans, to keep a box from cutting through one."""

    def __init__(self, text: str, lines: list[str], spans: list[tuple[int, int]]) -> None:
        self.text = text
        self.spans = spans  # masked_spans(text)
        self.span_starts = [start for start, _ in self.spans]
        # Where each line starts, and one past the end, like a line after the last.
        self.line_starts = list(accumulate(map((1).__add__, map(len, lines)), initial=0))

    def swallowed_lines(self, profile: SiteProfile) -> set[int]:
        """Lines that start inside a <pre>, <nowiki> or code block (shown, but not read by the
        page model) and look like a comment, a reply, a list item or a heading."""
        lines = set()
        for start, end in self.spans:
            if self.text.startswith("<!--", start):
                continue  # a comment shows nothing
            first = bisect_right(self.line_starts, start)
            last = bisect_right(self.line_starts, end - 1) - 1
            for i in range(first, last + 1):
                line = self.text[self.line_starts[i] : self.line_starts[i + 1] - 1]
                if _COMMENT_LIKE.match(line) or find_signature(line, profile) is not None:
                    lines.add(i)
        return lines

    def cut_at(self, line: int, end_of_line: bool = False) -> bool:
        """Whether the start (or the end) of a line lies inside a span.

        An unclosed comment runs to the end of the page, so it also swallows anything put
        after the page's last line.
        """
        position = self.line_starts[line + 1] - 1 if end_of_line else self.line_starts[line]
        position = min(position, len(self.text))
        k = bisect_left(self.span_starts, position) - 1
        if k < 0:
            return False
        start, end = self.spans[k]
        unclosed = self.text.startswith("<!--", start) and not (
            end - start >= 7 and self.text.endswith("-->", 0, end)
        )
        return position < end or (position == end and unclosed)


def _headings(
    lines: list[str], masked: list[str], sections: Sequence[Section]
) -> list[_Heading]:
    found = []
    for section in sections:
        i = section.line - 1
        match = _HEADING.match(masked[i])
        if match is None:  # cannot happen: the page model found a heading here
            continue
        level = min(len(match.group(1)), len(match.group(3)))
        title_end = match.end(3) - level
        title = lines[i][level:title_end].strip()
        templated = "{{" in masked[i][level:title_end]
        rendered = rendered_title(title)
        plain = rendered if rendered is not None else " ".join(title.split(" ")).strip()
        found.append((i, level, title, plain, templated, rendered))
    plains = [plain for _, _, _, plain, _, _ in found]
    if plains == [section.title for section in sections]:
        # The page model's anchors: the same titles, numbered the same way.
        anchors = [section.anchor for section in sections]
    else:
        anchors = unique_anchors([anchor_of(plain) for plain in plains])
    return [
        _Heading(i, level, title, plain, anchor, templated, rendered)
        for (i, level, title, plain, templated, rendered), anchor
        in zip(found, anchors, strict=True)
    ]


def _without_anchor_clashes(
    folds: list[_Fold], headings: list[_Heading], options: CollapseOptions
) -> list[_Fold]:
    """Folds whose removed heading shares no anchor with a heading that stays.

    Removing `Q` in front of another `Q` would renumber that one's `#Q_2` to `#Q` and give two
    elements the same id, so such a heading stays a heading. A box that keeps the heading line
    in its toggle (the shipped template does) removes no heading.
    """
    kept = {fold.heading.index: fold for fold in folds}
    dropping = {i for i, fold in kept.items() if fold.line is not None and not _keeps_heading(
        fold, options
    )}
    if not dropping:
        return [kept[i] for i in sorted(kept)]
    keys = {h.index: _anchor_key(h) for h in headings}
    while True:
        removed = {i for i in kept if i in dropping}
        staying = {keys[h.index] for h in headings if h.index not in removed}
        clashes = [i for i in removed if keys[i] in staying]
        if not clashes:
            return [kept[i] for i in sorted(kept)]
        for i in clashes:
            del kept[i]


def _keeps_heading(fold: _Fold, options: CollapseOptions) -> bool:
    """Whether the box drawn for a replacing fold still has the heading line, on its own line."""
    prefix, _ = fold.chrome or _chrome(fold, options)
    return fold.line in prefix.split("\n")


def _anchor_key(heading: _Heading) -> str:
    return anchor_key(anchor_of(heading.plain))


def _anchors(heading: _Heading) -> tuple[str, ...]:
    """Ids for the spans that keep links to a removed heading working.

    A <span id> works on every wiki, while {{anchor}} shows a red link where Template:Anchor is
    missing. The id is escaped so that no title can end the attribute or expand anything in it
    (MediaWiki decodes the references). A heading with a template is never replaced.
    """
    if not heading.anchor:
        return ()
    ids = [heading.anchor]
    if legacy_anchor_of(heading.anchor) != heading.anchor:
        ids.append(legacy_anchor_of(heading.anchor))
    return tuple(re.sub(r"[&\"<>{}\[\]|~']", lambda m: f"&#{ord(m.group(0))};", i) for i in ids)


def _template_name(options: CollapseOptions) -> str:
    return options.template or TEMPLATE


class _Drawing:
    """What one convert call keeps of the boxes it draws: the template, loaded for the first
    box, and per box drawn whether it is one box closing every div it opens (a page's boxes
    mostly differ only in their heading line, or not at all): see _verdict_key."""

    def __init__(self) -> None:
        self.template: jinja2.Template | None = None
        self.verdicts: dict[str, bool] = {}


def _chrome(
    fold: _Fold, options: CollapseOptions, drawing: _Drawing | None = None
) -> tuple[str, str]:
    """The template's text before and after the folded lines."""
    # A fold that keeps its heading is drawn keep-heading whatever the page's style.
    style = "replace-heading" if fold.line is not None else "keep-heading"
    values = {
        "title": fold.heading.title,
        "level": fold.heading.level,
        "heading": fold.line,
        "anchors": _anchors(fold.heading) if fold.line is not None else (),
        "content": _SENTINEL,
        "style": style,
    }
    name = _template_name(options)
    try:
        if drawing is None:
            template = _load_template(options)
        elif drawing.template is None:
            template = drawing.template = _load_template(options)
        else:
            template = drawing.template
        out = template.render(**values)
    except (OSError, jinja2.TemplateError) as exc:
        raise InputError(f"box template {name}: {exc}") from None
    if out.count(_SENTINEL) != 1:
        raise _BadBox(f"box template {name}: must place {{{{ content }}}} exactly once")
    prefix, suffix = out.split(_SENTINEL)
    suffix = suffix.removesuffix("\n")  # the template file's own last line break
    if MARKER_WORD in prefix or MARKER_WORD in suffix:
        raise InputError(f"box template {name}: contains {MARKER_WORD!r}")
    sample = f"{prefix}Text.{suffix}"
    if drawing is None:
        one_box = _is_one_box(sample)
    else:
        key = _verdict_key(sample, fold.line)
        one_box = drawing.verdicts.get(key)
        if one_box is None:
            one_box = drawing.verdicts[key] = _is_one_box(sample)
    if not one_box:
        raise _BadBox(
            f"box template {name}: the box must be a "
            '<div class="mw-collapsible ..."> on its own lines, closing every div it opens'
        )
    return prefix, suffix


def _load_template(options: CollapseOptions) -> jinja2.Template:
    """The box template (loaded once a convert call)."""
    return load_file(options.template) if options.template else load(TEMPLATE)


def _is_one_box(sample: str) -> bool:
    """Whether the page model sees a drawn box (`Text.` for its content) as one whole box
    closing every div it opens: or it would read folded lines as comments."""
    masked = mask(sample)
    lines = masked.split("\n")
    tags = PageTags(masked)
    return (
        find_boxes(lines, masked=masked, tags=tags) == [BoxSpan(0, len(lines) - 1)]
        and tags.problem(0, len(masked)) is None
    )


def _verdict_key(sample: str, heading: str | None) -> str:
    """A drawn box's text, with every line that is its heading line, when that line is plain
    (_plain_heading_line), turned into _STAND_IN: boxes with the same key get the same verdict
    from _is_one_box.

    What _is_one_box reads of a line is: its "<", ">", "{" and "}" (the tags, comments,
    extension tags and templates, which may span lines), whether it starts with a blank, a list
    or table mark or "<div ...>" (block context, boxes), and whether it is a heading. A plain
    heading line has none of those characters and starts with "=", like _STAND_IN: swapping one
    for the other, line for line, changes only the lengths of lines and offsets, which no check
    counts.
    """
    if heading is None or heading not in sample or not _plain_heading_line(heading):
        return sample
    return "\n".join(_STAND_IN if line == heading else line for line in sample.split("\n"))


def _plain_heading_line(line: str) -> bool:
    return (
        line.startswith("=") and _HEADING_MARKUP.search(line) is None
        and parse_heading(line) is not None
    )


class _BadBox(InputError):
    """The template, drawn with one title, is not one box closing every div it opens. Drawn with
    a plain title, that is the template's fault; with a page's title only, the title's."""


def _box(fold: _Fold, lines: list[str], options: CollapseOptions) -> str:
    content_from = fold.first + 1 if fold.line is not None else fold.first
    content = "\n".join(lines[content_from : fold.last + 1])
    prefix, suffix = fold.chrome or _chrome(fold, options)
    heading = f": {_encode(fold.line)}" if fold.line is not None else ""
    digest = _digest(fold.line, prefix, suffix)
    start = f"<!-- {MARKER_WORD}{heading} [1 {len(prefix)} {len(suffix)} {digest}] -->"
    return f"{start}\n{prefix}{content}{suffix}{END_MARKER}"
