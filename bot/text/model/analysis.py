"""The model of a consultation page: sections, comments, signatures and placeholder prompts.

analyze() reads wikitext only. In each section, text before the first prompt or first signed
comment is the organizers' question text; after it, lines group into comments that end at a
signature. Ambiguous groupings stay together: a wrong unsigned tag is worse than a missed one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from bot.text.model.boxes import find_boxes
from bot.text.model.masking import mask_lines, masked_spans
from bot.text.model.memory import collector_paused, keeping
from bot.text.model.profile import ENGLISH, SiteProfile
from bot.text.model.prompts import DEFAULT_PROMPT_PHRASES, PromptMatch, match_prompt
from bot.text.model.sections import Heading, Section, build_sections, parse_heading
from bot.text.model.signatures import Signature, find_signature

_LIST_PREFIX = re.compile(r"^[*#:;]*")

SIGNED, UNSIGNED, UNDATED, TAGGED = "signed", "unsigned", "undated", "tagged"

# What a masked line holds (its prompt, its signature) is a function of the line, the profile
# and the phrases, kept for the next analysis (bot.text.model.memory).
_READINGS = 100_000


@dataclass(frozen=True, slots=True)  # many per page
class Comment:
    section: str | None  # plain title of the nearest heading above; None before the first
    section_index: int | None  # index into Analysis.sections
    line: int  # 1-based, first line
    end_line: int  # 1-based, last line (the signature line when signed)
    indent: int  # list markers in front of the first line
    author: str | None
    timestamp: datetime | None
    status: str  # signed | unsigned | undated | tagged
    placeholder: bool  # typed into a prompt line
    text: str  # the comment's wikitext, signature included
    residue: str | None = None  # prompt text left behind in a filled prompt
    # What the page history adds (bot.text.history.contributions); offline, the defaults.
    revid: int | None = None  # the edit that wrote it
    anon: bool = False  # written by an IP editor
    by_edit: bool = False  # signed by its edit, with the signature on another line
    doubt: str | None = None  # why the history cannot tell who wrote it (never tagged)
    signature_gap: int | None = None  # see Signature.gap


@dataclass(frozen=True, slots=True)  # many per page
class Placeholder:
    section: str | None
    section_index: int | None
    line: int
    filled: bool
    residue: str


@dataclass(frozen=True)
class Analysis:
    text: str
    sections: tuple[Section, ...]
    comments: tuple[Comment, ...]
    placeholders: tuple[Placeholder, ...]
    # 1-based inclusive line ranges of question text written by organizers, per section.
    organizer_ranges: tuple[tuple[int, int], ...] = field(default=())
    # 1-based inclusive line ranges of collapsible boxes (their lines are no comments).
    boxes: tuple[tuple[int, int], ...] = field(default=())

    def comments_in(self, section_index: int | None) -> list[Comment]:
        return [c for c in self.comments if c.section_index == section_index]


@dataclass
class _Pending:
    lines: list[int]
    prefix: str
    prompt: PromptMatch | None


def list_prefix(line: str) -> str:
    match = _LIST_PREFIX.match(line)
    return match.group(0) if match else ""


def continues(first: str, prefix: str) -> bool:
    """Whether a line with list markers `prefix` continues a comment begun with `first`.

    A deeper line does (a reply or a paragraph of the same comment; the history tells them
    apart). So does the next paragraph of a bullet item, written with `:` in place of the bullet
    (`:*` then `::`, `*` then `:`). Another item at the same or a shallower level does not.
    """
    if len(prefix) > len(first):
        return True
    return (
        len(prefix) == len(first) and first[-1:] in ("*", "#")
        and prefix == first[:-1] + ":"
    )


@collector_paused()
def analyze(
    text: str,
    profile: SiteProfile = ENGLISH,
    prompt_phrases: tuple[str, ...] = DEFAULT_PROMPT_PHRASES,
) -> Analysis:
    """Build the model of a page. Works on any string; never raises for odd wikitext."""
    raw_lines = text.split("\n")
    spans = masked_spans(text)
    masked_lines = mask_lines(text, raw_lines, spans)
    headings: list[Heading] = []
    for number, line in enumerate(masked_lines, start=1):
        parsed = parse_heading(line, raw_lines[number - 1])
        if parsed is not None:
            headings.append(Heading(parsed[0], parsed[1], number))
    sections = build_sections(headings)

    in_box = [False] * len(raw_lines)
    # HTML comments are gone before MediaWiki reads tags: `</d<!-- -->iv>` closes a box.
    boxes = find_boxes(
        masked_lines, [(a, b) for a, b in spans if text.startswith("<!--", a)],
        text if not spans else None,  # unmasked, the text is its own masked text
    )
    for box in boxes:
        for i in range(box.start, box.end + 1):
            in_box[i] = True

    # Segments: (section index, first body line index, end index exclusive), 0-based lines.
    bounds = [h.line - 1 for h in headings] + [len(raw_lines)]
    segments: list[tuple[int | None, int, int]] = [(None, 0, bounds[0])]
    segments += [(k, bounds[k] + 1, bounds[k + 1]) for k in range(len(headings))]

    comments: list[Comment] = []
    placeholders: list[Placeholder] = []
    organizer: list[tuple[int, int]] = []
    for index, start, end in segments:
        title = sections[index].title if index is not None else None
        _Segment(
            raw_lines=raw_lines, masked_lines=masked_lines, in_box=in_box, profile=profile,
            prompt_phrases=prompt_phrases, title=title, index=index, comments=comments,
            placeholders=placeholders, organizer=organizer,
        ).read(start, end)
    return Analysis(
        text, tuple(sections), tuple(comments), tuple(placeholders), tuple(organizer),
        tuple((box.start + 1, box.end + 1) for box in boxes),
    )


@lru_cache(maxsize=8)
def _readings(
    profile: SiteProfile, prompt_phrases: tuple[str, ...]
) -> dict[str, tuple[PromptMatch | None, Signature | None]]:
    return {}


def read_line(
    line: str, profile: SiteProfile, prompt_phrases: tuple[str, ...]
) -> tuple[PromptMatch | None, Signature | None]:
    """The prompt and the signature on a masked line, as analyze() reads them (and kept for
    its next reading, while a page is read: see keeping())."""
    return _read_line(line, profile, prompt_phrases, _readings(profile, prompt_phrases),
                      keeping())


def _read_line(
    line: str, profile: SiteProfile, prompt_phrases: tuple[str, ...],
    known: dict[str, tuple[PromptMatch | None, Signature | None]], keep: bool,
) -> tuple[PromptMatch | None, Signature | None]:
    """read_line, given the readings kept for this profile and phrases, and keeping()."""
    found = known.get(line)
    if found is None:
        found = (match_prompt(line, prompt_phrases), find_signature(line, profile))
        if keep:
            if len(known) >= _READINGS:
                known.clear()  # a page of endless distinct lines must not grow it without end
            known[line] = found
    return found


class _Segment:
    """Reads the body of one section into comments and placeholders."""

    def __init__(
        self, *, raw_lines: list[str], masked_lines: list[str], in_box: list[bool],
        profile: SiteProfile, prompt_phrases: tuple[str, ...], title: str | None,
        index: int | None, comments: list[Comment], placeholders: list[Placeholder],
        organizer: list[tuple[int, int]],
    ) -> None:
        self.raw, self.masked, self.in_box = raw_lines, masked_lines, in_box
        self.profile, self.phrases = profile, prompt_phrases
        self.title, self.index = title, index
        self.comments, self.placeholders, self.organizer = comments, placeholders, organizer

    def read(self, start: int, end: int) -> None:
        prompts: dict[int, PromptMatch] = {}
        signatures: dict[int, Signature] = {}
        known, keep = _readings(self.profile, self.phrases), keeping()
        for i in range(start, end):
            if self.in_box[i] or not self.masked[i].strip():
                continue
            prompt, signature = _read_line(self.masked[i], self.profile, self.phrases, known, keep)
            if prompt is not None:
                prompts[i] = prompt
            if signature is not None:
                signatures[i] = signature
        participants_from = self._organizer_end(start, end, prompts, signatures)
        if participants_from > start:
            self.organizer.append((start + 1, participants_from))
        pending: _Pending | None = None
        for i in range(participants_from, end):
            masked = self.masked[i]
            if self.in_box[i]:
                pending = self._close(pending, None)
                continue
            if not masked.strip():
                continue
            prompt = prompts.get(i)
            prefix = list_prefix(masked)
            if prompt is not None:
                self.placeholders.append(
                    Placeholder(self.title, self.index, i + 1, prompt.filled, prompt.residue)
                )
                pending = self._close(pending, None)
                if not prompt.filled:
                    continue
                pending = _Pending([i], prefix, prompt)
            elif pending is None:
                pending = _Pending([i], prefix, None)
            elif pending.prefix and not continues(pending.prefix, prefix):
                # A new list item at the same or a shallower level starts another comment.
                pending = self._close(pending, None)
                pending = _Pending([i], prefix, None)
            else:
                pending.lines.append(i)
            signature = signatures.get(i)
            if signature is not None:
                pending = self._close(pending, signature)
        self._close(pending, None)

    def _organizer_end(
        self, start: int, end: int, prompts: dict[int, PromptMatch],
        signatures: dict[int, Signature],
    ) -> int:
        """The first line index of participant space: the first prompt or first comment."""
        first = end
        if prompts:
            first = min(prompts)
        if signatures:
            signed = min(signatures)
            # A signed paragraph may begin on earlier lines of the same paragraph. A list item is
            # one line, so list items above the first signed one stay question text (the
            # organizers' "Some of the ideas we have" lists).
            while (
                signed - 1 >= start
                and self.masked[signed - 1].strip()
                and not self.in_box[signed - 1]
                and signed - 1 not in prompts
                and signed - 1 not in signatures
                and parse_heading(self.masked[signed - 1]) is None
                and self._same_comment(signed - 1, signed)
            ):
                signed -= 1
            first = min(first, signed)
        return first

    def _same_comment(self, above: int, below: int) -> bool:
        """Whether line `above` begins the signed comment that goes on at `below`: lines of one
        paragraph, or a bullet item and its next paragraph (`:*` then `::`)."""
        first, then = list_prefix(self.masked[above]), list_prefix(self.masked[below])
        if not first and not then:
            return True
        return bool(first) and len(then) == len(first) and continues(first, then)

    def _close(self, pending: _Pending | None, signature: Signature | None) -> None:
        if pending is None:
            return None
        first, last = pending.lines[0], pending.lines[-1]
        gap = None
        if signature is None:
            status, author, when = UNSIGNED, None, None
        else:
            status, author, when = signature.status, signature.author, signature.timestamp
            gap = signature.gap
        self.comments.append(
            Comment(
                section=self.title,
                section_index=self.index,
                line=(line := first + 1),
                end_line=line if last == first else last + 1,
                indent=len(pending.prefix),  # list_prefix of the first line
                author=author,
                timestamp=when,
                status=status,
                placeholder=pending.prompt is not None,
                text="\n".join(self.raw[first : last + 1]),
                residue=pending.prompt.residue if pending.prompt else None,
                signature_gap=gap,
            )
        )
        return None


def format_timestamp(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None


def analysis_to_dict(analysis: Analysis) -> dict[str, object]:
    """The documented JSON shape of `consultation-bot analyze --json`."""
    return {name: list(items) for name, items in analysis_items(analysis)}


def analysis_items(analysis: Analysis) -> list[tuple[str, Iterator[dict[str, object]]]]:
    """analysis_to_dict's keys, each with its list's items made one at a time (for writing the
    JSON of a large page without holding all of it)."""
    return [
        ("sections", (
            {"title": s.title, "level": s.level, "anchor": s.anchor, "line": s.line}
            for s in analysis.sections
        )),
        ("comments", (
            {
                "section": c.section, "line": c.line, "end_line": c.end_line, "indent": c.indent,
                "author": c.author, "timestamp": format_timestamp(c.timestamp),
                "status": c.status, "placeholder": c.placeholder, "text": c.text,
                **({"residue": c.residue} if c.residue is not None else {}),
            }
            for c in analysis.comments
        )),
        ("placeholders", (
            {"section": p.section, "line": p.line, "filled": p.filled}
            for p in analysis.placeholders
        )),
    ]
