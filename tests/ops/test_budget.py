"""The per-page CPU budget: planning that runs past it is interrupted, a save is not."""

from __future__ import annotations

import signal
import time

import pytest

from bot.ops.budget import OverBudget, budget_paused, cpu_budget


def spin(seconds: float) -> None:
    """Use about `seconds` of CPU time in Python code."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_planning_past_the_budget_is_interrupted() -> None:
    started = time.process_time()
    with pytest.raises(OverBudget, match=r"more than 0\.2 s of CPU time"), cpu_budget(0.2):
        spin(30)
    assert time.process_time() - started < 5
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_waiting_costs_no_budget_and_a_finished_block_is_never_interrupted() -> None:
    with cpu_budget(0.3):
        time.sleep(0.6)  # waiting for the wiki: no CPU time
        spin(0.1)
    spin(0.5)  # after the block: nothing is raised


def test_a_paused_budget_lets_a_save_finish_and_interrupts_after_it() -> None:
    done = []
    with pytest.raises(OverBudget), cpu_budget(0.2):
        spin(0.1)
        with budget_paused():
            spin(0.5)  # the save
            done.append("saved")
        spin(30)
    assert done == ["saved"]
    with budget_paused():  # no budget running: harmless
        spin(0.01)
