"""The page model's memory: the cycle collector waits while a page is read, and only then."""

from __future__ import annotations

import gc

import pytest

from bot.text.model.analysis import analyze
from bot.text.model.memory import collector_paused


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_waits_inside_and_runs_again_after(collector_on) -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not end the outer one's pause
    assert gc.isenabled()


def test_an_error_inside_does_not_leave_the_collector_off(collector_on) -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_a_collector_its_program_turned_off_stays_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_analyze_pauses_it_and_gives_it_back(collector_on, monkeypatch) -> None:
    import bot.text.model.analysis as analysis

    seen = []
    real = analysis.masked_spans

    def spy(text: str):
        seen.append(gc.isenabled())
        return real(text)

    monkeypatch.setattr(analysis, "masked_spans", spy)
    analyze(":* A comment. [[User:Ann|Ann]] 10:00, 1 May 2020 (UTC)")
    assert seen == [False]
    assert gc.isenabled()
