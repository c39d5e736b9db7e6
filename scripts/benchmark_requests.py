"""Benchmark what a pass costs in API requests on a real wiki: 100 realistic consultation pages.

Sets up a throwaway local wiki (scripts/devwiki) with N consultation pages of about 27 kB each
(tests/consultations.py: many signatures, some unsigned comments), imported in one go with
importTextFiles.php, then runs the bot as an operator does and prints, for each pass, the API
requests (all, after login, writes) and the bot's wall and CPU time:

1. `run`, first pass: every page gets its boxes and its two summary subpages;
2. `run` again: nothing to change;
3. `serve`: its first pass, a second one with nothing changed, and a third after one
   participant's edit to one page (two passes of one process: what `serve` keeps between them);

and, as the peer, pywikibot's PreloadingGenerator reading the same pages and subpages.

Usage: .venv/bin/python scripts/benchmark_requests.py [--pages N] [--keep DIR] [--json FILE]
(about 2 minutes; needs `scripts/devwiki install` done once)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.consultations import consultation  # noqa: E402
from tests.devwiki import (  # noqa: E402
    MEDIAWIKI_DIR,
    DevWiki,
    devwiki_available,
    start_devwiki,
    work_folder,
)

PREFIX = "Benchmark/"
SHUTOFF = "User:ConsultationBot/Shutoff"
STATUS = "User:ConsultationBot/Status"


@dataclass
class Figures:
    label: str
    requests: int
    login: int
    writes: int
    edits: int
    wall: float
    cpu: float

    def row(self) -> str:
        after = self.requests - self.login
        return (f"{self.label:<44}{self.requests:>9}{after:>8}{self.writes:>8}{self.edits:>7}"
                f"{self.wall:>9.1f}{self.cpu:>8.1f}")


HEADER = (f"{'pass':<44}{'API req':>9}{'after':>8}{'writes':>8}{'edits':>7}{'wall s':>9}"
          f"{'CPU s':>8}\n{'':<44}{'':>9}{'login':>8}")


def titles_of(count: int) -> list[str]:
    return [f"{PREFIX}Consultation {n:03d}" for n in range(1, count + 1)]


def import_pages(devwiki: DevWiki, work: Path, count: int) -> float:
    """The pages, one revision each, written in one importTextFiles.php run; its seconds."""
    folder = work / "pages"
    folder.mkdir()
    files = []
    for number, title in enumerate(titles_of(count), start=1):
        path = folder / f"{title.removeprefix(PREFIX)}.wikitext"
        path.write_text(consultation(number), encoding="utf-8")
        files.append(str(path))
    started = time.perf_counter()
    env = {**os.environ, "MW_INSTALL_PATH": str(MEDIAWIKI_DIR)}
    proc = subprocess.run(
        ["php", str(MEDIAWIKI_DIR / "maintenance" / "importTextFiles.php"),
         "--conf", str(devwiki.dir / "LocalSettings.php"), "--server", devwiki.url,
         "--prefix", PREFIX, "--user", "Admin", "--summary", "consultation opened", *files],
        env=env, capture_output=True, text=True, timeout=1800, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"importTextFiles.php failed: {proc.stdout[-1000:]}"
                           f"{proc.stderr[-1000:]}")
    admin = devwiki.client("Admin")
    admin.edit("Template:Consultation header", "<div>A consultation.</div>", summary="setup")
    admin.edit(SHUTOFF, "run", summary="setup")
    return time.perf_counter() - started


def write_config(work: Path, count: int) -> Path:
    pages = "".join(f'\n[[pages]]\ntitle = "{t}"\n' for t in titles_of(count))
    path = work / "bot.toml"
    path.write_text(textwrap.dedent(f"""\
        [bot]
        state_dir = "{work}/state"
        report = "{work}/report.json"
        lock_file = "{work}/pass.lock"
        shutoff_page = "{SHUTOFF}"
        status_page = "{STATUS}"

        [defaults]
        tag_unsigned = true
        """) + pages, encoding="utf-8")
    return path


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float,
                                                          float]:
    cpu, started = children_cpu(), time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600,
                          check=False)
    return proc, time.perf_counter() - started, children_cpu() - cpu


def figures(label: str, report: dict, wall: float, cpu: float, login: int) -> Figures:
    return Figures(
        label, report["api_requests"], report.get("login_requests", login),
        report.get("api_writes", report["edits"]), report["edits"], wall, cpu,
    )


LOGIN_PROBE = """
import sys
from bot.wiki.main import connect
from bot.wiki.site import RequestCounter
with RequestCounter().counting() as counter:
    connect()
print(counter.count)
"""


def run_passes(devwiki: DevWiki, work: Path, config: Path, count: int) -> list[Figures]:
    env = {**os.environ, "PYWIKIBOT_DIR": str(devwiki.pywikibot_dir)}
    report = work / "report.json"
    rows = []
    for label in (f"run, first pass ({count} pages to edit)", "run, nothing to change",
                  "run, nothing to change (again)"):
        proc, wall, cpu = timed([sys.executable, "-m", "bot", "run", "--config", str(config)], env)
        if proc.returncode != 0:
            raise RuntimeError(f"the bot failed (exit {proc.returncode}):\n"
                               f"{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
        login = int(timed([sys.executable, "-c", LOGIN_PROBE], env)[0].stdout.strip() or 0)
        rows.append(figures(label, json.loads(report.read_text()), wall, cpu, login))
    return rows


SERVE_DRIVER = """
import json, resource, sys, time
from bot.config import load_config
from bot.wiki.memory import PassMemory
from bot.wiki.passes import locked_pass
from tests.wikiclient import WikiClient

config, report, api, password, changed = sys.argv[1:]
memory = PassMemory()  # what `serve` keeps between its passes, as bot.wiki.main's loop does

def one_pass():
    cpu, started = time.process_time(), time.perf_counter()
    status = locked_pass(load_config(config), None, None, dry_run=False, memory=memory)
    found = json.loads(open(report).read())
    found.update(status=status, wall=time.perf_counter() - started,
                 cpu=time.process_time() - cpu)
    print("PASS " + json.dumps({k: v for k, v in found.items() if k != "pages"}), flush=True)

one_pass()
one_pass()
alice = WikiClient(api)
alice.login("Alice", password)
text = alice.read(changed).text
alice.edit(changed, text + "\\n:* One more remark. [[User:Alice|Alice]] 10:00, 1 May 2024 (UTC)",
           summary="comment")
one_pass()
"""


def serve_passes(devwiki: DevWiki, work: Path, config: Path, count: int) -> list[Figures]:
    """Three passes of one `serve` process (driven as its loop does, without the waits)."""
    env = {**os.environ, "PYWIKIBOT_DIR": str(devwiki.pywikibot_dir),
           "PYTHONPATH": str(ROOT)}
    changed = titles_of(count)[0]
    proc = subprocess.run(
        [sys.executable, "-c", SERVE_DRIVER, str(config), str(work / "report.json"),
         devwiki.api_url, devwiki.password("Alice"), changed],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600, check=False,
    )
    found = [json.loads(line[5:]) for line in proc.stdout.splitlines()
             if line.startswith("PASS ")]
    if proc.returncode != 0 or len(found) != 3 or any(f["status"] for f in found):
        raise RuntimeError(f"serve failed (exit {proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    labels = ("serve, first pass (reads every page)", "serve, next pass, nothing changed",
              "serve, next pass after 1 page changed")
    return [figures(label, f, f["wall"], f["cpu"], 0) for label, f in zip(labels, found,
                                                                           strict=True)]


def peer(devwiki: DevWiki, count: int) -> Figures:
    """pywikibot's PreloadingGenerator over the pages and their two subpages, in this process."""
    os.environ["PYWIKIBOT_DIR"] = str(devwiki.pywikibot_dir)
    import pywikibot
    from pywikibot import pagegenerators

    from bot.wiki.main import connect
    from bot.wiki.site import RequestCounter

    with RequestCounter().counting() as counter:
        site = connect()
        login = counter.count
        cpu, started = time.process_time(), time.perf_counter()
        pages = [pywikibot.Page(site, f"{t}{sub}") for t in titles_of(count)
                 for sub in ("", "/Summary", "/Summary.json")]
        texts = sum(len(p.text) for p in pagegenerators.PreloadingGenerator(pages))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert texts > 0
    return Figures(f"pywikibot PreloadingGenerator, {len(pages)} titles", counter.count, login,
                   0, 0, wall, cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100, metavar="N")
    parser.add_argument("--keep", metavar="DIR", help="keep the wiki and the files in DIR")
    parser.add_argument("--json", metavar="FILE", help="also write the rows to FILE")
    args = parser.parse_args()
    available, reason = devwiki_available()
    if not available:
        print(f"benchmark_requests: error: the local wiki cannot start: {reason}",
              file=sys.stderr)
        return 2
    with work_folder(args.keep, "benchmark-requests-") as work:
        devwiki = start_devwiki(work / "wiki")
        try:
            imported = import_pages(devwiki, work, args.pages)
            size = sum(len(consultation(n).encode()) for n in range(1, args.pages + 1))
            print(f"setup: {args.pages} consultation pages, {size / args.pages / 1000:.1f} kB "
                  f"each on average, imported in {imported:.1f} s (importTextFiles.php)")
            config = write_config(work, args.pages)
            rows = run_passes(devwiki, work, config, args.pages)
            rows += serve_passes(devwiki, work, config, args.pages)
            rows.append(peer(devwiki, args.pages))
        finally:
            devwiki.stop()
    print()
    print(HEADER)
    for row in rows:
        print(row.row())
    if args.json:
        Path(args.json).write_text(json.dumps([vars(row) for row in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
