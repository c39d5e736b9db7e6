"""Start and stop the local dev wiki (``scripts/devwiki``) from tests.

Typical session fixture (conftest.py)::

    wiki = start_devwiki(tmp_path_factory.mktemp("devwiki"), free_port())
    os.environ.update(wiki.env())   # PYWIKIBOT_DIR etc., *before* importing pywikibot
    yield wiki
    wiki.stop()

A fresh install takes ~3 s; ``wiki.reset()`` (pristine copy of the
database, same passwords) ~0.6 s. ``start_devwiki(..., lang="de",
timezone="Europe/Berlin")`` installs a wiki in another content language with a
local time zone (fixed at install).

Pywikibot reads ``PYWIKIBOT_DIR`` (and user-config.py) once, at import time,
so set it before the first ``import pywikibot`` in the test process, or run
the bot in a subprocess with ``env={**os.environ, **wiki.env()}``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "devwiki"
MEDIAWIKI_DIR = Path("/usr/share/mediawiki")

ADMIN = "Admin"
BOT = "ConsultationBot"
USERS = ("Alice", "Bob", "Carol", "Dave")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def devwiki_available() -> tuple[bool, str]:
    """Whether the dev wiki can run here; if not, a reason (for pytest.skip)."""
    if not shutil.which("php"):
        return False, "php not installed (run: scripts/devwiki install)"
    if not (MEDIAWIKI_DIR / "maintenance" / "install.php").is_file():
        return False, f"MediaWiki not found in {MEDIAWIKI_DIR} (run: scripts/devwiki install)"
    return True, ""


@dataclass
class DevWiki:
    """A running dev wiki. ``credentials`` is DIR/credentials.json:

    ``{"admin": "Admin",
       "users": {"Admin": pw, "ConsultationBot": pw, "Alice": pw, ...},
       "bot": {"user": "ConsultationBot", "appid": "consultation",
               "login_name": "ConsultationBot@consultation", "password": pw}}``
    """

    dir: Path
    port: int
    url: str
    api_url: str
    index_url: str
    pywikibot_dir: Path
    credentials: dict[str, Any] = field(repr=False)
    lang: str = "en"
    timezone: str = "UTC"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _run_script(self.dir, self.port, *args, check=check)

    def env(self) -> dict[str, str]:
        """Environment variables for running the bot / pywikibot against this wiki."""
        return {
            "DEVWIKI_DIR": str(self.dir),
            "DEVWIKI_PORT": str(self.port),
            "DEVWIKI_URL": self.url,
            "DEVWIKI_API_URL": self.api_url,
            "PYWIKIBOT_DIR": str(self.pywikibot_dir),
        }

    def password(self, user: str) -> str:
        """Main password of ``user`` (Admin, ConsultationBot, Alice, ...)."""
        return self.credentials["users"][user]

    @property
    def bot_login(self) -> tuple[str, str]:
        """(login name, password) of the bot's BotPassword, for action=login."""
        bot = self.credentials["bot"]
        return bot["login_name"], bot["password"]

    def client(self, user: str | None = None):
        """A :class:`tests.wikiclient.WikiClient`, logged in as ``user``
        (None: anonymous, edits as 127.0.0.1; ``"ConsultationBot"`` logs in
        with the bot password)."""
        try:
            from tests.wikiclient import WikiClient
        except ImportError:  # tests/ on sys.path instead of the repo root
            from wikiclient import WikiClient

        client = WikiClient(self.api_url)
        if user == BOT:
            client.login(*self.bot_login)
        elif user is not None:
            client.login(user, self.password(user))
        return client

    def is_running(self) -> bool:
        return self._run("status", check=False).returncode == 0

    def reset(self) -> None:
        """Restore the state right after install (same accounts and passwords)
        and restart. Pywikibot cookies/API cache in pywikibot_dir are cleared;
        an already imported pywikibot keeps its in-memory login, so re-login
        (``site.login()``) or use a subprocess."""
        self._run("reset")

    def stop(self) -> None:
        self._run("down", check=False)

    def clock(self, when: datetime | None) -> None:
        """Freeze the wiki's clock at ``when`` (UTC; edits saved after this carry that time),
        or give it back the real time (None). Written directly, as `scripts/devwiki clock`
        does: the server reads the file at every call."""
        path = self.dir / "clock"
        if when is None:
            path.unlink(missing_ok=True)
            return
        stamp = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        temporary = path.with_suffix(".tmp")
        temporary.write_text(stamp + "\n")
        temporary.replace(path)


def _run_script(
    directory: Path, port: int, *args: str, check: bool = True, timeout: float = 120,
    site: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEVWIKI_DIR": str(directory), "DEVWIKI_PORT": str(port)}
    # The language and zone only choose how a new wiki is installed; an installed one keeps its.
    env.pop("DEVWIKI_LANG", None)
    env.pop("DEVWIKI_TIMEZONE", None)
    env.update(site or {})
    proc = subprocess.run(
        [str(SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"scripts/devwiki {' '.join(args)} failed (exit {proc.returncode}):\n"
            f"{proc.stdout}{proc.stderr}"
        )
    return proc


def start_devwiki(
    directory: str | os.PathLike[str],
    port: int | None = None,
    *,
    lang: str | None = None,
    timezone: str | None = None,
) -> DevWiki:
    """Install (if needed) and start a wiki in ``directory`` on 127.0.0.1:``port``.

    ``port`` None picks a free one. ``lang`` (content language, e.g. "de") and ``timezone``
    (an IANA name, e.g. "Europe/Berlin") choose a new wiki's; None: English, UTC (or what the
    wiki in ``directory`` was installed with). Raises RuntimeError if it does not start.
    """
    directory = Path(directory).resolve()
    if port is None:
        port = free_port()
    site = {k: v for k, v in (("DEVWIKI_LANG", lang), ("DEVWIKI_TIMEZONE", timezone)) if v}
    _run_script(directory, port, "up", site=site)
    url = f"http://127.0.0.1:{port}"
    credentials = json.loads((directory / "credentials.json").read_text())
    site_env = directory / "site.env"
    installed = dict(
        line.split("=", 1)
        for line in (site_env.read_text() if site_env.exists() else "").splitlines()
        if "=" in line
    )
    return DevWiki(
        dir=directory,
        port=port,
        url=url,
        api_url=f"{url}/api.php",
        index_url=f"{url}/index.php",
        pywikibot_dir=directory / "pywikibot",
        credentials=credentials,
        lang=installed.get("lang", "en"),
        timezone=installed.get("timezone", "UTC"),
    )


@contextmanager
def work_folder(keep: str | None, prefix: str) -> Iterator[Path]:
    """Where a benchmark keeps its wiki and files: `keep` (made if missing, left in place), or
    a temporary folder removed at the end."""
    if keep:
        work = Path(keep).resolve()
        work.mkdir(parents=True, exist_ok=True)
        yield work
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)
