"""Prompt lines: the guarded phrases find what the phrases as written find, in linear time."""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.model.prompts import (
    _DEFAULT_WORDS,
    DEFAULT_PROMPT_PHRASES,
    PromptMatch,
    compile_phrases,
    match_prompt,
    remove_phrases,
)

PROMPT = ":*(Add your comment here) (Don't forget to add your signature)"


def reference(line: str, phrases: tuple[str, ...]) -> PromptMatch | None:
    """match_prompt as first written: the phrases as one plain pattern (quadratic on blanks)."""
    pattern = re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE)
    found = [m for m in pattern.finditer(line) if m.group(0).strip()]
    if not found:
        return None
    rest = re.sub(r"^[*#:;]*", "", pattern.sub("", line).strip()).strip()
    return PromptMatch(bool(rest), " ".join(m.group(0).strip() for m in found))


def test_pristine_and_filled_prompts() -> None:
    assert match_prompt(PROMPT) == PromptMatch(
        False, "(Add your comment here) (Don't forget to add your signature)"
    )
    filled = match_prompt(":*(Add your comment here) I agree.\t\t")
    assert filled == PromptMatch(True, "(Add your comment here)")
    assert match_prompt(":* nothing to see" + " " * 50) is None


def test_a_long_run_of_blanks_is_read_like_a_short_one() -> None:
    # 30,000 blanks once took minutes; the answer must not change with the run's length.
    for blanks in (" ", "\t", " \t"):
        assert match_prompt(PROMPT + blanks * 30_000) == match_prompt(PROMPT + blanks)
        assert match_prompt(blanks * 30_000 + PROMPT) == reference(blanks * 3 + PROMPT,
                                                                   DEFAULT_PROMPT_PHRASES)
        assert match_prompt(":* " + blanks * 30_000 + "x") is None


WORDS = st.sampled_from([
    " ", "  ", "\t", "\t \t", "(", ")", ".", "!", "x", "add", "Add your comment here",
    "add  your\tcomments here", "please add your comment here", "Don't forget to sign",
    "don’t forget to add your signature", ":*", "#", "foo", "foo ", "  bar", "here",
])
PHRASES = st.lists(
    st.sampled_from([r"foo\s", r"foo ", r"x*", r"\s+bar", r"bar", r"\(fill in\)", "here"]),
    max_size=2,
).map(lambda extra: DEFAULT_PROMPT_PHRASES + tuple(extra))


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=12).map("".join), PHRASES)
def test_match_prompt_is_the_plain_patterns_answer(line: str, phrases: tuple[str, ...]) -> None:
    assert match_prompt(line, phrases) == reference(line, phrases)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=12).map("".join))
def test_compiled_default_phrases_replace_like_the_plain_pattern(line: str) -> None:
    plain = re.compile("|".join(f"(?:{p})" for p in DEFAULT_PROMPT_PHRASES), re.IGNORECASE)
    assert compile_phrases(DEFAULT_PROMPT_PHRASES).sub(" ", line) == plain.sub(" ", line)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=12).map("".join), PHRASES)
def test_removing_phrases_looks_at_the_default_ones_only_where_they_can_be(
    line: str, phrases: tuple[str, ...]
) -> None:
    assert remove_phrases(line, phrases) == compile_phrases(phrases).sub(" ", line)
    assert remove_phrases(line, phrases[2:]) == compile_phrases(phrases[2:]).sub(" ", line)


def test_the_default_phrases_words_are_found_in_the_lowered_line_only() -> None:
    """What lets match_prompt skip the default phrases on a line without their words: every
    character that re.IGNORECASE matches with a letter of them lowers to that letter, and no
    other character's lower() holds one."""
    letters = "".join(sorted(set("".join(_DEFAULT_WORDS))))
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    matched = set(re.findall(f"(?i)[{letters}]", every))
    assert matched == {c for c in letters + letters.upper()}
    assert {c for c in every if set(c.lower()) & set(letters)} == matched
    for phrase in DEFAULT_PROMPT_PHRASES:
        assert any(word in phrase for word in _DEFAULT_WORDS)
