"""Prompt lines: the guarded phrases find what the phrases as written find, in linear time."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.model.prompts import (
    DEFAULT_PROMPT_PHRASES,
    PromptMatch,
    compile_phrases,
    match_prompt,
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
