"""SIGTERM during a pass: the page being saved is finished, no other page is started, exit 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.ops.signals import (
    STOP_GRACE_SECONDS,
    STOP_HARD_SECONDS,
    StopNow,
    graceful_stop,
    stop_deadline,
    stop_requested,
    stop_signal,
    wait_or_stop,
)

ROOT = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).with_name("fake_pass.py")


def start_pass() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HELPER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_a_save_lets_it_finish_and_stops_before_the_next_page(
    sig: signal.Signals,
) -> None:
    proc = start_pass()
    assert proc.stdout is not None
    assert proc.stdout.readline() == "saving page 1\n"
    proc.send_signal(sig)
    out, err = proc.communicate("the save completes\n", timeout=30)
    assert out == f"saved page 1\nstopped before page 2 ({sig.name})\n"
    assert err == ""
    assert proc.returncode == 0


def test_without_a_signal_every_page_is_done() -> None:
    proc = start_pass()
    out, _ = proc.communicate("1\n2\n3\n", timeout=30)
    assert out.splitlines()[-1] == "all pages done"
    assert proc.returncode == 0


def test_the_handlers_are_installed_only_inside_and_restored_after() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with graceful_stop() as stop:
        assert signal.getsignal(signal.SIGTERM) is not before
        assert not stop_requested()
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(10)
        assert stop_requested()
        assert stop_signal() == "SIGTERM"
        os.kill(os.getpid(), signal.SIGTERM)  # a second SIGTERM changes nothing
        assert stop_signal() == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before
    assert not stop_requested()
    assert stop_signal() == ""


def test_a_second_sigint_interrupts_at_once() -> None:
    before = signal.getsignal(signal.SIGINT)
    with graceful_stop() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.wait(10)
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            stop.wait(10)  # the handler runs at the latest here
    assert signal.getsignal(signal.SIGINT) is before


def test_nested_use_restores_the_outer_state() -> None:
    with graceful_stop() as outer:
        with graceful_stop() as inner:
            os.kill(os.getpid(), signal.SIGTERM)
            assert inner.wait(10)
        assert not outer.is_set()
        assert not stop_requested()


def test_after_a_signal_no_wait_outlasts_the_grace() -> None:
    """A wait that would end past the grace gives up at once; a short one still runs."""
    assert stop_deadline() is None
    with graceful_stop():
        wait_or_stop(0.01)  # no signal: an ordinary sleep
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = stop_deadline()
        assert deadline is not None
        assert deadline - time.monotonic() <= STOP_GRACE_SECONDS
        assert stop_deadline(hard=True) == deadline - STOP_GRACE_SECONDS + STOP_HARD_SECONDS
        started = time.monotonic()
        with pytest.raises(StopNow, match="SIGTERM during a 300 s throttle wait"):
            wait_or_stop(300, "throttle wait")
        wait_or_stop(0.01)
        assert time.monotonic() - started < STOP_GRACE_SECONDS


def test_a_signal_during_a_long_wait_ends_it() -> None:
    with graceful_stop():
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
        timer.start()
        started = time.monotonic()
        with pytest.raises(StopNow):
            wait_or_stop(300, "wait before retrying")
        assert time.monotonic() - started < STOP_GRACE_SECONDS
        timer.join()
