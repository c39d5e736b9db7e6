"""The unified diff of an edit that leaves most lines as they were, in time linear in the page.

difflib's SequenceMatcher compares whole pages (seconds on a few megabytes); the bot's edits keep
nearly every line and only add or change a few blocks. Lines found exactly once on both sides
anchor the alignment (in order: the longest increasing run of them, as patience diff does), and
difflib aligns only the short stretches between anchors. Small pages are diffed by difflib
itself, so their diffs are exactly difflib.unified_diff's.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence

# Pages of no more lines than this (both sides together) are diffed by difflib whole.
WHOLE = 4_000
# A stretch between anchors longer than this (either side) is aligned greedily, line by line.
STRETCH = 500
# How far the greedy alignment looks for where the two sides meet again.
LOOKAHEAD = 64

Opcode = tuple[str, int, int, int, int]


def unified_diff(
    a: Sequence[str], b: Sequence[str], fromfile: str = "", tofile: str = "", n: int = 3
) -> Iterator[str]:
    """difflib.unified_diff(a, b, fromfile, tofile, n=n) for lists of lines with their ends,
    the alignment made as above."""
    if len(a) + len(b) <= WHOLE:
        yield from difflib.unified_diff(a, b, fromfile, tofile, n=n)
        return
    matcher = _Aligned(a, b, _opcodes(a, b))
    started = False
    for group in matcher.get_grouped_opcodes(n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield (f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in a[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in b[j1:j2])


class _Aligned(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """A SequenceMatcher whose alignment is given: difflib groups it into hunks."""

    def __init__(self, a: Sequence[str], b: Sequence[str], opcodes: list[Opcode]) -> None:
        self.a, self.b, self.opcodes = a, b, opcodes

    def get_opcodes(self) -> list[Opcode]:
        return self.opcodes


def _range(start: int, stop: int) -> str:
    """A hunk's range as unified diffs write it (difflib's _format_range_unified)."""
    beginning = start + 1  # lines start numbering with one
    length = stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1  # empty ranges begin at line just before the range
    return f"{beginning},{length}"


def _opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """Opcodes (as SequenceMatcher.get_opcodes) aligning a with b through unique lines."""
    in_a, in_b = Counter(a), Counter(b)
    position_in_b = {line: j for j, line in enumerate(b) if in_b[line] == 1}
    pairs = [
        (i, position_in_b[line]) for i, line in enumerate(a)
        if in_a[line] == 1 and line in position_in_b
    ]
    anchors = _increasing(pairs)
    codes: list[Opcode] = []
    i = j = 0
    for ai, bj in [*anchors, (len(a), len(b))]:
        codes += _between(a, b, (i, ai, j, bj))
        if ai < len(a):
            codes.append(("equal", ai, ai + 1, bj, bj + 1))
        i, j = ai + 1, bj + 1
    return _merged(codes)


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs increasing in both positions (pairs come sorted by the first)."""
    tails: list[int] = []  # tails[k]: the smallest b position ending a run of k + 1 pairs
    ends: list[int] = []  # ends[k]: index in pairs of that run's last pair
    previous = [-1] * len(pairs)
    for index, (_, bj) in enumerate(pairs):
        k = bisect_left(tails, bj)
        if k == len(tails):
            tails.append(bj)
            ends.append(index)
        else:
            tails[k], ends[k] = bj, index
        previous[index] = ends[k - 1] if k else -1
    run, index = [], ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = previous[index]
    return run[::-1]


def _between(a: Sequence[str], b: Sequence[str], span: tuple[int, int, int, int]) -> list[
    Opcode
]:
    """The opcodes of a[i1:i2] against b[j1:j2] (span), a stretch between anchors."""
    i1, i2, j1, j2 = span
    if i1 == i2 and j1 == j2:
        return []
    if i2 - i1 > STRETCH or j2 - j1 > STRETCH:
        return _greedy(a, b, span)
    matcher = difflib.SequenceMatcher(None, a[i1:i2], b[j1:j2])
    return [(tag, x1 + i1, x2 + i1, y1 + j1, y2 + j1)
            for tag, x1, x2, y1, y2 in matcher.get_opcodes()]


def _greedy(a: Sequence[str], b: Sequence[str], span: tuple[int, int, int, int]) -> list[
    Opcode
]:
    """A long stretch with no unique line (a page of repeated sections) aligned line by line:
    equal lines are kept, and at a difference the nearest place where the two sides meet again
    (within LOOKAHEAD lines) ends an insertion or a deletion."""
    i1, i2, j1, j2 = span
    codes: list[Opcode] = []
    i, j = i1, j1
    while i < i2 and j < j2:
        if a[i] == b[j]:
            codes.append(("equal", i, i + 1, j, j + 1))
            i, j = i + 1, j + 1
            continue
        for step in range(1, LOOKAHEAD + 1):
            if j + step < j2 and a[i] == b[j + step]:
                codes.append(("insert", i, i, j, j + step))
                j += step
                break
            if i + step < i2 and a[i + step] == b[j]:
                codes.append(("delete", i, i + step, j, j))
                i += step
                break
        else:
            codes.append(("replace", i, i + 1, j, j + 1))
            i, j = i + 1, j + 1
    if i < i2:
        codes.append(("delete", i, i2, j, j))
    if j < j2:
        codes.append(("insert", i, i, j, j2))
    return codes


def _merged(codes: list[Opcode]) -> list[Opcode]:
    """Adjacent equal (or replace) opcodes joined into one, as SequenceMatcher gives them."""
    merged: list[Opcode] = []
    for code in codes:
        if merged and code[0] == merged[-1][0] and code[0] in ("equal", "replace"):
            tag, i1, _, j1, _ = merged[-1]
            merged[-1] = (tag, i1, code[2], j1, code[4])
        else:
            merged.append(code)
    return merged
