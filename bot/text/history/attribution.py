"""Who wrote each line of a page, found from its history without reading every revision.

attribute() binary-searches the revision list for the edit that introduced each line, all lines
in step, so that each round's probe revisions are fetched together in batches; then it judges
that edit: did it sign (bot.text.history.signing), or did it only reword someone else's line?
No wiki access here: revision texts come from a RevisionTexts source.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.text.history.lines import (
    LineIndex,
    LineQuery,
    Normalizer,
    queries,
)
from bot.text.history.signing import OTHER, OWN, RevisionSections, edit_signs
from bot.text.model.memory import collector_paused
from bot.text.model.profile import SiteProfile, normalize_user

# MediaWiki >= 1.36 tags the reverting edit with one of these, and each reverted edit with
# mw-reverted (the latter by a deferred job, so it may be missing for a while).
REVERT_TAGS = frozenset({"mw-undo", "mw-rollback", "mw-manual-revert"})
REVERTED_TAG = "mw-reverted"
# How many earlier runs a removal + restore chain is followed back.
MAX_RESTORES = 8
# An author who signs in a later edit within this time signed the earlier one too: SineBot waits
# as long before it tags, and so does the bot (see bot.text.edits.tagging).
FOLLOW_UP = timedelta(hours=1)
# A new line this similar to a line the same edit took away rewords that line (a mid-line
# change); below it, the edit wrote a line of its own.
REWRITE_SIMILARITY = 0.5
# Revision texts asked for in one request (the API's limit for revision contents).
BATCH = 50

# Why the history cannot tell who wrote a line (stable texts for logs, reports and tests).
HIDDEN_USER = "the editor's name is hidden"
HIDDEN_TEXT = "revision texts are hidden"
REWRITTEN = "the line was rewritten by several editors"
QUESTION_REWRITTEN = "question text reworded by another editor"
RESTORED = "the line came back with a revert whose source was not found"
NOT_FOUND = "no revision that introduced the line was found"
REPEATED = "the same words are on the page more than once: which one is whose cannot be told"
SIGNED_AS_ANOTHER = (
    "its edit signed with another name (a renamed account, or a mention before a bare timestamp)"
)


@dataclass(frozen=True)
class RevisionMeta:
    """One entry of the page history, without content (rvprop=ids|user|timestamp|flags|tags)."""

    revid: int
    user: str  # "" when hidden
    timestamp: datetime  # UTC
    anon: bool
    tags: tuple[str, ...] = ()
    sha1: str = ""  # of the revision's text: an exact restore has an earlier revision's sha1
    hidden: bool = False  # the text is hidden (revision deletion)


@dataclass(frozen=True)
class Attribution:
    """The edit that introduced a line, and its verdict."""

    user: str
    timestamp: datetime
    revid: int
    anon: bool
    # The edit added a link to its author's user page, talk page or contributions in the
    # line's section, or the author did so in a follow-up edit within FOLLOW_UP.
    signed: bool = False


@dataclass(frozen=True)
class Doubt:
    """The history cannot tell who wrote the line; never tagged, never folded."""

    reason: str
    user: str = ""  # the last editor involved, when known (QUESTION_REWRITTEN)


Authorship = Attribution | Doubt | None  # None: the baseline revision's (organizers') text


class RevisionTexts(Protocol):
    def texts(self, revids: Sequence[int]) -> Mapping[int, str | None]:
        """The texts of these revisions (None for a hidden one), in as few requests as can be."""
        ...


class CachedTexts:
    """RevisionTexts fetched at most once each, in batches of BATCH; counts fetches and requests."""

    def __init__(self, source: RevisionTexts, batch: int = BATCH) -> None:
        self.source, self.batch = source, batch
        self.fetches = 0
        self.requests = 0
        self._texts: dict[int, str | None] = {}

    def seed(self, revid: int, text: str) -> None:
        """A text already known (the page as read), never fetched."""
        self._texts[revid] = text

    def fetch(self, revids: Iterable[int]) -> None:
        missing = sorted({r for r in revids if r not in self._texts})
        for k in range(0, len(missing), self.batch):
            chunk = missing[k : k + self.batch]
            got = self.source.texts(chunk)
            self.requests += 1
            for revid in chunk:
                self._texts[revid] = got.get(revid)
            self.fetches += len(chunk)

    def has(self, revid: int) -> bool:
        return revid in self._texts

    def text(self, revid: int) -> str | None:
        if revid not in self._texts:
            self.fetch([revid])
        return self._texts[revid]


@dataclass(frozen=True)
class _Probe:
    """A request for any revision strictly between lo and hi, near the middle."""

    lo: int
    hi: int


@dataclass(frozen=True)
class _Need:
    """A request for these revisions' texts."""

    indexes: tuple[int, ...]


_Search = Generator[_Probe | _Need, int | None, Authorship]


class _History:
    """One page's history, searched for many lines at once."""

    def __init__(
        self, revisions: list[RevisionMeta], texts: CachedTexts, normalize: Normalizer,
        profile: SiteProfile, floor: int,
    ) -> None:
        self.revs, self.texts, self.normalize = revisions, texts, normalize
        self.profile, self.floor = profile, floor
        self.last = len(revisions) - 1
        self.verdicts = normalize.verdicts
        self.memo: dict[LineQuery, dict[int, bool]] = {}
        self._indexes: dict[int, LineIndex] = {}
        self._sections: dict[int, RevisionSections] = {}
        self._opcodes: dict[int, list[tuple[str, int, int, int, int]]] = {}
        self._by_sha1: dict[str, list[int]] | None = None
        self._available: list[int] = []  # sorted indexes whose text is fetched or being fetched

    # -- texts ------------------------------------------------------------------------------
    def hidden(self, index: int) -> bool:
        rev = self.revs[index]
        return rev.hidden or (self.texts.has(rev.revid) and self.texts.text(rev.revid) is None)

    def index(self, index: int) -> LineIndex:
        if index not in self._indexes:
            text = self.texts.text(self.revs[index].revid) or ""
            self._indexes[index] = LineIndex.build(text, self.normalize)
        return self._indexes[index]

    def sections(self, index: int) -> RevisionSections:
        if index not in self._sections:
            text = self.texts.text(self.revs[index].revid) or ""
            self._sections[index] = RevisionSections(text, self.profile)
        return self._sections[index]

    def present(self, query: LineQuery, index: int) -> bool:
        known = self.memo.setdefault(query, {})
        if index not in known:
            lines = self.index(index)
            known[index] = lines.count_similar(query.norm, query.rank, self.verdicts) >= query.rank
        return known[index]

    # -- rounds -----------------------------------------------------------------------------
    def run(self, searches: dict[int, _Search]) -> dict[int, Authorship]:
        """Drive the searches in step: each round's texts are fetched together."""
        results: dict[int, Authorship] = {}
        requests: dict[int, _Probe | _Need] = {}

        def advance(key: int, value: int | None) -> None:
            try:
                requests[key] = searches[key].send(value)
            except StopIteration as stop:
                results[key] = stop.value
                requests.pop(key, None)

        for key in searches:
            advance(key, None)
        while requests:
            chosen: dict[int, int | None] = {}
            batch: set[int] = set()
            for key, request in requests.items():
                if isinstance(request, _Need):
                    chosen[key] = None
                    batch.update(request.indexes)
                    for i in request.indexes:
                        self._offer(i)
            # Narrow intervals first: a wide one may then take a probe a narrow one chose.
            probes = sorted(
                ((k, r) for k, r in requests.items() if isinstance(r, _Probe)),
                key=lambda item: item[1].hi - item[1].lo,
            )
            for key, probe in probes:
                pick = self._pick(probe)
                chosen[key] = pick
                if pick is not None:
                    batch.add(pick)
                    self._offer(pick)
            self.texts.fetch(self.revs[i].revid for i in batch)
            for key in list(requests):
                advance(key, chosen[key])
        return results

    def _offer(self, index: int) -> None:
        position = bisect_left(self._available, index)
        if position == len(self._available) or self._available[position] != index:
            insort(self._available, index)

    def _pick(self, probe: _Probe) -> int | None:
        """A revision to probe in (lo, hi): one already fetched near the middle, or the middle,
        or the nearest revision whose text is not hidden; None if every one is hidden."""
        lo, hi = probe.lo, probe.hi
        mid = (lo + hi) // 2
        quarter = (hi - lo) // 4
        low, high = max(lo + 1, lo + quarter), min(hi - 1, hi - quarter)
        position = bisect_left(self._available, mid)
        best = None
        for k in (position - 1, position):
            if 0 <= k < len(self._available):
                candidate = self._available[k]
                if low <= candidate <= high and not self.hidden(candidate) and (
                    best is None or abs(candidate - mid) < abs(best - mid)
                ):
                    best = candidate
        if best is not None:
            return best
        for distance in range(hi - lo):
            for candidate in (mid - distance, mid + distance):
                if lo < candidate < hi and not self.hidden(candidate):
                    return candidate
        return None

    # -- the search of one line ---------------------------------------------------------------
    def line(
        self, query: LineQuery, known_index: int | None, number: int, repeated: bool
    ) -> _Search:
        """Who introduced line `number` of the last revision (`known_index`: an earlier run's
        last; `repeated`: the page has more lines like it)."""
        first = (self.floor,) if known_index is None else (self.floor, known_index)
        yield _Need(first)
        if self.present(query, self.floor):
            return None
        lo = self.floor
        if known_index is not None and not self.present(query, known_index):
            lo = known_index
        start = yield from self._search(query, lo, self.last)
        if isinstance(start, Doubt):
            return start
        if repeated:
            # Ranks shift when someone adds the same words above: the line found must stand
            # where this one stands.
            yield _Need((start,))
            if not self.hidden(start):
                where = self.index(start).find(query, self.verdicts)
                here = self.sections(self.last).section_of(number - 1).key
                if where is None or self.sections(start).section_of(where).key != here:
                    return Doubt(REPEATED)
        return (yield from self._judge(query, start, rewrites=0))

    def _search(self, query: LineQuery, lo: int, hi: int) -> Generator[
        _Probe | _Need, int | None, int | Doubt
    ]:
        """Where the line begins to be present for good in (lo, hi], restores followed back."""
        start = yield from self._transition(query, lo, hi)
        for _ in range(MAX_RESTORES):
            if isinstance(start, Doubt):
                return start
            restored = yield from self._restored_from(query, start)
            if restored is None:
                break
            known = self.memo[query]
            below = max(i for i, here in known.items() if i < restored and not here)
            start = yield from self._transition(query, below, restored)
        return start

    def _transition(self, query: LineQuery, lo: int, hi: int) -> Generator[
        _Probe | _Need, int | None, int | Doubt
    ]:
        """An index in (lo, hi] where the line appears, given absent at lo and present at hi."""
        while hi - lo > 1:
            mid = yield _Probe(lo, hi)
            if mid is None:
                return Doubt(HIDDEN_TEXT)
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

    def _restored_from(self, query: LineQuery, start: int) -> Generator[
        _Probe | _Need, int | None, int | None
    ]:
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
        yield _Need((j,))
        if not self.hidden(j) and self.present(query, j):
            return j
        if not REVERT_TAGS.intersection(self.revs[start].tags):
            return None
        # A tagged revert whose removal was older: gallop back for the earlier presence.
        step = 2
        while j - step > self.floor:
            yield _Need((j - step,))
            if not self.hidden(j - step) and self.present(query, j - step):
                return j - step
            step *= 2
        return None

    def _judge(self, query: LineQuery, start: int, rewrites: int) -> _Search:
        """The line's author, given the revision `start` where it first appears for good."""
        rev = self.revs[start]
        if not rev.user:
            return Doubt(HIDDEN_USER)
        if REVERT_TAGS.intersection(rev.tags) or self._same_text_before(start) is not None:
            return Doubt(RESTORED, rev.user)
        parent = start - 1
        yield _Need((parent, start))
        if self.hidden(parent) or self.hidden(start):
            return Doubt(HIDDEN_TEXT)
        where = self.index(start).find(query, self.verdicts)
        if where is None:
            return Doubt(NOT_FOUND)
        kind, old = self._change_at(parent, start, where)
        if kind == "equal":
            return Doubt(REPEATED)  # the edit did not add the line found: another one like it
        if old is not None:
            # The edit reworded someone's line: the line is whoever wrote that one's.
            if rewrites:
                return Doubt(REWRITTEN, rev.user)
            old_query = self.index(parent).query_at(old, self.verdicts)
            yield _Need((self.floor,))
            if self.present(old_query, self.floor):
                return Doubt(QUESTION_REWRITTEN, rev.user)
            origin = yield from self._search(old_query, self.floor, parent)
            if isinstance(origin, Doubt):
                return origin
            return (yield from self._judge(old_query, origin, rewrites + 1))
        verdict = edit_signs(
            self.sections(parent), self.sections(start), where, rev.user, rev.timestamp
        )
        if verdict is None:
            verdict = yield from self._follow_up_signs(query, start)
        if verdict == OTHER:
            return Doubt(SIGNED_AS_ANOTHER, rev.user)
        return Attribution(rev.user, rev.timestamp, rev.revid, rev.anon, verdict == OWN)

    def _follow_up_signs(self, query: LineQuery, start: int) -> Generator[
        _Probe | _Need, int | None, str | None
    ]:
        """How the author signed in the line's section in a later edit within FOLLOW_UP
        (see edit_signs), if they did."""
        rev = self.revs[start]
        author = normalize_user(rev.user)
        for k in range(start + 1, self.last + 1):
            later = self.revs[k]
            if later.timestamp - rev.timestamp > FOLLOW_UP:
                break
            if normalize_user(later.user) != author:
                continue
            yield _Need((k - 1, k))
            if self.hidden(k - 1) or self.hidden(k):
                continue
            where = self.index(k).find(query, self.verdicts)
            if where is None:
                continue
            verdict = edit_signs(
                self.sections(k - 1), self.sections(k), where, later.user, later.timestamp
            )
            if verdict is not None:
                return verdict
        return None

    def _change_at(self, parent: int, start: int, where: int) -> tuple[str, int | None]:
        """What the edit did at line `where` of `start`: "equal" (nothing: the line was there),
        "insert", or "replace"; and the line of `parent` it rewords, if it changed one."""
        before, after = self.index(parent).norms, self.index(start).norms
        if start not in self._opcodes:
            # Edits are local: only the part between the common head and tail is compared.
            head = 0
            while head < min(len(before), len(after)) and before[head] == after[head]:
                head += 1
            tail = 0
            while (
                tail < min(len(before), len(after)) - head
                and before[-1 - tail] == after[-1 - tail]
            ):
                tail += 1
            matcher = difflib.SequenceMatcher(
                None, before[head : len(before) - tail], after[head : len(after) - tail],
                autojunk=False,
            )
            self._opcodes[start] = [
                (tag, i1 + head, i2 + head, j1 + head, j2 + head)
                for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            ]
        for tag, i1, i2, j1, j2 in self._opcodes[start]:
            if j1 <= where < j2:
                if tag != "replace":
                    return tag, None
                target = after[where]
                best, best_ratio = None, REWRITE_SIMILARITY
                for i in range(i1, i2):
                    if before[i]:
                        ratio = difflib.SequenceMatcher(
                            None, before[i], target, autojunk=False
                        ).ratio()
                        if ratio >= best_ratio:
                            best, best_ratio = i, ratio
                return tag, best
        return "equal", None  # in the common head or tail: untouched


@collector_paused()
def attribute(
    wanted: Iterable[int],
    revisions: Sequence[RevisionMeta],
    texts: RevisionTexts | CachedTexts,
    *,
    current_text: str,
    profile: SiteProfile,
    normalizer: Normalizer,
    baseline_revid: int | None = None,
    known: Mapping[str, Authorship] | None = None,
    known_revid: int | None = None,
) -> dict[int, Authorship]:
    """Who wrote each wanted line (1-based numbers of `current_text`; blank ones are skipped).

    Returns line -> Attribution (the edit that introduced it, and whether it signed), None for
    the organizers' text (present in the baseline revision: `baseline_revid`, else the first
    revision), or Doubt when the history cannot tell. A line missing from the result was not
    searched (no history). `revisions` is the full history, oldest first, ending at the
    revision whose text is `current_text`. `known` (LineQuery.key -> authorship, from an
    earlier run whose last revision was `known_revid`) skips the search of lines known already,
    and new lines are searched only after `known_revid`. Pass a CachedTexts to count fetches.
    """
    if not revisions:
        return {}
    cache = texts if isinstance(texts, CachedTexts) else CachedTexts(texts)
    revs = list(revisions)
    floor = 0
    if baseline_revid is not None:
        if baseline_revid < revs[0].revid:
            # The listing starts after the baseline: add it as the floor of the search.
            revs.insert(0, RevisionMeta(baseline_revid, "", revs[0].timestamp, False))
        else:
            # The baseline itself, or the revision current at its time if it is not listed.
            floor = max(i for i, r in enumerate(revs) if r.revid <= baseline_revid)
    cache.seed(revs[-1].revid, current_text)
    history = _History(revs, cache, normalizer, profile, floor)
    wanted_queries = queries(current_text.split("\n"), wanted, normalizer)
    known = known or {}
    known_index = next(
        (i for i, r in enumerate(revs) if r.revid == known_revid and i > floor), None
    )
    result: dict[int, Authorship] = {}
    searches: dict[int, _Search] = {}
    counts = Counter(normalizer(line) for line in current_text.split("\n"))
    for number, query in wanted_queries.items():
        if query.key in known:
            result[number] = known[query.key]
        else:
            repeated = query.rank > 1 or counts[query.norm] > 1
            searches[number] = history.line(query, known_index, number, repeated)
    result.update(history.run(searches))
    return dict(sorted(result.items()))


def line_keys(
    current_text: str, wanted: Iterable[int], normalizer: Normalizer
) -> dict[int, str]:
    """The state key of each wanted line (see LineQuery.key)."""
    found = queries(current_text.split("\n"), wanted, normalizer)
    return {number: query.key for number, query in found.items()}
