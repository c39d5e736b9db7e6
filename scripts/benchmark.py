"""Benchmarks that print figures (never asserted in tests): the pure layer on big pages
(analysis, folding into boxes, the summary's wikitext).

Usage: .venv/bin/python scripts/benchmark.py [--size-mb N]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.text.edits.collapse import convert
from bot.text.model.analysis import analyze
from bot.text.reports.summary import build_summary, render_summary

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "consultation.wikitext"


def page_of(size_mb: float) -> str:
    sample = SAMPLE.read_text(encoding="utf-8")
    return sample * max(1, int(size_mb * 1_000_000 / len(sample.encode())))


def measure(name: str, func, text: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    result = func(text)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = len(text.encode()) / 1e6
    print(f"{name:<10} {size:6.1f} MB  {seconds:7.2f} s  {size / seconds:6.2f} MB/s  "
          f"peak {peak / 1e6:7.1f} MB  {result}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=float, default=4.0)
    args = parser.parse_args()
    text = page_of(args.size_mb)
    measure("analyze", lambda t: f"{len(analyze(t).comments)} comments", text)
    measure("convert", lambda t: f"{len(convert(t).folded)} boxes", text)
    measure("summary", lambda t: f"{len(render_summary(build_summary(analyze(t), 'Page', None)))}"
            " characters", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
