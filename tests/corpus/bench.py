"""Run the bot on a played corpus as an operator does, twice, and judge what it did.

The bot runs as a subprocess (`python -m bot run --config FILE`, PYWIKIBOT_DIR set, as on
Toolforge); then `attribute --page`, read-only, says why comments were left untagged.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.config import PageOptions
from tests.corpus.judge import Judgement, judge
from tests.corpus.text import ORGANIZERS
from tests.corpus.truth import CommentRecord
from tests.devwiki import BOT, DevWiki

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class BotRun:
    status: int
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Outcome:
    judgement: Judgement
    truth: list[CommentRecord]
    before: str  # the page as the participants left it
    after: str  # after the bot's two runs
    attribute: BotRun | None  # run only when unsigned comments were left untagged
    runs: list[BotRun]
    edits: list[int]  # the bot's edits per run (page and subpages)
    organizers_setting: bool  # whether the bot knows the `organizers` setting yet


def organizers_supported() -> bool:
    return "organizers" in {f.name for f in dataclasses.fields(PageOptions)}


def write_config(work: Path, title: str) -> Path:
    """The operator's configuration: tag unsigned comments at once (no grace period); the
    organizers' accounts when the bot knows that setting."""
    organizers = ", ".join(json.dumps(name) for name in ORGANIZERS)
    extra = f"organizers = [{organizers}]\n" if organizers_supported() else ""
    path = work / "bot.toml"
    path.write_text(
        f'[bot]\nstate_dir = "{work / "state"}"\nreport = "{work / "report.json"}"\n'
        f'lock_file = "{work / "bot.lock"}"\n\n'
        f'[[pages]]\ntitle = "{title}"\ntag_unsigned = true\ngrace_minutes = 0\n{extra}',
        encoding="utf-8",
    )
    return path


def bot(command: str, config: Path, devwiki: DevWiki, *extra: str) -> BotRun:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bot", command, "--config", str(config), *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False,
        stdin=subprocess.DEVNULL, env={**os.environ, "PYWIKIBOT_DIR": str(devwiki.pywikibot_dir)},
    )
    return BotRun(proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - started)


def analyze_json(text: str, work: Path) -> dict:
    path = work / "analyzed.wikitext"
    path.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "analyze", str(path), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=True,
    )
    return json.loads(proc.stdout)


def bot_edits(devwiki: DevWiki, title: str) -> int:
    """The bot's edits to the page and its subpages, per the wiki's recent changes."""
    changes = devwiki.client().recent_changes(rcuser=BOT)
    return sum(
        1 for c in changes
        if c["type"] in ("edit", "new") and (c["title"] == title
                                              or c["title"].startswith(title + "/"))
    )


def run_and_judge(devwiki: DevWiki, title: str, truth: list[CommentRecord],
                  work: Path) -> Outcome:
    """run, run; then judge the page, its rendering and offline analysis. When unsigned
    comments are left untagged, `attribute --page` (read-only) says why, of the final page. The
    page before and after and the bot's output stay in `work` (*.wikitext, *.log)."""
    devwiki.clock(None)
    work.mkdir(parents=True, exist_ok=True)
    config = write_config(work, title)
    reader = devwiki.client()
    before = reader.read(title).text
    runs, edits = [], []
    for _ in range(2):
        count = bot_edits(devwiki, title)
        runs.append(bot("run", config, devwiki))
        edits.append(bot_edits(devwiki, title) - count)
    after = reader.read(title).text
    second = runs[1]
    problems = [f"exit status {second.status}"] if second.status else []
    problems += [
        line.strip() for line in (second.stdout + second.stderr).splitlines()
        if "error" in line.lower() or "refused" in line.lower() or "would save" in line.lower()
    ]
    evidence = {
        "html": reader.parse(title), "analysis": analyze_json(before, work),
        "second_run_edits": edits[1], "second_run_problems": problems,
    }
    judgement = judge(truth, before=before, after=after, **evidence)
    attribute = None
    if judgement.tag_misses:
        attribute = bot("attribute", config, devwiki, "--page", title)
        judgement = judge(truth, before=before, after=after, attribute_output=attribute.stdout,
                          **evidence)
    for name, text in (("before.wikitext", before), ("after.wikitext", after)):
        (work / name).write_text(text, encoding="utf-8")
    for name, run in (("attribute", attribute), ("run1", runs[0]), ("run2", runs[1])):
        if run is not None:
            (work / f"{name}.log").write_text(run.stdout + run.stderr, encoding="utf-8")
    return Outcome(judgement, truth, before, after, attribute, runs, edits, organizers_supported())
