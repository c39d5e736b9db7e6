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

_LIST_PREFIX = re.compile(r"^[*#:;]*")


@dataclass(frozen=True)
class PromptMatch:
    filled: bool
    residue: str  # the prompt text found on the line, as written


@lru_cache(maxsize=32)
def _compile(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE)


def compile_phrases(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Compile operator-supplied phrases; raises re.error for an invalid pattern."""
    return _compile(phrases)


def match_prompt(
    masked_line: str, phrases: tuple[str, ...] = DEFAULT_PROMPT_PHRASES
) -> PromptMatch | None:
    """Whether a masked line is a prompt line, and whether someone typed into it."""
    pattern = _compile(phrases)
    found = [m for m in pattern.finditer(masked_line) if m.group(0).strip()]
    if not found:
        return None
    rest = pattern.sub("", masked_line)
    rest = _LIST_PREFIX.sub("", rest.strip()).strip()
    residue = " ".join(m.group(0).strip() for m in found)
    return PromptMatch(filled=bool(rest), residue=residue)
