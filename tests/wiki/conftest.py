"""Fixtures for the tests that run the bot against a real local MediaWiki (scripts/devwiki).

One wiki per test session, in a temporary folder on a free port; the bot runs as a subprocess
(`python -m bot run -dir:...`) exactly as an operator runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.devwiki import DevWiki, devwiki_available, start_devwiki

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def devwiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevWiki]:
    available, reason = devwiki_available()
    if not available:
        pytest.fail(f"the local MediaWiki cannot start: {reason} (run scripts/devwiki install)")
    wiki = start_devwiki(tmp_path_factory.mktemp("devwiki"))
    yield wiki
    wiki.stop()


def bot_argv(command: str, pywikibot_dir: Path | None, config: Path, *extra: str) -> list[str]:
    """The command line of `consultation-bot COMMAND` as an operator runs it.

    Without `pywikibot_dir` there is no -dir: option (PYWIKIBOT_DIR names the directory, as on
    Toolforge): then no pywikibot option at all is on the command line.
    """
    directory = [f"-dir:{pywikibot_dir}"] if pywikibot_dir is not None else []
    return [sys.executable, "-m", "bot", command, *directory, "--config", str(config), *extra]


@dataclass
class BotRun:
    status: int
    stdout: str
    stderr: str


@pytest.fixture
def run_bot(devwiki: DevWiki, tmp_path: Path) -> Callable[..., BotRun]:
    """Run `consultation-bot run` with a configuration text; returns status and output."""

    def run(config: str, *args: str, command: str = "run") -> BotRun:
        path = tmp_path / "bot.toml"
        path.write_text(textwrap.dedent(config), encoding="utf-8")
        # Like jobs.yaml on Toolforge: PYWIKIBOT_DIR, and only our own options.
        proc = subprocess.run(
            bot_argv(command, None, path, *args),
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
            stdin=subprocess.DEVNULL,  # as under cron or a job: nobody to answer a prompt
            env={**os.environ, "PYWIKIBOT_DIR": str(devwiki.pywikibot_dir)},
        )
        return BotRun(proc.returncode, proc.stdout, proc.stderr)

    return run


def bot_edits(devwiki: DevWiki, title: str) -> list[dict]:
    """The bot's edits, per the wiki's recent changes, to a page and its subpages."""
    changes = devwiki.client().recent_changes(rcuser="ConsultationBot")
    return [
        c for c in changes
        if c.get("user") == "ConsultationBot" and c["type"] in ("edit", "new")
        and (c["title"] == title or c["title"].startswith(title + "/"))
    ]
