"""Benchmark the pure layer on realistic consultation pages: prints figures, asserts nothing.

Pages of 0.25 to 8 MB are generated from a seed (tests/text/pages.py: parts, questions with long
backgrounds, prompts, signed, unsigned and tagged comments, replies, mentions, votes, boxes).
Each figure is the CPU time (time.process_time, no tracer) of one operation in a fresh child
process (its imports and the compiling of the shipped templates it renders done before the
clock starts: one-off costs of a process, not of a page), the minimum of --repeat runs (more on
pages under 2 MB, whose runs are short; taken in turns over the operations, so that a busy
spell of the machine falls on all), and that
process's peak RSS as the OS reports it (resource.getrusage). This process stays small (the
pages are made in a child too): Linux counts the peak of the process a child was forked from in
the child's. plan_page (tagging on) is timed from the page's text alone, and as `run` calls it:
given the read's analysis and the line keys the attribution found ("plan (as run)"); "line keys"
is what finding those keys costs. The peers, timed in the same run on the same pages, are
mwparserfromhell.parse (the wikitext parser pywikibot uses) and one pass of a plain signature
regex.

With --wiki, the same table also gives the wiki scenarios of issue 13, each run on its own
throwaway local wiki: scripts/benchmark_requests.py (100 pages: a first pass, no-change passes,
serve passes, pywikibot's PreloadingGenerator as the peer) and scripts/benchmark_history.py
(attribution on a 2,000-revision page, the same texts fetched one request each as the peer).
Their rows give API requests after login and the bot's CPU seconds (about 5 minutes more).

Usage: .venv/bin/python scripts/benchmark.py [--sizes 0.25,1,2,5,8] [--repeat 3] [--seed 1]
       [--wiki]
"""

from __future__ import annotations

# The child that runs an operation imports no more than the command it stands for: its peak
# RSS is the figure. The parent's modules (pickle, subprocess, tempfile) are imported where used.
import argparse
import json
import math
import os
import re
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TITLE = "Consultation"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
# One pass of a plain signature regex: a user link, then a date, as ~~~~ writes it in English.
SIGNATURE = re.compile(
    r"\[\[(?:User|User talk|Special:Contributions)[:/][^\]|]+(?:\|[^\]]*)?\]\][^\n]{0,100}?"
    r"\d\d:\d\d, \d{1,2} [A-Z][a-z]+ \d{4} \(UTC\)"
)
OPERATIONS = (
    "analyze", "convert", "summary", "line keys", "plan (as run)", "plan_page", "convert --diff",
    "analyze --json", "mwparserfromhell", "signature regex",
)
# The shipped templates each operation renders (compiled before the clock starts).
TEMPLATES_OF = {
    "convert": ("box.wikitext.j2",),
    "convert --diff": ("box.wikitext.j2",),
    "summary": ("summary.wikitext.j2",),
    "plan_page": ("box.wikitext.j2", "unsigned.wikitext.j2", "edit_summary.txt.j2",
                  "summary.wikitext.j2"),
    "plan (as run)": ("box.wikitext.j2", "unsigned.wikitext.j2", "edit_summary.txt.j2",
                      "summary.wikitext.j2"),
}


def _options():
    from bot.config import PageOptions

    return PageOptions(title=TITLE, tag_unsigned=True, grace_minutes=0)


def prepare(folder: Path, size_mb: float, seed: int) -> Path:
    """Write the page and the history's answer for it (what plan_page is given)."""
    import pickle

    from bot.text.model.analysis import analyze
    from bot.text.model.profile import ENGLISH
    from bot.text.plan import keys_of, line_normalizer, prompt_phrases
    from tests.text.pages import authorship, consultation_page

    page = consultation_page(int(size_mb * 1_000_000), seed)
    path = folder / f"page-{size_mb:g}MB.wikitext"
    path.write_text(page.text, encoding="utf-8")
    options = _options()
    analysis = analyze(page.text, ENGLISH, prompt_phrases(options))
    keys = keys_of(analysis, line_normalizer(options, ENGLISH))
    with open(path.with_suffix(".authorship"), "wb") as out:
        pickle.dump(authorship(page, keys), out)
    return path


# -- the child: one operation, timed ----------------------------------------------------------
def _operation(name: str, path: Path) -> Callable[[], object]:
    """The operation, set up (imports, the shipped templates compiled, input read) outside what
    is timed."""
    from bot.text.model.analysis import analyze
    from bot.text.model.profile import ENGLISH

    _compile_templates(TEMPLATES_OF.get(name, ()))

    if name in ("convert --diff", "analyze --json"):
        import bot.cli

        if name == "convert --diff":
            import bot.text.edits.collapse  # imported by the command: not timed

        argv = ["convert", str(path), "--diff"] if name == "convert --diff" else [
            "analyze", str(path), "--json"
        ]

        def command() -> object:
            with open(os.devnull, "w", encoding="utf-8") as sink:
                saved, sys.stdout = sys.stdout, sink
                try:
                    return bot.cli.main(argv)
                finally:
                    sys.stdout = saved

        return command
    text = path.read_text(encoding="utf-8")
    if name == "analyze":
        return lambda: f"{len(analyze(text).comments)} comments"
    if name == "convert":
        from bot.text.edits.collapse import convert

        return lambda: f"{len(convert(text).folded)} boxes"
    if name == "summary":
        from bot.text.reports.summary import build_summary, render_summary

        return lambda: f"{len(render_summary(build_summary(analyze(text), TITLE, None)))} chars"
    if name in ("line keys", "plan (as run)", "plan_page"):
        import pickle

        from bot.text.plan import keys_of, line_normalizer, plan_page, prompt_phrases

        with open(path.with_suffix(".authorship"), "rb") as found:
            authorship = pickle.load(found)
        options = _options()
        if name == "plan_page":  # from the text alone: its analysis and line keys included

            def plan() -> object:
                plan = plan_page(text, options, profile=ENGLISH, now=NOW, as_of=None,
                                 authorship=authorship)
                return f"{len(plan.tagged)} tags, {len(plan.folded)} boxes"

            return plan
        # As `run` has them: the read's analysis, and the line keys the attribution found with
        # the same normalizer (or the state kept, for a page unchanged since the last run).
        analysis = analyze(text, ENGLISH, prompt_phrases(options))
        normalizer = line_normalizer(options, ENGLISH)
        if name == "line keys":
            return lambda: f"{len(keys_of(analysis, normalizer))} lines"
        keys = keys_of(analysis, normalizer)

        def as_run() -> object:
            plan = plan_page(text, options, profile=ENGLISH, now=NOW, as_of=None,
                             authorship=authorship, analysis=analysis, normalizer=normalizer,
                             keys=keys)
            return f"{len(plan.tagged)} tags, {len(plan.folded)} boxes"

        return as_run
    if name == "mwparserfromhell":
        import mwparserfromhell

        return lambda: f"{len(mwparserfromhell.parse(text).nodes)} nodes"
    if name == "signature regex":
        return lambda: f"{len(SIGNATURE.findall(text))} signatures"
    raise ValueError(name)


def _compile_templates(names: tuple[str, ...]) -> None:
    """Compile the shipped jinja2 templates an operation renders, as importing compiles the
    bot's modules: a one-off cost of each process (about 40 ms for the summary's), the same for
    every page size, that would otherwise be counted in the first render."""
    if names:
        from bot.render import load

        for template in names:
            load(template)


def child(name: str, path: Path) -> None:
    run = _operation(name, path)
    started = time.process_time()
    result = run()
    cpu = time.process_time() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(json.dumps({"cpu": cpu, "rss_mb": peak_kb / 1024, "result": str(result)}))


# -- the parent: runs, table, targets ---------------------------------------------------------
def measure(names: tuple[str, ...], path: Path, repeat: int) -> dict[str, dict[str, float | str]]:
    """Each operation's figures on one page: the runs go round the operations `repeat` times,
    so that a busy spell of a shared machine falls on all of them alike, not on the runs of one
    (whose minimum, and its ratio to analyze's, it would skew)."""
    import subprocess

    runs: dict[str, list[dict]] = {name: [] for name in names}
    for _ in range(repeat):
        for name in names:
            done = subprocess.run(
                [sys.executable, __file__, "--child", name, str(path)],
                capture_output=True, text=True, check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"{name} on {path.name} failed:\n{done.stderr}")
            runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        name: {
            "cpu": min(r["cpu"] for r in found),
            "rss_mb": min(r["rss_mb"] for r in found),
            "result": found[0]["result"],
        }
        for name, found in runs.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0.25,1,2,5,8", help="page sizes in MB")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the minimum)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wiki", action="store_true",
                        help="also the wiki scenarios (API requests), on throwaway local wikis")
    parser.add_argument("--child", nargs=2, metavar=("OPERATION", "PAGE"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare", nargs=2, metavar=("FOLDER", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    if args.prepare:
        print(prepare(Path(args.prepare[0]), float(args.prepare[1]), args.seed))
        return 0
    import subprocess
    import tempfile

    sizes = [float(s) for s in args.sizes.split(",")]
    print(f"Realistic consultation pages (seed {args.seed}); CPU seconds are the minimum of "
          f"{args.repeat} runs (more below 2 MB: --repeat x 2 / MB), each in a fresh process, "
          "taken in turns over the operations; peak RSS of that process.")
    header = (f"{'MB':>5}  {'operation':<17}{'CPU s':>8}{'MB/s':>8}{'× analyze':>11}"
              f"{'× mwpfh':>9}{'× regex':>9}{'peak RSS MB':>13}  result")
    print(header)
    print("-" * len(header))
    figures: dict[tuple[float, str], dict[str, float | str]] = {}
    megabytes_of: dict[float, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            made = subprocess.run(
                [sys.executable, __file__, "--prepare", folder, str(size), "--seed",
                 str(args.seed)], capture_output=True, text=True, check=True,
            )
            path = Path(made.stdout.strip())
            megabytes = megabytes_of[size] = path.stat().st_size / 1e6
            # The minimum of a few runs of 30 ms is no steadier than one of 1 s: a small page
            # gets more runs (0.25 MB: 8 times --repeat), a page of 2 MB or more --repeat.
            runs = max(args.repeat, math.ceil(args.repeat * 2 / size))
            for name, found in measure(OPERATIONS, path, runs).items():
                figures[size, name] = found
            analyze_cpu = figures[size, "analyze"]["cpu"]
            peer_cpu = figures[size, "mwparserfromhell"]["cpu"]
            regex_cpu = figures[size, "signature regex"]["cpu"]
            for name in OPERATIONS:
                found = figures[size, name]
                cpu = float(found["cpu"])
                print(f"{megabytes:5.2f}  {name:<17}{cpu:8.2f}{megabytes / cpu:8.2f}"
                      f"{cpu / float(analyze_cpu):11.2f}{cpu / float(peer_cpu):9.2f}"
                      f"{cpu / float(regex_cpu):9.1f}{float(found['rss_mb']):13.1f}  "
                      f"{found['result']}")
        if args.wiki:
            wiki = wiki_figures(Path(folder))
            print_wiki_rows(wiki)
    print()
    print_targets(figures, megabytes_of)
    if args.wiki:
        print_wiki_targets(wiki)
    return 0


# -- the wiki scenarios: the two wiki benchmarks, run as they are, read from their JSON ----------
def wiki_figures(folder: Path) -> dict:
    import subprocess

    found = {}
    for name, script in (("requests", "benchmark_requests.py"),
                         ("history", "benchmark_history.py")):
        out = folder / f"{name}.json"
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / script), "--json", str(out)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0 or not out.exists():
            raise SystemExit(f"{script} failed (exit {done.returncode}):\n"
                             f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
        found[name] = json.loads(out.read_text())
    return found


def print_wiki_rows(wiki: dict) -> None:
    def row(label: str, cpu: float | None, result: str) -> None:
        shown = f"{cpu:8.2f}" if cpu is not None else f"{'':8}"
        print(f"{'wiki':>5}  {label:<17}{shown}{'':50}  {result}")

    short = {"run, first": "first pass", "run, nothing to change (again)": "no-change pass",
             "run, nothing to change": "no-change +status", "serve, first": "serve 1st pass",
             "serve, next pass, nothing": "serve no change", "serve, next pass after":
             "serve 1 changed", "pywikibot": "preload (peer)"}
    for r in wiki["requests"]:
        label = next(v for k, v in short.items() if r["label"].startswith(k))
        row(label, r["cpu"], f"{r['requests'] - r['login']} API requests after login, "
                             f"{r['writes']} writes, wall {r['wall']:.1f} s ({r['label']})")
    history = wiki["history"]
    for m, label in zip(history["runs"], ("attribution 1st", "attribution same", "attribution +1"),
                        strict=True):
        row(label, m["cpu"], f"{m['requests']} API requests, {m['fetches']} texts, "
                             f"{m['revisions']} revisions listed, wall {m['seconds']:.1f} s")
    peer = history["peer"]
    row("1 text a request", None, f"{peer['requests']} API requests (peer: the first run's "
                                  f"texts one a request), wall {peer['wall']:.1f} s")


def print_wiki_targets(wiki: dict) -> None:
    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    rows = wiki["requests"]
    quiet = next(r for r in rows if r["label"] == "run, nothing to change (again)")
    after = quiet["requests"] - quiet["login"]
    print(f"  no-change pass over 100 pages <= 5 API requests after login, "
          f"0 writes: {after}, {quiet['writes']}: {verdict(after <= 5 and not quiet['writes'])}")
    first = rows[0]
    per_save = (first["requests"] - first["login"]) / max(first["writes"], 1)
    print(f"  first pass <= 3 requests per page saved, all told: {per_save:.2f} "
          f"({first['requests'] - first['login']} / {first['writes']}): {verdict(per_save <= 3)}")
    history = wiki["history"]
    run1, run2, run3 = history["runs"]
    correct = history["correct"] == history["attributed"] == history["unsigned"]
    print(f"  attribution, 2,000 revisions: <= 60 requests: {run1['requests']}; correct "
          f"{history['correct']}/{history['unsigned']}: "
          f"{verdict(run1['requests'] <= 60 and correct)}")
    ratio = run1["seconds"] / history["peer"]["wall"]
    print(f"  attribution wall <= 1/5 of fetching its texts one a request: {ratio:.2f}: "
          f"{verdict(ratio <= 0.2)}")
    print(f"  a run with no new revision: {run2['history']} history requests, {run2['fetches']} "
          f"texts: {verdict(not run2['history'] and not run2['fetches'] and history['run2_ok'])}")
    print(f"  a run after new revisions lists only the new part: {run3['revisions']} listed: "
          f"{verdict(run3['revisions'] < run1['revisions'] and history['run3_ok'])}")


def print_targets(figures: dict, megabytes_of: dict[float, float]) -> None:
    """Issue 13's offline targets, each with the figure it is judged by."""
    sizes = sorted(megabytes_of)

    def cpu(size: float, name: str) -> float:
        if name == "MB":
            return megabytes_of[size]
        return float(figures[size, name]["cpu"])

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    largest = max(sizes)
    megabytes = cpu(largest, "MB")
    rate = min(cpu(s, "MB") / cpu(s, "analyze") for s in sizes)
    print("Targets (issue 13):")
    print(f"  analyze >= 8 MB/s of CPU: slowest {rate:.2f} MB/s: {verdict(rate >= 8)}")
    for name in ("convert", "summary"):
        worst = max(cpu(s, name) / cpu(s, "analyze") for s in sizes)
        print(f"  {name} within 1.3x of analyze: worst {worst:.2f}x: {verdict(worst <= 1.3)}")
    ratio = cpu(largest, "plan (as run)") / cpu(largest, "analyze")
    print(f"  plan_page with tagging on {megabytes:.1f} MB <= 2x analyze, as run calls it (given "
          f"the read's analysis and the attribution's line keys): {ratio:.2f}x: "
          f"{verdict(ratio <= 2)}")
    ratio = cpu(largest, "plan_page") / cpu(largest, "analyze")
    keys = cpu(largest, "line keys") / cpu(largest, "analyze")
    print(f"    from the text alone (analysis and line keys included): {ratio:.2f}x: "
          f"{verdict(ratio <= 2)}; the line keys alone: {keys:.2f}x")
    near5 = min(sizes, key=lambda s: abs(s - 5))
    ratio = cpu(near5, "convert --diff") / cpu(near5, "convert")
    print(f"  convert --diff on {cpu(near5, 'MB'):.1f} MB <= 2x convert: {ratio:.2f}x: "
          f"{verdict(ratio <= 2)}")
    rss = float(figures[largest, "analyze --json"]["rss_mb"])
    budget = megabytes * 1.5 + 40
    print(f"  peak RSS of analyze --json on {megabytes:.1f} MB <= {budget:.0f} MB "
          f"(size x 1.5 + 40): {rss:.0f} MB: {verdict(rss <= budget)}")


if __name__ == "__main__":
    sys.exit(main())
