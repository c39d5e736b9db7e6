"""Edits of a consultation page, each a pure function of its current text.

A scenario step names its edit by what it touches (a question's title, a paragraph's token, an
exact line of the organizers' text), never by line numbers, so the same edit applies both to the
generator's mirror (signatures still `~~~~`) and to the text MediaWiki saved (signatures
expanded). MediaWiki drops trailing whitespace on save; so does every edit here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.corpus.text import PROMPT, TOKEN

_HEADING = re.compile(r"^(=+)[^=].*?\1\s*$")
_LIST = re.compile(r"^[*#:;]*")


class EditError(ValueError):
    """An edit does not fit the text (its anchor is missing or not unique)."""


def _find_token(lines: list[str], token: int) -> int:
    found = [i for i, line in enumerate(lines) if token in map(int, TOKEN.findall(line))]
    if len(found) != 1:
        raise EditError(f"proposal {token}: on {len(found)} lines")
    return found[0]


def _find_line(lines: list[str], line: str, question: str | None = None) -> int:
    """The line equal to `line` (in the question's section only, when one is named)."""
    start, end = _section(lines, question_heading(question)) if question else (0, len(lines))
    found = [i for i in range(start, end) if lines[i] == line]
    if len(found) != 1:
        raise EditError(f"{line[:60]!r}: on {len(found)} lines")
    return found[0]


def heading_level(line: str) -> int:
    match = _HEADING.match(line)
    return len(match.group(1)) if match else 0


def _section(lines: list[str], heading: str) -> tuple[int, int]:
    """The heading's line and the end (exclusive) of its section: the next heading."""
    start = _find_line(lines, heading)
    end = start + 1
    while end < len(lines) and not heading_level(lines[end]):
        end += 1
    return start, end


def _part(lines: list[str], heading: str) -> tuple[int, int]:
    """A level-2 heading's line and the end (exclusive) of its part: the next level-2 heading."""
    start = _find_line(lines, heading)
    end = start + 1
    while end < len(lines) and heading_level(lines[end]) != 2:
        end += 1
    return start, end


def _last_content(lines: list[str], start: int, end: int) -> int:
    last = end - 1
    while last > start and not lines[last].strip():
        last -= 1
    return last


def list_prefix(line: str) -> str:
    match = _LIST.match(line)
    return match.group(0) if match else ""


def question_heading(title: str) -> str:
    return f"=== {title} ==="


def part_heading(title: str) -> str:
    return f"== {title} =="


def _done(lines: list[str]) -> str:
    return "\n".join(lines).rstrip()


@dataclass(frozen=True)
class Opening:
    """The first revision: the whole page."""

    text: str

    def apply(self, text: str) -> str:
        if text:
            raise EditError("the page exists already")
        return self.text.rstrip()


@dataclass(frozen=True)
class AddToQuestion:
    """New lines at the end of a question's discussion."""

    question: str
    lines: tuple[str, ...]

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        start, end = _section(lines, question_heading(self.question))
        at = _last_content(lines, start, end) + 1
        lines[at:at] = self.lines
        return _done(lines)


@dataclass(frozen=True)
class InsertAfterToken:
    """New lines right below a paragraph; with `below_replies`, below the deeper lines under it
    too (a reply goes after the earlier replies)."""

    token: int
    lines: tuple[str, ...]
    below_replies: bool = True

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        at = _find_token(lines, self.token)
        depth = len(list_prefix(lines[at]))
        at += 1
        if self.below_replies:
            while (
                at < len(lines)
                and lines[at].strip()
                and not heading_level(lines[at])
                and len(list_prefix(lines[at])) > depth
            ):
                at += 1
        lines[at:at] = self.lines
        return _done(lines)


@dataclass(frozen=True)
class InsertAfterLine:
    """New lines right below an exact line of the organizers' text in a question's section."""

    question: str
    line: str
    lines: tuple[str, ...]

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        at = _find_line(lines, self.line, self.question) + 1
        lines[at:at] = self.lines
        return _done(lines)


@dataclass(frozen=True)
class FillPrompt:
    """A participant types into the question's first untouched prompt line."""

    question: str
    line: str

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        start, end = _section(lines, question_heading(self.question))
        for i in range(start, end):
            if lines[i] == PROMPT:
                lines[i] = self.line
                return _done(lines)
        raise EditError(f"{self.question}: no untouched prompt")


@dataclass(frozen=True)
class EditLine:
    """Replace `old` by `new` in one line: the line carrying `token`, or the exact `line` of a
    question's section. An empty `old` appends `new` to the line."""

    old: str
    new: str
    token: int | None = None
    line: str | None = None
    question: str | None = None

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        if self.token is not None:
            at = _find_token(lines, self.token)
        elif self.line is not None:
            at = _find_line(lines, self.line, self.question)
        else:
            raise EditError("EditLine needs a token or a line")
        if not self.old:
            lines[at] = lines[at] + self.new
        elif lines[at].count(self.old) == 1:
            lines[at] = lines[at].replace(self.old, self.new)
        else:
            raise EditError(f"{self.old!r}: {lines[at].count(self.old)} times in the line")
        return _done(lines)


@dataclass(frozen=True)
class RemoveTokens:
    """A vandal removes the lines carrying these tokens."""

    tokens: tuple[int, ...]

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        drop = {_find_token(lines, token) for token in self.tokens}
        return _done([line for i, line in enumerate(lines) if i not in drop])


@dataclass(frozen=True)
class MoveQuestion:
    """Move a question's section (heading to the next heading) above another question."""

    question: str
    before: str

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        start, end = _section(lines, question_heading(self.question))
        block = lines[start:end]
        while block and not block[-1].strip():
            block.pop()
        del lines[start:end]
        at = _find_line(lines, question_heading(self.before))
        lines[at:at] = [*block, ""]
        return _done(lines)


@dataclass(frozen=True)
class AddQuestion:
    """A new question (heading, background, prompt) at the end of a part."""

    part: str
    lines: tuple[str, ...]

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        start, end = _part(lines, part_heading(self.part))
        at = _last_content(lines, start, end) + 1
        lines[at:at] = ["", *self.lines]
        return _done(lines)


Edit = (
    Opening | AddToQuestion | InsertAfterToken | InsertAfterLine | FillPrompt | EditLine
    | RemoveTokens | MoveQuestion | AddQuestion
)
