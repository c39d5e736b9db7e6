"""SIGTERM (what Kubernetes sends) and SIGINT stop the bot between pages, never inside a save.

Inside `graceful_stop()` a signal only sets an event; the pass checks `stop_requested()` before
each page, so the save in progress completes and the process exits with its normal status.
Kubernetes kills 30 s after SIGTERM: every wait (`wait_or_stop`) ends when the signal comes, and
what is left of the page in hand must fit in STOP_GRACE_SECONDS (`stop_deadline`); a wait or a
request that would end later raises StopNow, and that page is finished by the next pass.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# After the signal, the page in hand may still wait and send requests for this long; requests
# then get at most STOP_HARD_SECONDS in all, so the process is gone well within 20 s.
STOP_GRACE_SECONDS = 12.0
STOP_HARD_SECONDS = 17.0

_current: threading.Event | None = None
_received: list[str] = []
_stopped_at: list[float] = []  # time.monotonic() when the first signal came


class StopNow(BaseException):
    """A wait or a request would outlast the grace a stop signal leaves: give up the page in hand.

    A BaseException, like KeyboardInterrupt, so that pywikibot's `except Exception` around its
    requests does not take it for a network error and retry.
    """


def stop_requested() -> bool:
    """Whether SIGTERM or SIGINT arrived inside the current `graceful_stop()`."""
    return _current is not None and _current.is_set()


def stop_signal() -> str:
    """The name of the first signal that asked to stop ("SIGTERM"), or ""."""
    return _received[0] if stop_requested() and _received else ""


def stop_deadline(hard: bool = False) -> float | None:
    """time.monotonic() by which the page in hand must be left (with `hard`: by which every
    request must be over), or None while no stop was asked for."""
    if not stop_requested() or not _stopped_at:
        return None
    return _stopped_at[0] + (STOP_HARD_SECONDS if hard else STOP_GRACE_SECONDS)


def wait_or_stop(seconds: float, what: str = "wait") -> None:
    """Sleep `seconds`, unless a stop signal makes the wait end past the grace: StopNow then (at
    once, or as the signal comes)."""
    end = time.monotonic() + seconds
    while True:
        deadline = stop_deadline()
        if deadline is not None and end > deadline:
            raise StopNow(f"{stop_signal()} during a {seconds:.0f} s {what}")
        left = end - time.monotonic()
        if left <= 0:
            return
        if _current is not None:
            _current.wait(left)  # ends early when the signal comes
        else:
            time.sleep(left)


@contextmanager
def graceful_stop(
    signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
) -> Iterator[threading.Event]:
    """Handle `signals` by setting the yielded event; the previous handlers come back on exit.

    A second SIGINT raises KeyboardInterrupt, for an operator at a terminal who does not want to
    wait for the page to finish. Must be entered in the main thread (Python's rule for signals).
    """
    global _current  # one process, one set of signal handlers
    event = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        # Only set the event here: printing from a signal handler can break a write in progress.
        if event.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        if not event.is_set():
            _received[:] = [signal.Signals(signum).name]
            _stopped_at[:] = [time.monotonic()]
        event.set()

    outer, outer_received, outer_at = _current, list(_received), list(_stopped_at)
    previous = {sig: signal.signal(sig, handler) for sig in signals}
    _current, _received[:], _stopped_at[:] = event, [], []
    try:
        yield event
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        _current, _received[:], _stopped_at[:] = outer, outer_received, outer_at
