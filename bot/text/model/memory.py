"""What the page model keeps from one page to the next, and reading a page without keeping it.

A pass reads a page, then its tagged and folded texts, and the history's revisions: nearly the
same lines each time, so what a line holds (its prompt, its signature, its dates, the user a
link names) is kept, per site profile and in bounded caches. A command that reads one page
once (`consultation-bot analyze`) keeps nothing, so a large page is not held twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_keeping = [True]


def keeping() -> bool:
    """Whether what is read now is kept for the next read."""
    return _keeping[-1]


@contextmanager
def read_once() -> Iterator[None]:
    """Within this block, nothing read is kept (what was kept before is still used)."""
    _keeping.append(False)
    try:
        yield
    finally:
        _keeping.pop()
