"""Placeholder prompts: the lines organizers leave for participants to type under.

A prompt line is pristine when it holds nothing but prompt phrases and list markup, and filled when
a participant typed into it, leaving some prompt text behind (the residue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# The seed's prompt is ":*(Add your comment here) (Don't forget to add your signature)".
# Either sentence alone, other spacing, case, apostrophes and brackets count too.
DEFAULT_PROMPT_PHRASES: tuple[str, ...] = (
    r"\(?\s*(?:please\s+)?add\s+your\s+comments?\s+here\s*[.!]?\s*\)?",
    r"\(?\s*(?:please\s+)?don[’'`]?t\s+forget\s+to\s+(?:add\s+your\s+signature|sign)\s*[.!]?\s*\)?",
)

# A default phrase starts with `\(?\s*` and then a word. Tried at every blank of a long run, that
# `\s*` makes a search quadratic (30,000 spaces took minutes). The guarded form starts only at
# "(", at a non-blank or at the first blank of a run, which finds the same matches, unless a
# search starts inside a run of blanks: only after a match that ends there, which no default
# phrase does (see _ends_in_blank_run).
_DEFAULT_START = r"\(?\s*"
_GUARDED_START = r"(?:\(|(?=\S)|(?<!\s))\s*"

_LIST_PREFIX = re.compile(r"^[*#:;]*")
# Every match of a default phrase holds one of these words (any case): a line without them is
# searched for the operator's phrases only (the default ones cannot match anywhere in it, so the
# alternation finds what the operator's alone find), which keeps the costly pattern off most
# lines. Only the 18 ASCII letters of these words match them with re.IGNORECASE, and no other
# character's lower() holds one (tests/text/model/test_prompts.py), so `in line.lower()` tells.
_DEFAULT_WORDS = ("comment", "forget")
_FIRST_WORD, _SECOND_WORD = _DEFAULT_WORDS  # looked for one by one: no generator a line


@dataclass(frozen=True, slots=True)  # many per page
class PromptMatch:
    filled: bool
    residue: str  # the prompt text found on the line, as written


def _guarded(phrase: str) -> str:
    if phrase in DEFAULT_PROMPT_PHRASES:
        return _GUARDED_START + phrase.removeprefix(_DEFAULT_START)
    return phrase


@lru_cache(maxsize=32)
def _compile(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE)


@lru_cache(maxsize=32)
def _compile_guarded(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return _compile(tuple(_guarded(p) for p in phrases))


@lru_cache(maxsize=32)
def _operator_phrases(phrases: tuple[str, ...]) -> tuple[str, ...] | None:
    """The phrases that are not default ones, or None when all are (nothing else to search)."""
    if not any(p in DEFAULT_PROMPT_PHRASES for p in phrases):
        return None  # no default phrase to leave out: the whole pattern is searched
    return tuple(p for p in phrases if p not in DEFAULT_PROMPT_PHRASES)


def _phrases_for(line: str, phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The phrases worth searching the line for (see _DEFAULT_WORDS)."""
    others = _operator_phrases(phrases)
    if others is None:
        return phrases
    lowered = line.lower()
    if _FIRST_WORD in lowered or _SECOND_WORD in lowered:
        return phrases
    return others


def remove_phrases(line: str, phrases: tuple[str, ...], repl: str = " ") -> str:
    """compile_phrases(phrases).sub(repl, line), with the default phrases' cheap first look."""
    searched = _phrases_for(line, phrases)
    if phrases and not searched:
        return line  # the default phrases alone, and they cannot be on this line
    return _compile_guarded(searched).sub(repl, line)


def compile_phrases(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Compile operator-supplied phrases; raises re.error for an invalid pattern.

    The pattern finds what the phrases find, in time linear in the line for the default phrases
    (an operator's phrase that ends inside a run of blanks may let a following default phrase
    start a few blanks later than written: only whitespace differs).
    """
    _compile(phrases)  # an invalid operator phrase raises as written
    return _compile_guarded(phrases)


def _ends_in_blank_run(line: str, end: int) -> bool:
    return 0 < end < len(line) and line[end - 1].isspace() and line[end].isspace()


def _matches(line: str, phrases: tuple[str, ...]) -> list[re.Match[str]]:
    """Every match of the phrases on the line, as the unguarded pattern finds them."""
    found = list(_compile_guarded(phrases).finditer(line))
    if any(_ends_in_blank_run(line, m.end()) for m in found):
        # Only an operator's phrase ends so: the next search starts inside a run of blanks,
        # where the guard would start a default phrase later than written. Rare; exact.
        found = list(_compile(phrases).finditer(line))
    return found


def match_prompt(
    masked_line: str, phrases: tuple[str, ...] = DEFAULT_PROMPT_PHRASES
) -> PromptMatch | None:
    """Whether a masked line is a prompt line, and whether someone typed into it."""
    phrases = _phrases_for(masked_line, phrases)
    if not phrases:
        return None
    matches = _matches(masked_line, phrases)
    found = [m for m in matches if m.group(0).strip()]
    if not found:
        return None
    rest, position = [], 0
    for m in matches:  # what re.sub("", line) leaves: the text between the matches
        rest.append(masked_line[position : m.start()])
        position = m.end()
    rest.append(masked_line[position:])
    remainder = _LIST_PREFIX.sub("", "".join(rest).strip()).strip()
    residue = " ".join(m.group(0).strip() for m in found)
    return PromptMatch(filled=bool(remainder), residue=residue)
