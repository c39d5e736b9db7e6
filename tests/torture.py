"""The torture suite's example counts: each property counts its runs, and the session's terminal
summary prints them (tests/conftest.py), so a run says how hard it tried.

HYPOTHESIS_EXAMPLES sets the examples per property (1,000 by default; nightly: 10,000).
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

DEFAULT_EXAMPLES = 1_000
RUNS: Counter[str] = Counter()


def examples() -> int:
    return int(os.environ.get("HYPOTHESIS_EXAMPLES", DEFAULT_EXAMPLES))


def torture_settings() -> settings:
    return settings(
        max_examples=examples(), deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def ran(prop: str) -> None:
    """Count one run of a property (shrinking and replays count too)."""
    RUNS[prop] += 1
