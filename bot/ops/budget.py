"""A CPU-time budget for planning one page, so that one hostile page cannot stall a pass.

`cpu_budget(seconds)` arms the process's profiling timer (ITIMER_PROF: CPU time, user and system,
which does not run while the bot waits for the wiki); when it expires, the SIGPROF handler raises
OverBudget in the main thread, wherever the planning is.

What it cannot interrupt: Python runs signal handlers between bytecodes, so one long call into C
code (a single regular expression match, mwparserfromhell's tokenizer on one huge input, a
json.loads) is interrupted only when that call returns. The pure layer is written to be linear;
the budget is the net under it, not a substitute for it.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class OverBudget(BaseException):
    """The planning took more CPU time than its budget.

    A BaseException, so that no `except Exception` on the way (pywikibot retries any Exception
    around a request) takes it for an ordinary error.
    """


class _Budget:
    """The armed budget: the timer runs only while `paused` is 0."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.armed = True
        self.paused = 0
        self.expired = False  # the timer ran out while paused: raise when resumed


_current: list[_Budget] = []


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget inside the block once it has used `seconds` of CPU time (not counting
    the time inside `budget_paused()`).

    Must run in the main thread (Python's rule for signals); not reentrant.
    """
    budget = _Budget(seconds)

    def expired(signum: int, frame: FrameType | None) -> None:
        if not budget.armed:  # delivered just as the block ended: not to be raised outside it
            return
        if budget.paused:
            budget.expired = True
            return
        budget.armed = False
        raise OverBudget(f"planning used more than {seconds:g} s of CPU time")

    previous = signal.signal(signal.SIGPROF, expired)
    _current[:] = [budget]
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        budget.armed = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        _current[:] = []


@contextmanager
def budget_paused() -> Iterator[None]:
    """Stop the budget's clock inside the block (a save must not be cut short); harmless when no
    budget is running."""
    budget = _current[0] if _current else None
    if budget is None or not budget.armed:
        yield
        return
    left = 0.0
    if not budget.paused:
        left, _ = signal.setitimer(signal.ITIMER_PROF, 0)
    budget.paused += 1
    try:
        yield
    finally:
        budget.paused -= 1
        if not budget.paused and budget.armed:
            # 0 left: the signal is on its way or came while paused; let it fire at once.
            expired = budget.expired or left <= 0
            signal.setitimer(signal.ITIMER_PROF, 1e-6 if expired else left)
