"""Who added each line of a comment, found from the page history without reading every revision.

attribute() binary-searches the revision list per comment line, fetching revision texts only at
probe points (shared between lines and comments through CachedTexts); no wiki access here.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.text.model.analysis import SIGNED, TAGGED, UNDATED, Comment
from bot.text.model.profile import normalize_title
from bot.text.model.prompts import DEFAULT_PROMPT_PHRASES, compile_phrases

# MediaWiki >= 1.36 tags the reverting edit with one of these, and each reverted edit with
# mw-reverted (the latter by a deferred job, so it may be missing for a while).
REVERT_TAGS = frozenset({"mw-undo", "mw-rollback", "mw-manual-revert"})
REVERTED_TAG = "mw-reverted"
# difflib ratio of two normalized lines at or above which they count as the same line.
SIMILARITY = 0.8
# Shorter lines ("Support.", "+1") must match exactly: fuzzy matching would confuse them.
MIN_FUZZY_LENGTH = 16
# How many earlier runs a removal + restore chain is followed back.
MAX_RESTORES = 8

_LIST_PREFIX = re.compile(r"^[*#:;\s]*")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class RevisionMeta:
    """One entry of the page history, without content (rvprop=ids|user|timestamp|flags|tags)."""

    revid: int
    user: str
    timestamp: datetime  # UTC
    anon: bool
    tags: tuple[str, ...] = ()
    sha1: str = ""  # of the revision's text: an exact restore has an earlier revision's sha1


@dataclass(frozen=True)
class Attribution:
    user: str
    timestamp: datetime
    revid: int
    anon: bool


class RevisionTexts(Protocol):
    def text(self, revid: int) -> str: ...


class CachedTexts:
    """RevisionTexts that fetches each revision once and counts the fetches."""

    def __init__(self, source: RevisionTexts) -> None:
        self.source = source
        self.fetches = 0
        self._texts: dict[int, str] = {}
        self._indexes: dict[tuple[int, str], _LineIndex] = {}

    def text(self, revid: int) -> str:
        if revid not in self._texts:
            self._texts[revid] = self.source.text(revid)
            self.fetches += 1
        return self._texts[revid]

    def has(self, revid: int) -> bool:
        return revid in self._texts

    def index(self, revid: int, normalizer: _Normalizer) -> _LineIndex:
        key = (revid, normalizer.key)
        if key not in self._indexes:
            self._indexes[key] = _LineIndex.build(self.text(revid), normalizer)
        return self._indexes[key]


@dataclass(frozen=True)
class LineQuery:
    """A comment line as searched for: its normalized text and its rank among similar lines."""

    norm: str
    rank: int  # 1 for the first line on the current page similar to it, 2 for the second, ...

    @property
    def key(self) -> str:
        """A stable key for the state store (see bot/state.py)."""
        digest = hashlib.sha256(f"{self.rank}\x00{self.norm}".encode()).hexdigest()
        return digest[:32]


@dataclass(frozen=True)
class Part:
    """Consecutive lines of one comment added by one editor (see split_by_history)."""

    line: int
    end_line: int
    attribution: Attribution | None  # None: organizer text
    attributed: bool  # False when no line of the part could be attributed
    signed: bool  # the part that carries the comment's signature


class _Normalizer:
    def __init__(self, prompt_phrases: tuple[str, ...]) -> None:
        self.key = "\x00".join(prompt_phrases)
        self.prompts = compile_phrases(prompt_phrases)
        self._seen: dict[str, str] = {}  # most lines recur in revision after revision

    def __call__(self, line: str) -> str:
        norm = self._seen.get(line)
        if norm is None:
            # Prompt text is dropped so a filled-in prompt is not mistaken for the prompt itself.
            norm = self.prompts.sub(" ", line)
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


def _length_bounds(length: int) -> tuple[int, int]:
    # ratio = 2*M/(a+b) <= 2*min/(a+b), so a similar line's length lies within these bounds.
    low = int(length * SIMILARITY / (2 - SIMILARITY))
    high = int(length * (2 - SIMILARITY) / SIMILARITY) + 1
    return max(low, MIN_FUZZY_LENGTH), high


@dataclass
class _LineIndex:
    """The normalized lines of one revision, for counting lines similar to a query."""

    exact: Counter[str]
    lengths: list[int]  # sorted
    by_length: list[str]  # the distinct lines, in the order of `lengths`

    @classmethod
    def build(cls, text: str, normalize: _Normalizer) -> _LineIndex:
        exact = Counter(n for n in (normalize(line) for line in text.split("\n")) if n)
        ordered = sorted(exact, key=len)
        return cls(exact, [len(n) for n in ordered], ordered)

    def count_similar(self, norm: str, need: int, verdicts: dict[str, bool] | None = None) -> int:
        """How many lines are similar to `norm`, counting no further than `need`.

        `verdicts` (candidate -> similar to norm) carries verdicts from revision to revision:
        most lines of neighbouring revisions are the same, and the comparison is the costly part.
        """
        count = self.exact.get(norm, 0)
        if count >= need or len(norm) < MIN_FUZZY_LENGTH:
            return count
        if verdicts is None:
            verdicts = {}
        low, high = _length_bounds(len(norm))
        matcher: difflib.SequenceMatcher[str] | None = None
        for i in range(bisect_left(self.lengths, low), bisect_right(self.lengths, high)):
            candidate = self.by_length[i]
            if candidate == norm:
                continue
            verdict = verdicts.get(candidate)
            if verdict is None:
                if matcher is None:
                    matcher = difflib.SequenceMatcher(None, autojunk=False)
                    matcher.set_seq2(norm)
                verdict = verdicts[candidate] = similar(norm, candidate, matcher)
            if verdict:
                count += self.exact[candidate]
                if count >= need:
                    break
        return count


def line_queries(
    comments: Iterable[Comment],
    current_text: str,
    prompt_phrases: tuple[str, ...] = DEFAULT_PROMPT_PHRASES,
) -> dict[int, LineQuery]:
    """The query of every content line of the comments, keyed by 1-based line number."""
    normalize = _Normalizer(prompt_phrases)
    lines = current_text.split("\n")
    wanted = {n for c in comments for n in range(c.line, c.end_line + 1)}
    return _queries(lines, wanted, normalize)


def _queries(
    lines: list[str], wanted: set[int], normalize: _Normalizer,
    verdicts: dict[str, dict[str, bool]] | None = None,
) -> dict[int, LineQuery]:
    """The queries of the wanted lines; `verdicts` collects the similarity verdicts computed."""
    if verdicts is None:
        verdicts = {}
    norms = [normalize(line) for line in lines]
    queries: dict[int, LineQuery] = {}
    seen: list[str] = []  # content lines so far, for ranks
    exact_seen: Counter[str] = Counter()
    for number, norm in enumerate(norms, start=1):
        if not norm:
            continue
        if number in wanted:
            rank = 1 + exact_seen[norm]
            if len(norm) >= MIN_FUZZY_LENGTH:
                matcher = difflib.SequenceMatcher(None, autojunk=False)
                matcher.set_seq2(norm)
                known = verdicts.setdefault(norm, {})
                low, high = _length_bounds(len(norm))
                for other in seen:
                    if other != norm and low <= len(other) <= high:  # else never similar
                        if other not in known:
                            known[other] = similar(norm, other, matcher)
                        rank += known[other]
            queries[number] = LineQuery(norm, rank)
        seen.append(norm)
        exact_seen[norm] += 1
    return queries


def needs_history(comment: Comment) -> bool:
    """Unsigned and undated comments, and signed ones of several lines (they may need a split)."""
    if comment.status == TAGGED:
        return False
    return comment.status != SIGNED or comment.end_line > comment.line


class _Search:
    """The binary search over one page's history, shared by all lines of all comments."""

    def __init__(
        self, revisions: Sequence[RevisionMeta], texts: CachedTexts, normalize: _Normalizer,
        floor: int,
    ) -> None:
        self.revs, self.texts, self.normalize, self.floor = revisions, texts, normalize, floor
        self.last = len(revisions) - 1
        self.memo: dict[LineQuery, dict[int, bool]] = {}
        self.verdicts: dict[str, dict[str, bool]] = {}  # see _LineIndex.count_similar
        self._by_sha1: dict[str, list[int]] | None = None

    def present(self, query: LineQuery, index: int) -> bool:
        known = self.memo.setdefault(query, {self.last: True})
        if index not in known:
            lines = self.texts.index(self.revs[index].revid, self.normalize)
            verdicts = self.verdicts.setdefault(query.norm, {})
            known[index] = lines.count_similar(query.norm, query.rank, verdicts) >= query.rank
        return known[index]

    def _probe(self, lo: int, hi: int) -> int:
        """The midpoint, or a revision already fetched near it (a free probe)."""
        mid = (lo + hi) // 2
        quarter = (hi - lo) // 4
        best = None
        for index in range(max(lo + 1, lo + quarter), min(hi - 1, hi - quarter) + 1):
            if self.texts.has(self.revs[index].revid) and (
                best is None or abs(index - mid) < abs(best - mid)
            ):
                best = index
        return mid if best is None else best

    def transition(self, query: LineQuery, lo: int, hi: int) -> int:
        """An index in (lo, hi] where the line appears, given absent at lo and present at hi."""
        while hi - lo > 1:
            mid = self._probe(lo, hi)
            if self.present(query, mid):
                hi = mid
            else:
                lo = mid
        return hi

    def _same_text_before(self, index: int) -> int | None:
        """The latest revision before index - 1 with the same text (by sha1), if any."""
        sha1 = self.revs[index].sha1
        if not sha1:
            return None
        if self._by_sha1 is None:
            self._by_sha1 = {}
            for i, rev in enumerate(self.revs):
                if rev.sha1:
                    self._by_sha1.setdefault(rev.sha1, []).append(i)
        earlier = [i for i in self._by_sha1.get(sha1, []) if self.floor < i < index - 1]
        return earlier[-1] if earlier else None

    def _restored_from(self, query: LineQuery, start: int) -> int | None:
        """A revision before a removal that `start` undid, where the line was present."""
        j = start - 1
        if j <= self.floor:
            return None
        same = self._same_text_before(start)
        if same is not None:
            # An exact restore (what undo, rollback and most manual reverts make): the line is
            # in that revision's text, since it is in `start`'s. No fetch needed.
            self.memo[query][same] = True
            return same
        if REVERTED_TAG in self.revs[j].tags:
            while j > self.floor and REVERTED_TAG in self.revs[j].tags:
                j -= 1
        else:
            # Without mw-reverted tags, assume the removal was the last run of one editor's
            # edits (what rollback undoes, and the usual shape of vandalism).
            remover = self.revs[j].user
            while j > self.floor and self.revs[j].user == remover:
                j -= 1
        if j <= self.floor:
            return None
        if self.present(query, j):
            return j
        if not REVERT_TAGS.intersection(self.revs[start].tags):
            return None
        # A tagged revert whose removal was older: gallop back for the earlier presence.
        step = 2
        while j - step > self.floor:
            if self.present(query, j - step):
                return j - step
            step *= 2
        return None

    def start(self, query: LineQuery, lo: int) -> int:
        """Where the line's text begins to be present for good, restores followed back."""
        start = self.transition(query, lo, self.last)
        for _ in range(MAX_RESTORES):
            restored = self._restored_from(query, start)
            if restored is None:
                break
            known = self.memo[query]
            below = max(i for i, here in known.items() if i < restored and not here)
            start = self.transition(query, below, restored)
        return start


def attribute(
    comments: Iterable[Comment],
    revisions: Sequence[RevisionMeta],
    texts: RevisionTexts,
    baseline_revid: int | None = None,
    *,
    current_text: str | None = None,
    known: Mapping[str, Attribution | None] | None = None,
    known_revid: int | None = None,
    prompt_phrases: tuple[str, ...] = DEFAULT_PROMPT_PHRASES,
) -> dict[int, Attribution | None]:
    """Who added each content line of the comments that need it (see needs_history).

    Returns 1-based line number -> Attribution, or None for organizer text (present in the
    baseline revision: `baseline_revid`, else the first revision). A line missing from the
    result could not be attributed (no history). `revisions` is the full history, oldest first,
    ending at the revision whose text the comments come from (`current_text`; fetched when not
    given). `known` (line key -> attribution, from LineQuery.key) skips the search for lines
    attributed in an earlier run; `known_revid`, that run's last revision, limits the search for
    new lines to the revisions after it. Pass a CachedTexts to share fetches and count them.
    """
    wanted = [c for c in comments if needs_history(c)]
    if not wanted or not revisions:
        return {}
    cache = texts if isinstance(texts, CachedTexts) else CachedTexts(texts)
    normalize = _Normalizer(prompt_phrases)
    revs = list(revisions)
    floor = 0
    if baseline_revid is not None:
        if baseline_revid < revs[0].revid:
            # The listing starts after the baseline: add it as the floor of the search.
            revs.insert(0, RevisionMeta(baseline_revid, "", revs[0].timestamp, False))
        else:
            # The baseline itself, or the revision current at its time if it is not listed.
            floor = max(i for i, r in enumerate(revs) if r.revid <= baseline_revid)
    numbers = {n for c in wanted for n in range(c.line, c.end_line + 1)}
    known = known or {}
    if current_text is None:
        current_text = cache.text(revs[-1].revid)
    search = _Search(revs, cache, normalize, floor)
    queries = _queries(current_text.split("\n"), numbers, normalize, search.verdicts)
    known_index = next(
        (i for i, r in enumerate(revs) if r.revid == known_revid and i > floor), None
    )
    result: dict[int, Attribution | None] = {}
    for number in sorted(queries):
        query = queries[number]
        if query.key in known:
            result[number] = known[query.key]
            continue
        if search.present(query, floor):
            result[number] = None
            continue
        if floor == search.last:
            continue  # a page of one revision: nothing to attribute
        lo = floor
        if known_index is not None and not search.present(query, known_index):
            lo = known_index
        revision = revs[search.start(query, lo)]
        result[number] = Attribution(
            revision.user, revision.timestamp, revision.revid, revision.anon
        )
    return result


def split_by_history(
    comment: Comment, attributions: Mapping[int, Attribution | None]
) -> tuple[Part, ...]:
    """The comment cut into runs of lines added by one editor.

    A run's attribution is its most recent line's (the revision from which all its text is
    present). Lines without an attribution (blank, or not searched) join the run around them;
    organizer lines (None) form their own runs. For a signed or undated comment the last run is
    the signed part: lines its signer added, in one revision or several, are never split off.
    """
    runs: list[list[int]] = []
    owners: list[object] = []
    for number in range(comment.line, comment.end_line + 1):
        if number not in attributions:
            if runs:
                runs[-1].append(number)
            else:
                runs.append([number])
                owners.append(_UNKNOWN)
            continue
        found = attributions[number]
        owner = _NONE if found is None else normalize_title(found.user)
        if runs and owners[-1] is _UNKNOWN:
            owners[-1] = owner
            runs[-1].append(number)
        elif runs and owners[-1] == owner:
            runs[-1].append(number)
        else:
            runs.append([number])
            owners.append(owner)
    signed = comment.status in (SIGNED, UNDATED, TAGGED)
    parts = []
    for i, run in enumerate(runs):
        found = [attributions[n] for n in run if n in attributions]
        real = [a for a in found if a is not None]
        latest = max(real, key=lambda a: (a.timestamp, a.revid)) if real else None
        parts.append(
            Part(
                line=run[0], end_line=run[-1], attribution=latest, attributed=bool(found),
                signed=signed and i == len(runs) - 1,
            )
        )
    return tuple(parts)


_UNKNOWN, _NONE = object(), object()
