"""When `serve` runs a pass: a pure function of the clock decides (`next_pass`, `settle`), a
`schedule.Scheduler` job carries the decision in its `next_run` and runs the pass, and the loop
sleeps `idle_seconds` with `stop.wait`, so SIGTERM ends a wait at once.

Why this split: `schedule` reads `datetime.datetime.now()` itself and takes no clock, so what must
be tested with made-up times (overruns, clock jumps) is in the pure functions, and the loop is
tested with the real `schedule` and a fake sleep that ends a wait by moving `next_run` to the past.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable

import schedule

from bot.errors import BotError, InputError

# The longest single wait: the loop looks at the clock again at least this often, so a wall clock
# that jumps is noticed within a minute.
MAX_NAP_SECONDS = 60.0


def next_pass(
    last_started: dt.datetime | None, now: dt.datetime, interval: dt.timedelta
) -> dt.datetime:
    """When the next pass starts, decided at `now`, when the last pass has just ended.

    Passes start on a grid: `last_started` plus whole intervals. The first pass starts at once. A
    pass that took longer than the interval does not cause a second pass right after it to catch
    up: the slots it overran are skipped and the next one starts at the next slot still ahead.
    When the clock went back during the pass (`now` before `last_started`), the next pass is one
    interval from now.
    """
    if interval <= dt.timedelta(0):
        raise ValueError("the interval must be positive")
    if last_started is None:
        return now
    if now < last_started:
        return now + interval
    slots = max(1, math.ceil((now - last_started) / interval))
    return last_started + slots * interval


def settle(next_at: dt.datetime, now: dt.datetime, interval: dt.timedelta) -> dt.datetime:
    """The planned start, corrected for a clock that went back while waiting.

    A plan is never more than one interval ahead when it is made; a plan further ahead than that
    means the clock went back, and waiting out the jump would leave the bot idle for as long as
    the jump: the next pass is then one interval from now.
    """
    return min(next_at, now + interval)


def due(next_at: dt.datetime, now: dt.datetime, interval: dt.timedelta) -> bool:
    """Whether a pass planned for `next_at` starts now."""
    return now >= settle(next_at, now, interval)


def serve(
    run_pass: Callable[[], int],
    interval_minutes: int,
    *,
    stop: threading.Event,
    sleep: Callable[[float], object] | None = None,
    scheduler: schedule.Scheduler | None = None,
    say: Callable[[str], None] | None = None,
) -> int:
    """Run a pass now and then every `interval_minutes` until `stop` is set; returns 0.

    `run_pass` returns the pass's exit status; a BotError from it (say, the lock is held by a long
    manual run), or any other failure of a pass, is one log line and the loop goes on. `stop` is
    checked before each pass and between waits; it does not interrupt a pass (the pass itself
    looks at it between pages).
    `sleep` defaults to `stop.wait`; tests pass a fake one and their own `scheduler`.
    """
    if interval_minutes < 1:
        raise InputError("bot.interval_minutes: expected at least 1 for serve")
    interval = dt.timedelta(minutes=interval_minutes)
    wait = sleep if sleep is not None else stop.wait
    say = say if say is not None else _say
    scheduler = scheduler if scheduler is not None else schedule.Scheduler()
    started: list[dt.datetime] = []

    def one_pass() -> None:
        started[:] = [_now()]
        try:
            status = run_pass()
        except BotError as exc:
            say(f"serve: pass not run: {exc}")
        except Exception as exc:  # the service outlives any one pass's failure
            text = " ".join(str(exc).split())[:300]
            say(f"serve: pass failed: {type(exc).__name__}: {text}")
        else:
            say(f"serve: pass ended with status {status}")

    job = scheduler.every(interval_minutes).minutes.do(one_pass)
    job.next_run = next_pass(None, _now(), interval)
    while not stop.is_set():
        scheduler.run_pending()
        if started:  # a pass just ran: schedule's own rule would count from its end; ours wins
            job.next_run = next_pass(started.pop(), _now(), interval)
            say(f"serve: next pass at {job.next_run:%Y-%m-%d %H:%M:%S}")
        else:
            job.next_run = settle(job.next_run, _now(), interval)
        if stop.is_set():
            break
        idle = scheduler.idle_seconds or 0.0
        if idle > 0:
            wait(min(idle, MAX_NAP_SECONDS))
    say("serve: stopped")
    return 0


def _say(line: str) -> None:
    print(line, flush=True)


def _now() -> dt.datetime:
    # schedule works in naive local time (datetime.datetime.now()); its job times are compared
    # with this clock, so ours must be the same one.
    return dt.datetime.now()
