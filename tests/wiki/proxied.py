"""Running the bot against the dev wiki through tests/faultproxy.py, as an operator runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from tests.devwiki import DevWiki

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "bot" / "samples" / "consultation.wikitext").read_text(encoding="utf-8").rstrip()
BOX = '<div class="mw-collapsible mw-collapsed"'

# Small bounds, so that a fault costs little time: 4 attempts per request, no wait between them
# but maxlag's, 2 s for an answer.
FAST = "max_retries = 3\nretry_wait_seconds = 0\nretry_max_seconds = 1\ntimeout_seconds = 2\n"


def pywikibot_dir(devwiki: DevWiki, folder: Path, port: int) -> Path:
    """A copy of the dev wiki's pywikibot folder whose family points at `port` (the proxy)."""
    pwb = folder / "pywikibot"
    shutil.copytree(devwiki.pywikibot_dir, pwb, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("logs", "apicache*", "throttle.ctrl"))
    user_config = pwb / "user-config.py"
    user_config.write_text(
        user_config.read_text().replace(str(devwiki.pywikibot_dir), str(pwb))
    )
    family = pwb / "families" / "devwiki_family.py"
    family.write_text(family.read_text().replace(f":{devwiki.port}'", f":{port}'"))
    return pwb


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def bot_command(pwb: Path, config: Path, *args: str, command: str = "run") -> list[str]:
    return [sys.executable, "-m", "bot", command, "--config", str(config), *args]


def bot_env(pwb: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYWIKIBOT_DIR": str(pwb), **(extra or {})}


def write_config(folder: Path, text: str) -> Path:
    path = folder / "bot.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(pwb: Path, config: Path, *args: str, command: str = "run", timeout: float = 240,
        env: dict[str, str] | None = None) -> Run:
    proc = subprocess.run(
        bot_command(pwb, config, *args, command=command), cwd=ROOT, env=bot_env(pwb, env),
        capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def start(pwb: Path, config: Path, *args: str, command: str = "run") -> subprocess.Popen[str]:
    return subprocess.Popen(
        bot_command(pwb, config, *args, command=command), cwd=ROOT, env=bot_env(pwb),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )


def drive(devwiki: DevWiki, folder: Path, config: str, body: str, *, timeout: float = 240) -> Run:
    """Run a pass in a process of its own, with test seams: `body` (Python, dedented) runs after
    `wiki` (the DevWiki) and `config` (the Config of the TOML text `config`) are set, and must end
    with `sys.exit(run_pass(...))` or the like."""
    toml = write_config(folder, config)
    script = folder / "driver.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from bot.config import load_config\n"
        "from bot.text.model.profile import ENGLISH\n"
        "from bot.wiki.passes import locked_pass, run_pass\n"
        "from tests.devwiki import start_devwiki\n"
        f"wiki = start_devwiki({str(devwiki.dir)!r}, {devwiki.port})\n"
        f"config = load_config({str(toml)!r})\n"
        + textwrap.dedent(body),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, check=False, env={**os.environ, **devwiki.env()},
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)
