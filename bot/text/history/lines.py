"""When two lines of two revisions are the same line: normalization, similarity and ranks.

A line is compared without its list markers, spacing, case, prompt text and unsigned tags (the
bot's own tag must not make a comment look new); lines of 16 characters or more may differ by a
small edit (a typo fix). Equal or similar lines are told apart by their rank on the page.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.text.model.prompts import compile_phrases, remove_phrases

# difflib ratio of two normalized lines at or above which they count as the same line.
SIMILARITY = 0.8
# Shorter lines ("Support.", "+1") must match exactly: fuzzy matching would confuse them.
MIN_FUZZY_LENGTH = 16

_LIST_PREFIX = re.compile(r"^[*#:;\s]*")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class LineQuery:
    """A line as searched for: its normalized text and its rank among similar lines."""

    norm: str
    rank: int  # 1 for the first line on the page similar to it, 2 for the second, ...

    @property
    def key(self) -> str:
        """A stable key for the state store (see bot/state.py)."""
        digest = hashlib.sha256(f"{self.rank}\x00{self.norm}".encode()).hexdigest()
        return digest[:32]


class Normalizer:
    """Turns a line into what is compared; one per page, it remembers the lines it has seen."""

    def __init__(self, prompt_phrases: tuple[str, ...], tag_names: Iterable[str] = ()) -> None:
        names = sorted({re.sub(r"[\s_]+", " ", n).strip() for n in tag_names if n.strip()})
        self.key = "\x00".join((*prompt_phrases, "\x01", *names))
        compile_phrases(prompt_phrases)  # an invalid phrase raises here
        self.phrases = prompt_phrases
        self.tags = None
        if names:
            alternation = "|".join(re.escape(n).replace(r"\ ", r"[\s_]+") for n in names)
            self.tags = re.compile(
                rf"\{{\{{\s*(?:(?:safe)?subst\s*:\s*)?(?:template\s*:\s*)?(?:{alternation})"
                r"\s*(?:\|[^{}]*)?\}\}",
                re.IGNORECASE,
            )
        self._seen: dict[str, str] = {}  # most lines recur in revision after revision
        self.verdicts = Verdicts()  # one page's similarity verdicts, for all its searches

    def __call__(self, line: str) -> str:
        norm = self._seen.get(line)
        if norm is None:
            # Prompt text is dropped so a filled-in prompt is not mistaken for the prompt itself.
            norm = remove_phrases(line, self.phrases)
            if self.tags is not None and "{{" in norm:
                norm = self.tags.sub(" ", norm)
            norm = _LIST_PREFIX.sub("", norm)
            norm = self._seen[line] = _SPACE.sub(" ", norm).strip().casefold()
        return norm


def similar(a: str, b: str, matcher: difflib.SequenceMatcher[str] | None = None) -> bool:
    """Whether two normalized lines are the same line, allowing small edits such as typo fixes."""
    if a == b:
        return True
    if min(len(a), len(b)) < MIN_FUZZY_LENGTH:
        return False
    if matcher is None:
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(a)
    matcher.set_seq1(b)
    return (
        matcher.real_quick_ratio() >= SIMILARITY
        and matcher.quick_ratio() >= SIMILARITY
        # ratio() counts matched characters, never more than the longest common subsequence:
        # that bound, cheap to compute, rejects most pairs before the costly ratio().
        and 2 * lcs_length(a, b) / (len(a) + len(b)) >= SIMILARITY
        and matcher.ratio() >= SIMILARITY
    )


def lcs_length(a: str, b: str) -> int:
    """The length of the longest common subsequence, bit-parallel (Allison-Dix, Hyyrö)."""
    positions: dict[str, int] = {}
    for i, char in enumerate(b):
        positions[char] = positions.get(char, 0) | (1 << i)
    full = (1 << len(b)) - 1
    v = full
    for char in a:
        u = v & positions.get(char, 0)
        v = ((v + u) | (v - u)) & full
    return len(b) - v.bit_count()


def length_bounds(length: int) -> tuple[int, int]:
    """The lengths a line similar to one of `length` characters can have."""
    # ratio = 2*M/(a+b) <= 2*min/(a+b), so a similar line's length lies within these bounds.
    low = int(length * SIMILARITY / (2 - SIMILARITY))
    high = int(length * (2 - SIMILARITY) / SIMILARITY) + 1
    return max(low, MIN_FUZZY_LENGTH), high


class Verdicts:
    """Similarity verdicts, kept from revision to revision: most lines of neighbouring
    revisions are the same, and the comparison is the costly part. Each line's characters are
    counted once, so the bound that rejects most pairs (difflib's quick_ratio: the characters
    two lines have in common, in any order) costs a Counter intersection, not a SequenceMatcher.
    """

    def __init__(self) -> None:
        self._by_norm: dict[str, dict[str, bool]] = {}
        self._chars: dict[str, Counter[str]] = {}

    def of(self, norm: str) -> dict[str, bool]:
        return self._by_norm.setdefault(norm, {})

    def chars(self, norm: str) -> Counter[str]:
        found = self._chars.get(norm)
        if found is None:
            found = self._chars[norm] = Counter(norm)
        return found

    def similar(self, norm: str, other: str) -> bool:
        known = self.of(norm)
        verdict = known.get(other)
        if verdict is None:
            verdict = known[other] = self._compare(norm, other)
        return verdict

    def _compare(self, a: str, b: str) -> bool:
        if a == b:
            return True
        if min(len(a), len(b)) < MIN_FUZZY_LENGTH:
            return False
        common = (self.chars(a) & self.chars(b)).total()
        if 2 * common < SIMILARITY * (len(a) + len(b)):
            return False  # quick_ratio below the threshold: ratio is too
        return similar(a, b)


@dataclass
class LineIndex:
    """The normalized lines of one revision, for finding lines similar to a query."""

    norms: list[str]  # per line of the text, "" for a blank line
    exact: Counter[str]
    lengths: list[int]  # sorted
    by_length: list[str]  # the distinct lines, in the order of `lengths`

    @classmethod
    def build(cls, text: str, normalize: Normalizer) -> LineIndex:
        norms = [normalize(line) for line in text.split("\n")]
        exact = Counter(n for n in norms if n)
        ordered = sorted(exact, key=len)
        return cls(norms, exact, [len(n) for n in ordered], ordered)

    def count_similar(self, norm: str, need: int, verdicts: Verdicts) -> int:
        """How many lines are similar to `norm`, counting no further than `need`."""
        count = self.exact.get(norm, 0)
        if count >= need or len(norm) < MIN_FUZZY_LENGTH:
            return count
        low, high = length_bounds(len(norm))
        for i in range(bisect_left(self.lengths, low), bisect_right(self.lengths, high)):
            candidate = self.by_length[i]
            if candidate != norm and verdicts.similar(norm, candidate):
                count += self.exact[candidate]
                if count >= need:
                    break
        return count

    def find(self, query: LineQuery, verdicts: Verdicts) -> int | None:
        """The 0-based index of the line the query stands for (its rank-th similar line)."""
        if self.count_similar(query.norm, query.rank, verdicts) < query.rank:
            return None
        seen = 0
        fuzzy = len(query.norm) >= MIN_FUZZY_LENGTH
        low, high = length_bounds(len(query.norm))
        for i, norm in enumerate(self.norms):
            if norm == query.norm or (
                fuzzy and norm and low <= len(norm) <= high and verdicts.similar(query.norm, norm)
            ):
                seen += 1
                if seen == query.rank:
                    return i
        return None

    def query_at(self, index: int, verdicts: Verdicts) -> LineQuery:
        """The query of the line at `index`: its text and its rank among the lines above."""
        norm = self.norms[index]
        rank = 1
        fuzzy = len(norm) >= MIN_FUZZY_LENGTH
        low, high = length_bounds(len(norm))
        for other in self.norms[:index]:
            if other == norm or (
                fuzzy and other and low <= len(other) <= high and verdicts.similar(norm, other)
            ):
                rank += 1
        return LineQuery(norm, rank)


def queries(
    lines: list[str], wanted: Iterable[int], normalize: Normalizer
) -> dict[int, LineQuery]:
    """The queries of the wanted lines (1-based numbers), blank lines left out.

    Each wanted line is compared with the lines above it within its similarity length bounds
    only; exact repeats are counted, not compared. The verdicts are the normalizer's, so a page
    whose lines are asked for several times (its text, the bot's new text) compares each pair
    once.
    """
    verdicts = normalize.verdicts
    wanted = set(wanted)
    norms = [normalize(line) for line in lines]
    result: dict[int, LineQuery] = {}
    exact_seen: Counter[str] = Counter()
    by_length: dict[int, Counter[str]] = {}  # length -> distinct lines seen so far
    for number, norm in enumerate(norms, start=1):
        if not norm:
            continue
        if number in wanted:
            rank = 1 + exact_seen[norm]
            if len(norm) >= MIN_FUZZY_LENGTH:
                low, high = length_bounds(len(norm))
                for length in range(low, high + 1):
                    for other, count in by_length.get(length, {}).items():
                        if other != norm and verdicts.similar(norm, other):
                            rank += count
            result[number] = LineQuery(norm, rank)
        exact_seen[norm] += 1
        by_length.setdefault(len(norm), Counter())[norm] += 1
    return result
