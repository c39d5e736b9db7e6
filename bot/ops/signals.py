"""SIGTERM (what Kubernetes sends) and SIGINT stop the bot between pages, never inside a save.

Inside `graceful_stop()` a signal only sets an event; the pass checks `stop_requested()` before
each page, so the save in progress completes and the process exits with its normal status.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_current: threading.Event | None = None
_received: list[str] = []


def stop_requested() -> bool:
    """Whether SIGTERM or SIGINT arrived inside the current `graceful_stop()`."""
    return _current is not None and _current.is_set()


def stop_signal() -> str:
    """The name of the first signal that asked to stop ("SIGTERM"), or ""."""
    return _received[0] if stop_requested() and _received else ""


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
        event.set()

    outer, outer_received = _current, list(_received)
    previous = {sig: signal.signal(sig, handler) for sig in signals}
    _current, _received[:] = event, []
    try:
        yield event
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        _current, _received[:] = outer, outer_received
