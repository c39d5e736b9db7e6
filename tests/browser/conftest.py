"""Fixtures for the tests that look at what readers see: a local MediaWiki of their own holding a
consultation with a year of history that the bot has maintained, and a headless Chromium.

Screenshots go to `test-artifacts/browser/` (or $TEST_ARTIFACTS/browser), which .gitignore
ignores; the folder is printed at the end of the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.cdp import Browser, find_chromium
from tests.browser.consultation import Consultation, write_year
from tests.devwiki import DevWiki, devwiki_available, start_devwiki

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
_saved: list[Path] = []


@pytest.fixture(scope="session")
def readers_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevWiki]:
    available, reason = devwiki_available()
    if not available:
        pytest.fail(f"the local MediaWiki cannot start: {reason} (run scripts/devwiki install)")
    wiki = start_devwiki(tmp_path_factory.mktemp("readers-wiki"))
    yield wiki
    wiki.stop()


@pytest.fixture(scope="session")
def session_bot(
    readers_wiki: DevWiki, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], subprocess.CompletedProcess[str]]:
    """Run `consultation-bot run` with a configuration text; the state folder is kept between
    runs, as an operator's is."""
    folder = tmp_path_factory.mktemp("readers-bot")

    def run(config: str) -> subprocess.CompletedProcess[str]:
        path = folder / "bot.toml"
        path.write_text(config, encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "run", "--config", str(path)],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYWIKIBOT_DIR": str(readers_wiki.pywikibot_dir)},
        )
        return proc

    return run


@pytest.fixture(scope="session")
def consultation(readers_wiki: DevWiki, session_bot) -> Consultation:
    """The year-long consultation after three runs of the bot, and a keep-heading page."""
    return write_year(readers_wiki, session_bot)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.fail("chromium is not installed (scripts/test installs Debian's chromium)")
    browser = Browser(executable)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


def saved_screenshot(path: Path) -> Path:
    _saved.append(path)
    return path


def pytest_terminal_summary(terminalreporter) -> None:
    if _saved:
        terminalreporter.write_line(f"browser screenshots ({len(_saved)}): {ARTIFACTS}")
