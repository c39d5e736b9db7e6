"""The schedule decision with made-up clocks; the serve loop with a fake sleep (no real waits)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import schedule
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import BotError, InputError
from bot.ops.schedule import MAX_NAP_SECONDS, due, next_pass, serve, settle

HOUR = timedelta(hours=1)


def at(hhmm: str, day: int = 2) -> datetime:
    hours, minutes = hhmm.split(":")
    return datetime(2024, 5, day, int(hours), int(minutes), tzinfo=UTC)


@pytest.mark.parametrize(
    ("last_started", "now", "expected", "why"),
    [
        (None, "10:00", "10:00", "the first pass starts at once"),
        ("10:00", "10:05", "11:00", "a short pass: one interval after it started"),
        ("10:00", "10:59", "11:00", "a pass that nearly filled the interval"),
        ("10:00", "11:00", "11:00", "a pass that took exactly the interval: the next slot is now"),
        ("10:00", "11:10", "12:00", "an overrun: the missed 11:00 slot is skipped, no catch-up"),
        ("10:00", "13:30", "14:00", "a long overrun skips every missed slot"),
        ("10:00", "10:00", "11:00", "a pass that took no time"),
        ("10:00", "09:15", "10:15", "the clock went back during the pass: one interval from now"),
    ],
)
def test_next_pass(last_started: str | None, now: str, expected: str, why: str) -> None:
    started = at(last_started) if last_started else None
    assert next_pass(started, at(now), HOUR) == at(expected), why


@given(
    started=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    duration=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    minutes=st.integers(min_value=1, max_value=24 * 60),
)
def test_next_pass_is_a_later_slot_never_more_than_an_interval_away(
    started: datetime, duration: timedelta, minutes: int
) -> None:
    interval = timedelta(minutes=minutes)
    ended = started + duration
    planned = next_pass(started, ended, interval)
    assert ended <= planned <= ended + interval
    assert (planned - started) % interval == timedelta(0)
    assert planned > started


def test_next_pass_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError, match="positive"):
        next_pass(None, at("10:00"), timedelta(0))


@pytest.mark.parametrize(
    ("next_at", "now", "settled", "is_due"),
    [
        ("11:00", "10:30", "11:00", False),
        ("11:00", "11:00", "11:00", True),
        ("11:00", "11:45", "11:00", True),  # woke late: one pass, not several
        (("11:00", 3), "10:30", "11:30", False),  # the clock went back two days while waiting
    ],
)
def test_settle_and_due(
    next_at: str | tuple[str, int], now: str, settled: str, is_due: bool
) -> None:
    planned = at(*next_at) if isinstance(next_at, tuple) else at(next_at)
    assert settle(planned, at(now), HOUR) == at(settled)
    assert due(planned, at(now), HOUR) is is_due


class Harness:
    """Drives serve(): a fake sleep that records each wait and then plays a scripted event."""

    def __init__(self, events: list[str], fail_on: set[int] = frozenset()) -> None:
        self.events = list(events)
        self.fail_on = fail_on
        self.stop = threading.Event()
        self.scheduler = schedule.Scheduler()
        self.passes = 0
        self.waits: list[float] = []
        self.lines: list[str] = []

    def run_pass(self) -> int:
        self.passes += 1
        if self.passes in self.fail_on:
            raise BotError("another pass is running (pid 7, started at ...); gave up after 60 s")
        return 0

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        event = self.events.pop(0) if self.events else "stop"
        job = self.scheduler.jobs[0]
        if event == "time passes":  # the wait is over: the planned start is in the past
            job.next_run = datetime.now() - timedelta(seconds=1)
        elif event == "clock went back a day":
            job.next_run = datetime.now() + timedelta(days=1)
        elif event == "stop":
            self.stop.set()
        # "nap": a nap of MAX_NAP_SECONDS that does not reach the planned start

    def serve(self, minutes: int = 60) -> int:
        return serve(
            self.run_pass, minutes, stop=self.stop, sleep=self.sleep,
            scheduler=self.scheduler, say=self.lines.append,
        )


def test_serve_runs_a_pass_at_once_then_one_per_interval_until_stopped() -> None:
    harness = Harness(["nap", "time passes", "nap", "stop"])
    assert harness.serve() == 0
    assert harness.passes == 2
    assert len(harness.waits) == 4
    assert all(0 < w <= MAX_NAP_SECONDS for w in harness.waits)
    job = harness.scheduler.jobs[0]
    assert job.next_run - datetime.now() <= timedelta(minutes=60)
    assert harness.lines[-1] == "serve: stopped"
    assert any(line.startswith("serve: next pass at ") for line in harness.lines)


def test_a_short_interval_waits_less_than_a_nap() -> None:
    harness = Harness(["stop"])
    harness.serve(minutes=1)
    assert 0 < harness.waits[0] <= 60


def test_stop_during_a_pass_ends_the_loop_without_waiting() -> None:
    harness = Harness([])
    harness.run_pass = lambda: harness.stop.set() or 0  # type: ignore[method-assign]
    assert harness.serve() == 0
    assert harness.waits == []


def test_stop_before_the_first_pass_runs_nothing() -> None:
    harness = Harness([])
    harness.stop.set()
    assert harness.serve() == 0
    assert harness.passes == 0


def test_a_pass_that_cannot_take_the_lock_is_logged_and_the_loop_goes_on() -> None:
    harness = Harness(["time passes", "stop"], fail_on={1})
    harness.serve()
    assert harness.passes == 2
    assert any("pass not run: another pass is running" in line for line in harness.lines)


def test_a_clock_that_went_back_while_waiting_does_not_stall_the_bot() -> None:
    harness = Harness(["clock went back a day", "stop"])
    harness.serve()
    job = harness.scheduler.jobs[0]
    assert job.next_run - datetime.now() <= timedelta(minutes=60)
    assert harness.waits[1] <= MAX_NAP_SECONDS


def test_serve_uses_its_own_scheduler_not_the_global_one() -> None:
    harness = Harness(["stop"])
    harness.serve()
    assert schedule.jobs == []
    assert len(harness.scheduler.jobs) == 1


def test_serve_needs_an_interval_of_a_minute_at_least() -> None:
    with pytest.raises(InputError, match="interval_minutes"):
        Harness([]).serve(minutes=0)


def test_the_real_wait_ends_when_stop_is_set() -> None:
    stop = threading.Event()
    passes: list[int] = []

    def run_pass() -> int:
        passes.append(1)
        # SIGTERM arrives from elsewhere while the loop waits for the next pass
        threading.Timer(0.05, stop.set).start()
        return 0

    assert serve(run_pass, 60, stop=stop, say=lambda line: None) == 0
    assert passes == [1]
