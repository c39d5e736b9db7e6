"""The pass lock between real processes: the second one waits a bounded time, then says who runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.errors import EXIT_PAGE_FAILED, BotError, InputError
from bot.ops.lock import POLL_SECONDS, LockBusy, LockWaitStopped, acquire

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# Holds the lock until a line arrives on standard input.
HOLDER = """
import sys
from bot.ops.lock import acquire
with acquire(sys.argv[1], 0):
    print("locked", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""

# Adds 1 to a counter file, many times, each time under the lock.
COUNTER = """
import sys
from pathlib import Path
from bot.ops.lock import acquire
lock, counter = sys.argv[1], Path(sys.argv[2])
for _ in range(25):
    with acquire(lock, 60):
        value = int(counter.read_text() or "0")
        counter.write_text(str(value + 1))
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "bot.lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ENV,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "locked\n"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def let_go(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    assert proc.wait(timeout=30) == 0


def test_a_second_process_gives_up_and_says_who_holds_the_lock(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    with pytest.raises(LockBusy) as caught:
        acquire(tmp_path / "bot.lock", 0)
    message = str(caught.value)
    assert message.startswith(f"another pass is running (pid {holder.pid} on ")
    assert ", started at 20" in message
    assert message.endswith("); gave up after 0 s")
    assert "\n" not in message
    assert isinstance(caught.value, BotError)
    assert caught.value.exit_status == EXIT_PAGE_FAILED


def test_the_wait_is_bounded(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    now = [1000.0]
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        now[0] += seconds

    with pytest.raises(LockBusy, match=r"gave up after 60 s$"):
        acquire(tmp_path / "bot.lock", 60, clock=lambda: now[0], sleep=sleep)
    assert sum(naps) == pytest.approx(60)
    assert max(naps) <= POLL_SECONDS


def test_a_waiting_process_gets_the_lock_when_the_holder_ends(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:  # the other pass finishes while we wait
            let_go(holder)

    with acquire(tmp_path / "bot.lock", 60, sleep=sleep) as lock:
        assert lock.held
        held_by = json.loads((tmp_path / "bot.lock").read_text())
        assert held_by["pid"] == os.getpid()
    assert len(naps) == 1
    assert not lock.held
    assert (tmp_path / "bot.lock").read_text() == ""


def test_passes_in_several_processes_never_overlap(tmp_path: Path) -> None:
    counter = tmp_path / "counter"
    counter.write_text("0")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTER, str(tmp_path / "bot.lock"), str(counter)], env=ENV
        )
        for _ in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    assert counter.read_text() == "100"


def test_the_lock_is_free_again_after_release_and_on_error(tmp_path: Path) -> None:
    path = tmp_path / "state" / "bot.lock"  # folders are made as needed
    with pytest.raises(RuntimeError), acquire(path, 0):
        raise RuntimeError("a pass that crashed")
    lock = acquire(path, 0)
    lock.release()
    lock.release()  # twice is harmless
    with acquire(path, 0):
        pass
    assert path.exists()  # never deleted: see the module docstring


@pytest.mark.parametrize("content", ["", "garbage", '{"pid": "1"}', "[1, 2]", '{"pid": 1}'])
def test_a_garbled_lock_file_gives_an_unknown_holder(
    tmp_path: Path, holder: subprocess.Popen[str], content: str
) -> None:
    (tmp_path / "bot.lock").write_text(content)
    with pytest.raises(LockBusy, match=r"\(holder unknown\); gave up"):
        acquire(tmp_path / "bot.lock", 0)


def test_an_unusable_lock_path_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="cannot open the lock file"):
        acquire(tmp_path / "file" / "bot.lock", 0)


def test_a_stop_signal_ends_the_wait(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    naps: list[float] = []
    with pytest.raises(LockWaitStopped) as caught:
        acquire(tmp_path / "bot.lock", 3600, sleep=naps.append, stop=lambda: len(naps) >= 3)
    assert len(naps) == 3
    assert caught.value.exit_status == 0
    assert "while waiting for the pass lock" in str(caught.value)
