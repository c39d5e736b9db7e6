"""What the page model keeps from one page to the next, and reading a page without keeping it.

A pass reads a page, then its tagged and folded texts, and the history's revisions: nearly the
same lines each time, so what a line holds (its prompt, its signature, its dates, the user a
link names) is kept, per site profile and in bounded caches. A command that reads one page
once (`consultation-bot analyze`) keeps nothing, so a large page is not held twice. And while a
page is read, Python's cycle collector waits (collector_paused).
"""

from __future__ import annotations

import gc
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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Within this block (or a function it decorates), Python's cycle collector does not run.

    Reading a page makes hundreds of thousands of objects that hold no reference cycles
    (comments, lines, tuples): each of the collector's full passes walks all of them and frees
    nothing, about an eighth of plan_page's CPU time on a large page. Memory does not grow: what
    the page's reading leaves in cycles (a few thousand objects of jinja2 and re on 8 MB) is
    collected once the block ends, by the collector's next pass. Nested blocks are one block.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
