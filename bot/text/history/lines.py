"""When two lines of two revisions are the same line: normalization, similarity and ranks.

A line is compared without its list markers, spacing, case, prompt text and unsigned tags (the
bot's own tag must not make a comment look new); lines of 16 characters or more may differ by a
small edit (a typo fix). Equal or similar lines are told apart by their rank on the page.

Comparing every line with every other is quadratic, so a page (or revision) with more than
EXACT_LINES distinct lines of 16 characters or more finds a line's similar lines through an
index instead (Anchors): the lines that share half of its anchors, its uncommon word pairs (pairs
of adjacent words on at most COMMON_PAIR of the page's lines; a line of few words also counts
its 4-character pieces), and at least two of them, each then judged by the same exact similar().
A similar pair that shares fewer is not found, and on such a page the later line's rank is then
one too low. That happens when the two lines share only what many lines share (two short votes,
`Support` and `+1`, each with a signature in the same markup), or when one was changed all
along. The page asked about decides for the searches of its lines in the history too, so that
the same lines count as similar in every revision. tests/text/history/test_lines.py measures
how often ranks differ on realistic pages (see the README's Performance section).
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.text.model.memory import collector_paused
from bot.text.model.prompts import compile_phrases, remove_phrases

# difflib ratio of two normalized lines at or above which they count as the same line.
SIMILARITY = 0.8
# Shorter lines ("Support.", "+1") must match exactly: fuzzy matching would confuse them.
MIN_FUZZY_LENGTH = 16

# Pages with more distinct lines of MIN_FUZZY_LENGTH or more than this look for similar lines
# through the index (Anchors) instead of comparing every pair.
EXACT_LINES = 500
# A word pair on more of the page's lines than this says nothing about which lines are alike.
COMMON_PAIR = 64
# On an indexed page, a line is compared with the lines sharing half of its anchors (its
# uncommon word pairs), and at least two (one, when it has no more than two).
SHARED_ANCHORS = 2
SHARED_PART = 2
# A line of fewer words than this is also indexed by its 4-character pieces.
FEW_WORDS = 4

_LIST_PREFIX = re.compile(r"^[*#:;\s]*")


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
        self.asked: _Asked | None = None  # the last answer of queries(), see there

    def __call__(self, line: str) -> str:
        norm = self._seen.get(line)
        if norm is None:
            # Prompt text is dropped so a filled-in prompt is not mistaken for the prompt itself.
            norm = remove_phrases(line, self.phrases)
            if self.tags is not None and "{{" in norm:
                norm = self.tags.sub(" ", norm)
            norm = _LIST_PREFIX.sub("", norm)
            # str.split() splits at what \s matches (tests/text/history/test_lines.py).
            norm = self._seen[line] = " ".join(norm.split()).casefold()
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
    counted once, as a set of bits, one per character and occurrence (the second "e" is a bit
    of its own): the bound that rejects most pairs (difflib's quick_ratio: the characters two
    lines have in common, in any order) is then the bits they share, not a SequenceMatcher. The
    longest common subsequence stops as soon as it cannot reach the threshold, and a
    SequenceMatcher is made only for the pairs that pass every bound. The verdicts are
    similar()'s (tests/text/history/test_lines.py).
    """

    def __init__(self) -> None:
        self._by_norm: dict[str, dict[str, bool]] = {}
        self._chars: dict[str, int] = {}
        self._occurrences: dict[str, list[int]] = {}  # char -> bits of its first k occurrences
        self._allocated = 0  # bits given to (character, occurrence) pairs so far
        self._masks: dict[str, tuple[dict[str, int], int]] = {}
        self._matchers: dict[str, difflib.SequenceMatcher[str]] = {}
        self.anchors = Anchors()  # the index of an indexed page (see the module docstring)

    def of(self, norm: str) -> dict[str, bool]:
        return self._by_norm.setdefault(norm, {})

    def chars(self, norm: str) -> int:
        """The line's characters as bits: two lines' shared bits are their common characters."""
        found = self._chars.get(norm)
        if found is None:
            found = 0
            for char, count in Counter(norm).items():
                bits = self._occurrences.setdefault(char, [0])
                while len(bits) <= count:
                    bits.append(bits[-1] | 1 << self._allocated)
                    self._allocated += 1
                found |= bits[count]
            self._chars[norm] = found
        return found

    def similar(self, norm: str, other: str) -> bool:
        known = self.of(norm)
        verdict = known.get(other)
        if verdict is None:
            verdict = known[other] = self._compare(norm, other)
        return verdict

    def _compare(self, a: str, b: str) -> bool:
        """similar(a, b): the same bounds in the same order, each computed more cheaply."""
        if a == b:
            return True
        la, lb = len(a), len(b)
        if min(la, lb) < MIN_FUZZY_LENGTH:
            return False
        total = la + lb
        common = (self.chars(a) & self.chars(b)).bit_count()
        if 2 * common < SIMILARITY * total:
            return False  # quick_ratio below the threshold: ratio is too
        # difflib's real_quick_ratio and quick_ratio, as difflib computes them.
        if 2.0 * min(la, lb) / total < SIMILARITY or 2.0 * common / total < SIMILARITY:
            return False
        if not self._lcs_reaches(a, b, total):
            return False
        matcher = self._matchers.get(a)
        if matcher is None:
            matcher = self._matchers[a] = difflib.SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(a)
        matcher.set_seq1(b)
        return matcher.ratio() >= SIMILARITY

    def _lcs_reaches(self, a: str, b: str, total: int) -> bool:
        """Whether 2 * lcs_length(a, b) / total >= SIMILARITY, as similar() asks; the search
        stops once even a match of every character left could not reach it."""
        masks = self._masks.get(b)
        if masks is None:
            positions: dict[str, int] = {}
            for i, char in enumerate(b):
                positions[char] = positions.get(char, 0) | (1 << i)
            masks = self._masks[b] = (positions, (1 << len(b)) - 1)
        positions, full = masks
        la, lb = len(a), len(b)
        v = full
        for start in range(0, la, _LCS_STEP):
            for char in a[start : start + _LCS_STEP]:
                u = v & positions.get(char, 0)
                v = ((v + u) | (v - u)) & full
            left = la - start - _LCS_STEP  # characters of `a` still to read
            if left > 0:
                # The zero bits of v below j count LCS(a[:read], b[:j]). The rest of `a` adds at
                # most min(left, lb - j): the best j leaves exactly `left` characters of b.
                j = max(0, lb - left)
                reachable = j - (v & ((1 << j) - 1)).bit_count() + min(left, lb - j)
                if 2 * reachable / total < SIMILARITY:
                    return False
        return 2 * (lb - v.bit_count()) / total >= SIMILARITY


# Characters of a line read between two looks at whether its LCS can still reach the threshold.
_LCS_STEP = 16


class Anchors:
    """The index's view of one page: each line's word pairs (and, for a line of few words, its
    4-character pieces), how many of the page's distinct lines hold each, and so each line's
    anchors: its pieces held by at most COMMON_PAIR lines. Set by queries() for the page asked
    about (`learn`), and used for every revision searched for its lines, so that which lines are
    compared is decided the same way in all of them.
    """

    def __init__(self) -> None:
        self._pieces: dict[str, frozenset[str]] = {}
        self._anchors: dict[str, frozenset[str]] = {}
        self._shared: dict[str, frozenset[str]] = {}
        self.frequency: Counter[str] | None = None  # None: every pair is compared
        self._learned: list[str] | None = None
        self._common: frozenset[str] = frozenset()  # pieces on more than COMMON_PAIR lines
        self._repeated: frozenset[str] = frozenset()  # pieces on 2 to COMMON_PAIR lines
        self._postings: _Postings | None = None  # see postings()

    def pieces(self, norm: str) -> frozenset[str]:
        found = self._pieces.get(norm)
        if found is None:
            words = norm.split(" ")
            pieces = {a + " " + b for a, b in itertools.pairwise(words)}
            if len(words) < FEW_WORDS:
                pieces.update(norm[i : i + 4] for i in range(len(norm) - 3))
            found = self._pieces[norm] = frozenset(pieces)
        return found

    def learn(self, distinct: list[str]) -> None:
        """Index from now on, with the frequencies of these lines (a page's distinct lines of
        MIN_FUZZY_LENGTH characters or more)."""
        if distinct == self._learned:
            return
        frequency = Counter(itertools.chain.from_iterable(map(self.pieces, distinct)))
        self.frequency, self._learned = frequency, distinct
        self._common = frozenset(p for p, n in frequency.items() if n > COMMON_PAIR)
        self._repeated = frozenset(p for p, n in frequency.items() if 2 <= n <= COMMON_PAIR)
        self._anchors.clear()
        self._shared.clear()
        self._postings = None

    def forget(self) -> None:
        """Compare every pair from now on (a page small enough)."""
        self.frequency = self._learned = None
        self._common = self._repeated = frozenset()
        self._anchors.clear()
        self._shared.clear()
        self._postings = None

    def postings(self) -> _Postings:
        """Which lines hold each anchor, for the lines of every revision searched so far: how
        many anchors two lines share depends on the two lines only, so each revision's lines
        are added once, not once per revision (most lines are in revision after revision), and
        a revision keeps the candidates it holds (LineIndex._similar_lines)."""
        if self._postings is None:
            self._postings = _Postings(self)
        return self._postings

    def of(self, norm: str) -> frozenset[str]:
        """The line's anchors: its pieces that few lines of the page hold."""
        found = self._anchors.get(norm)
        if found is None:
            found = self._anchors[norm] = self.pieces(norm) - self._common
        return found

    def shared(self, norm: str) -> frozenset[str]:
        """The line's anchors that another line of the page holds too."""
        found = self._shared.get(norm)
        if found is None:
            found = self._shared[norm] = self.pieces(norm) & self._repeated
        return found


@dataclass(frozen=True)
class _Asked:
    """One answer of queries(): the page's lines, the lines asked about, the queries found, and
    the page's distinct lines as the index learned them (None: the page is not indexed)."""

    lines: list[str]
    wanted: frozenset[int]
    found: dict[int, LineQuery]
    distinct: list[str] | None


@dataclass
class _Postings:
    """Which distinct lines hold each anchor, for finding a line's candidates."""

    anchors: Anchors
    # Leave out the pieces only one line of the page holds: right for the page's own lines,
    # which no other line of the page can share them with.
    shared_only: bool = False
    by_piece: dict[str, list[str]] = field(default_factory=dict)
    added: set[str] = field(default_factory=set)  # the lines added (each is added once)

    def add(self, norm: str) -> None:
        if norm in self.added:
            return
        self.added.add(norm)
        by_piece = self.by_piece
        anchors = self.anchors.shared(norm) if self.shared_only else self.anchors.of(norm)
        for piece in anchors:
            holders = by_piece.get(piece)
            if holders is None:
                by_piece[piece] = [norm]
            else:
                holders.append(norm)

    def candidates(self, norm: str) -> list[str]:
        """The lines sharing half of the line's anchors, and at least SHARED_ANCHORS of them
        (one, when it has no more than SHARED_ANCHORS), within its similarity length bounds, in
        the order they were added."""
        anchors = self.anchors.of(norm)
        if not anchors:
            return []
        need = max(min(SHARED_ANCHORS, len(anchors) - 1), len(anchors) // SHARED_PART, 1)
        by_piece = self.by_piece
        shared = Counter(itertools.chain.from_iterable(
            [by_piece[piece] for piece in anchors if piece in by_piece]
        ))
        low, high = length_bounds(len(norm))
        return [
            other for other, count in shared.items()
            if count >= need and other != norm and low <= len(other) <= high
        ]


@dataclass
class LineIndex:
    """The normalized lines of one revision, for finding lines similar to a query."""

    norms: list[str]  # per line of the text, "" for a blank line
    exact: Counter[str]
    lengths: list[int]  # sorted
    by_length: list[str]  # the distinct lines, in the order of `lengths`
    _postings: _Postings | None = None  # its lines added, at its first fuzzy search

    @classmethod
    def build(cls, text: str, normalize: Normalizer) -> LineIndex:
        norms = [normalize(line) for line in text.split("\n")]
        exact = Counter(n for n in norms if n)
        ordered = sorted(exact, key=len)
        return cls(norms, exact, [len(n) for n in ordered], ordered)

    def _similar_lines(self, norm: str, verdicts: Verdicts) -> list[str] | None:
        """The revision's distinct lines similar to `norm` (other than itself) when the page is
        indexed; None when every line is to be compared."""
        if verdicts.anchors.frequency is None:
            return None
        postings = verdicts.anchors.postings()
        if self._postings is not postings:  # (learned again since: another page's anchors)
            self._postings = postings
            for other in self.by_length:
                if len(other) >= MIN_FUZZY_LENGTH:
                    self._postings.add(other)
        exact = self.exact
        return [
            other for other in self._postings.candidates(norm)
            if other in exact and verdicts.similar(norm, other)
        ]

    def count_similar(self, norm: str, need: int, verdicts: Verdicts) -> int:
        """How many lines are similar to `norm`, counting no further than `need`."""
        count = self.exact.get(norm, 0)
        if count >= need or len(norm) < MIN_FUZZY_LENGTH:
            return count
        found = self._similar_lines(norm, verdicts)
        if found is not None:
            return count + sum(self.exact[other] for other in found)
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
        fuzzy = len(query.norm) >= MIN_FUZZY_LENGTH
        found = self._similar_lines(query.norm, verdicts) if fuzzy else None
        if found is not None:
            alike = {query.norm, *found}
            hits = (i for i, norm in enumerate(self.norms) if norm in alike)
            return next(itertools.islice(hits, query.rank - 1, None), None)
        seen = 0
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
        fuzzy = len(norm) >= MIN_FUZZY_LENGTH
        found = self._similar_lines(norm, verdicts) if fuzzy else None
        if found is not None:
            alike = {norm, *found}
            return LineQuery(norm, 1 + sum(1 for other in self.norms[:index] if other in alike))
        rank = 1
        low, high = length_bounds(len(norm))
        for other in self.norms[:index]:
            if other == norm or (
                fuzzy and other and low <= len(other) <= high and verdicts.similar(norm, other)
            ):
                rank += 1
        return LineQuery(norm, rank)


@collector_paused()
def queries(
    lines: list[str], wanted: Iterable[int], normalize: Normalizer
) -> dict[int, LineQuery]:
    """The queries of the wanted lines (1-based numbers), blank lines left out.

    Each wanted line is compared with the lines above it within its similarity length bounds
    only (on an indexed page, with those sharing its anchors: see the module docstring); exact
    repeats are counted, not compared. The verdicts are the normalizer's, so a page whose lines
    are asked for several times (its text, the bot's new text) compares each pair once, and the
    normalizer keeps its last answer: the same lines asked about again (line_keys, then
    attribute) are answered from it. The page decides, for the searches of its lines in the
    history too, whether it is indexed.
    """
    wanted = set(wanted)
    asked = normalize.asked
    if asked is not None and wanted <= asked.wanted and asked.lines == lines:
        return {n: q for n, q in asked.found.items() if n in wanted}
    verdicts = normalize.verdicts
    norms = [normalize(line) for line in lines]
    distinct = [n for n in dict.fromkeys(norms) if len(n) >= MIN_FUZZY_LENGTH]
    if len(distinct) > EXACT_LINES:
        verdicts.anchors.learn(distinct)
        found = _indexed_queries(norms, wanted, verdicts)
    else:
        verdicts.anchors.forget()
        found = _exact_queries(norms, wanted, verdicts)
    indexed = distinct if len(distinct) > EXACT_LINES else None
    normalize.asked = _Asked(list(lines), frozenset(wanted), dict(found), indexed)
    return found


def carried_queries(
    old_lines: list[str], new_lines: list[str], wanted: Iterable[int], normalize: Normalizer
) -> dict[int, LineQuery] | None:
    """queries(new_lines, wanted, normalize), carried over from the normalizer's last answer,
    for `old_lines`, when the new lines are the old ones (each with the same normalized text:
    an unsigned tag appended) with lines inserted, as the bot's edit makes them; None when the
    answer cannot be shown to be the same (then ask queries()).

    The old page must be indexed. A wanted line's query counts the lines above it that are the
    same or similar; the old lines above a wanted line are the same in both pages, and it is
    checked that the inserted lines change none of the counts: none is the same as a wanted
    line, none is similar to a wanted line that shares an anchor with it, and the pieces the
    new lines add to the index's counts make no wanted line's anchor common. (Between old lines,
    what anchors they share stays the same: a piece two of them hold is held by two lines
    already, and it stays below COMMON_PAIR wherever a wanted line holds it.)
    """
    asked = normalize.asked
    if asked is None or asked.distinct is None or asked.lines != old_lines:
        return None
    wanted = set(wanted)
    found: dict[int, LineQuery] = {}
    inserted: Counter[str] = Counter()
    # The new lines' normalized texts are matched in order with the old ones', blank ones left
    # out; old lines before `k` are matched or blank. A line the same as the next old one has its
    # normalized text, so only the other lines are normalized.
    k = 0
    for number, line in enumerate(new_lines, start=1):
        if k < len(old_lines) and old_lines[k] == line:
            k += 1
            if number in wanted and normalize(line):
                query = asked.found.get(k)
                if query is None:
                    return None  # the old answer did not ask about that line
                found[number] = query
            continue
        norm = normalize(line)
        if not norm:
            continue  # blank lines count for nothing
        while k < len(old_lines) and not normalize(old_lines[k]):
            k += 1
        if k < len(old_lines) and normalize(old_lines[k]) == norm:
            k += 1
            if number in wanted:
                query = asked.found.get(k)
                if query is None:
                    return None
                found[number] = query
        elif number in wanted:
            return None
        else:
            inserted[norm] += 1
    if any(normalize(line) for line in old_lines[k:]):
        return None  # an old line is gone or changed
    wanted_norms = {query.norm for query in found.values()}
    if not wanted_norms.isdisjoint(inserted):
        return None
    fuzzy = [norm for norm in wanted_norms if len(norm) >= MIN_FUZZY_LENGTH]
    others = [norm for norm in inserted if len(norm) >= MIN_FUZZY_LENGTH]
    if not fuzzy or not others:
        return found
    anchors = normalize.verdicts.anchors
    anchors.learn(asked.distinct)
    frequency = anchors.frequency or Counter()
    known = set(asked.distinct)
    added: Counter[str] = Counter()
    for norm in others:
        if norm not in known:
            added.update(anchors.pieces(norm))
    common = {
        piece for piece, more in added.items()
        if 0 < frequency[piece] <= COMMON_PAIR < frequency[piece] + more
    }
    if common and any(not common.isdisjoint(anchors.pieces(norm)) for norm in fuzzy):
        return None
    # Which inserted lines hold each piece: a wanted line is compared with those holding one of
    # its anchors, no more than COMMON_PAIR of them an anchor now that none became common.
    holding: dict[str, list[str]] = {}
    for other in others:
        for piece in anchors.pieces(other):
            holding.setdefault(piece, []).append(other)
    verdicts = normalize.verdicts
    for norm in fuzzy:
        low, high = length_bounds(len(norm))
        pool = itertools.chain.from_iterable(
            [holding[piece] for piece in anchors.of(norm) if piece in holding]
        )
        for other in dict.fromkeys(pool):
            if low <= len(other) <= high and verdicts.similar(norm, other):
                return None
    return found


def _exact_queries(
    norms: Sequence[str], wanted: set[int], verdicts: Verdicts
) -> dict[int, LineQuery]:
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


def _indexed_queries(
    norms: Sequence[str], wanted: set[int], verdicts: Verdicts
) -> dict[int, LineQuery]:
    result: dict[int, LineQuery] = {}
    seen: Counter[str] = Counter()
    postings = _Postings(verdicts.anchors, shared_only=True)
    for number, norm in enumerate(norms, start=1):
        if not norm:
            continue
        if number in wanted:
            rank = 1 + seen[norm]
            if len(norm) >= MIN_FUZZY_LENGTH:
                for other in postings.candidates(norm):
                    if verdicts.similar(norm, other):
                        rank += seen[other]
            result[number] = LineQuery(norm, rank)
        if not seen[norm] and len(norm) >= MIN_FUZZY_LENGTH:
            postings.add(norm)
        seen[norm] += 1
    return result
