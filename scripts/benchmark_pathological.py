"""How the pure layer's time grows on pathological pages (printed, never asserted in tests).

Each input is built at sizes n, 2n, 4n and 8n; each stage (analyze, convert, unconvert, the
summary, the whole plan_page) is timed in CPU time, and the growth exponent of each doubling is
printed: about 1 is linear, 2 quadratic. Times under a millisecond are too noisy to judge.

Usage: .venv/bin/python scripts/benchmark_pathological.py [--scale K] [--only NAME]...
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import PageOptions
from bot.text.edits.collapse import convert, unconvert
from bot.text.model.analysis import analyze
from bot.text.model.profile import ENGLISH
from bot.text.plan import plan_page
from bot.text.reports.summary import build_summary, render_summary

PROMPT = ":*(Add your comment here) (Don't forget to add your signature)"
SIGNATURE = "[[User:Alice|Alice]] 10:00, 1 May 2020 (UTC)"
HEAD = "== Part ==\n=== Question ===\nBackground of the question.\n"
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def _line(body: str) -> str:
    return f"{HEAD}{PROMPT}\n:* {body}\n"


# name -> (what it is, the page for n units, units at the first size)
INPUTS: dict[str, tuple[str, Callable[[int], str], int]] = {
    "spaces": ("one comment line of n spaces", lambda n: _line(" " * n + "x"), 4000),
    "prompt-tabs": ("a prompt followed by n tabs", lambda n: HEAD + PROMPT + "\t" * n + "\n", 4000),
    "tabs-prompt": ("n tabs, then a prompt", lambda n: HEAD + "\t" * n + PROMPT + "\n", 4000),
    "pre-open": ("one line of '<pre ' n times, no '>'", lambda n: _line("<pre " * n), 1000),
    "nowiki-open": ("one line of '<nowiki ' n times", lambda n: _line("<nowiki " * n), 1000),
    "pre-unclosed": ("'<pre>' n times, never closed", lambda n: _line("<pre>" * n), 1000),
    "comment-open": ("'<!--' n times, one line", lambda n: _line("<!--" * n), 1000),
    "signatures": ("n signatures on one line", lambda n: _line(f"{SIGNATURE} " * n), 100),
    "user-links": ("n user links, one timestamp", lambda n: _line(
        "[[User:Bob|Bob]] " * n + "10:00, 1 May 2020 (UTC)"), 200),
    "fold-markers": ("n fake fold start markers, one end marker", lambda n: HEAD
                     + "<!-- consultation-bot fold [1 0 0 00000000] -->\n" * n
                     + "<!-- /consultation-bot fold -->\n", 1000),
    "fold-markers-no-end": ("n fake start markers, no end marker", lambda n: HEAD
                            + "<!-- consultation-bot fold [1 0 0 00000000] -->\n" * n, 1000),
    "div-opens": ("'<div ' n times without '>'", lambda n: _line("<div " * n), 1000),
    "div-selfclosing": ("'<div/>' n times", lambda n: HEAD + "<div/>" * n + "\n", 1000),
    "div-lines": ("'<div' and '>' on n line pairs", lambda n: HEAD + "<div\n>\n" * n, 500),
    "lt": ("n '<' on one line", lambda n: _line("<" * n), 4000),
    "links-open": ("n '[[' on one line", lambda n: _line("[[" * n), 2000),
    "braces-open": ("n '{{' on one line", lambda n: _line("{{" * n), 2000),
    "braces-nested": ("n nested {{T|...}}", lambda n: _line("{{T|" * n + "x" + "}}" * n), 300),
    "quotes": ("n apostrophes", lambda n: _line("'" * n), 4000),
    "equals": ("a line of n equals signs", lambda n: HEAD + "=" * n + "\n", 4000),
    "colons": ("a line of n colons", lambda n: HEAD + ":" * n + " x\n", 4000),
    "headings": ("n question headings with intros", lambda n: "== Part ==\n" + "".join(
        f"=== Q{i} ===\nIntro {i}.\n" for i in range(n)), 200),
    "same-headings": ("n headings with one title", lambda n: "== P ==\n"
                      + "=== Q ===\nIntro.\n" * n, 200),
    "heading-divs": ("n headings with '<div' in the title", lambda n: "== P ==\n"
                     + "=== a <div b ===\nIntro >\n" * n, 200),
    "nested-divs": ("n nested divs in an intro", lambda n: HEAD + "<div>" * n + "</div>" * n
                    + "\n", 1000),
    "span-opens": ("n unclosed <span>", lambda n: HEAD + "<span>" * n + "\n", 1000),
    "table-lines": ("n '{|' lines", lambda n: HEAD + "{|\n" * n, 1000),
    "list-lines": ("n unsigned list lines", lambda n: HEAD + PROMPT + "\n"
                   + "".join(f":* idea {i}\n" for i in range(n)), 500),
}

STAGES: dict[str, Callable[[str], object]] = {
    "analyze": analyze,
    "convert": convert,
    "unconvert": unconvert,
    "summary": lambda text: render_summary(build_summary(analyze(text), "Bench", None)),
    "plan_page": lambda text: plan_page(
        text, PageOptions(title="Bench"), profile=ENGLISH, now=NOW, as_of=None
    ),
}


def cpu_seconds(func: Callable[[str], object], text: str, budget: float) -> float:
    """CPU time of one call, averaged over repeats when a call is quick."""
    calls, spent = 0, 0.0
    while spent < budget and (calls == 0 or spent < 0.02):
        started = time.process_time()
        func(text)
        spent += time.process_time() - started
        calls += 1
        if spent > budget:
            break
    return spent / calls


def exponent(before: float, after: float) -> str:
    if before < 1e-3 or after < 1e-3:
        return "  -  "
    return f"{math.log2(after / before):5.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size by this")
    parser.add_argument("--only", action="append", metavar="NAME", choices=sorted(INPUTS),
                        help="run only this input (repeatable)")
    parser.add_argument("--stage", action="append", choices=sorted(STAGES),
                        help="time only this stage (repeatable)")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="skip the larger sizes of a stage once one call takes this long (s)")
    args = parser.parse_args()
    stages = {name: STAGES[name] for name in args.stage or STAGES}
    print(f"{'input':<20} {'stage':<10} {'n':>7} {'t(n) s':>8} {'t(2n)':>8} {'t(4n)':>8} "
          f"{'t(8n)':>8}   k(2n)  k(4n)  k(8n)")
    worst = 0.0
    for name in args.only or INPUTS:
        _, build, base = INPUTS[name]
        n = max(1, int(base * args.scale))
        texts = [build(n * 2**i) for i in range(4)]
        for stage, func in stages.items():
            times: list[float] = []
            for text in texts:
                if times and times[-1] > args.budget:
                    break
                times.append(cpu_seconds(func, text, args.budget))
            steps = [exponent(a, b) for a, b in pairwise(times)]
            worst = max([worst] + [float(s) for s in steps if s.strip() != "-"])
            cells = [f"{t:8.3f}" for t in times] + ["       -"] * (4 - len(times))
            print(f"{name:<20} {stage:<10} {n:>7} {' '.join(cells)}   "
                  f"{'  '.join(steps + ['  -  '] * (3 - len(steps)))}", flush=True)
    print(f"worst growth exponent: {worst:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
