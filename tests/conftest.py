"""Session-wide test hooks: the torture suite prints how many examples each property ran."""

from __future__ import annotations

import pytest

from tests.torture import RUNS, examples


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RUNS:
        return
    terminalreporter.section("torture suite")
    terminalreporter.write_line(f"HYPOTHESIS_EXAMPLES={examples()} examples per property")
    for prop, runs in sorted(RUNS.items()):
        terminalreporter.write_line(f"{prop}: {runs} examples run")
