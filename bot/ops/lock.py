"""The pass lock: at most one pass at a time (scheduled, `serve` or manual), across processes.

An exclusive `fcntl.flock` on a lock file that is never deleted (deleting it would let two
processes lock two different files). The holder writes its pid, host and start time into it, so
a process that gives up can say who holds the lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from bot.errors import BotError, InputError

POLL_SECONDS = 0.5


class LockBusy(BotError):
    """Another pass holds the lock and did not release it within the wait (exit status 1)."""


class LockWaitStopped(BotError):
    """A stop signal came while waiting for the lock: no pass was run, and that is no failure."""

    exit_status = 0


class PassLock:
    """A held pass lock; a context manager that releases it on exit."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: IO[str] | None = handle

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        try:
            handle.seek(0)
            handle.truncate()  # no stale holder shown to the next one that waits
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def __enter__(self) -> PassLock:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def acquire(
    path: str | Path,
    wait_seconds: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
    stop: Callable[[], bool] | None = None,
) -> PassLock:
    """Take the lock, waiting up to `wait_seconds` (polling); raise LockBusy when it stays taken,
    LockWaitStopped as soon as `stop()` says a stop signal came."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - PassLock closes it
    except OSError as exc:
        raise InputError(f"{path}: cannot open the lock file: {exc.strerror}") from None
    deadline = clock() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if stop is not None and stop():
                handle.close()
                raise LockWaitStopped(
                    "stopped by a signal while waiting for the pass lock: no pass was run"
                ) from None
            left = deadline - clock()
            if left <= 0:
                holder = _holder(handle)
                handle.close()
                raise LockBusy(
                    f"another pass is running ({holder}); gave up after {wait_seconds:g} s"
                ) from None
            sleep(min(POLL_SECONDS, left))
        except OSError as exc:
            handle.close()
            raise InputError(f"{path}: cannot lock: {exc.strerror}") from None
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }) + "\n")
    handle.flush()
    return PassLock(path, handle)


def _holder(handle: IO[str]) -> str:
    """Who holds the lock, from what it wrote; the file is anyone's to garble, so check it."""
    try:
        handle.seek(0)
        data = json.loads(handle.read(1000) or "null")
        pid, host, started = data["pid"], data["host"], data["started"]
    except (OSError, ValueError, TypeError, KeyError):
        return "holder unknown"
    if not isinstance(pid, int) or not isinstance(host, str) or not isinstance(started, str):
        return "holder unknown"
    host = "".join(c for c in host if c.isprintable())[:64]
    started = "".join(c for c in started if c.isprintable())[:40]
    return f"pid {pid} on {host}, started at {started}"
