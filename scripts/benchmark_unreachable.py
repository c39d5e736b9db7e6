#!/usr/bin/env python3
"""How long `consultation-bot run` takes to give up on a wiki that is down, with the default
[bot] bounds, and how long it takes to stop on SIGTERM while it waits.

Three wikis that are down, on 127.0.0.1, with no MediaWiki needed: a port where nothing listens
(connection refused), a server that accepts connections and never answers (a hung wiki), and one
that answers every request with HTTP 503. Each run gets a pywikibot folder of its own; its figures
are printed. Takes about 4 minutes.

    .venv/bin/python scripts/benchmark_unreachable.py
"""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import BotOptions  # noqa: E402

FAMILY = '''from pywikibot import family


class Family(family.SingleSiteFamily):
    name = 'downwiki'
    code = 'en'
    domain = '127.0.0.1:{port}'

    def protocol(self, code):
        return 'http'

    def scriptpath(self, code):
        return ''
'''


def folder_for(port: int, base: Path) -> tuple[Path, Path]:
    pwb = Path(tempfile.mkdtemp(prefix=f"pywikibot-{port}-", dir=base))
    (pwb / "families").mkdir()
    (pwb / "families" / "downwiki_family.py").write_text(FAMILY.format(port=port))
    (pwb / "user-config.py").write_text(
        f"family_files['downwiki'] = '{pwb}/families/downwiki_family.py'\n"
        "family = 'downwiki'\nmylang = 'en'\nusernames['downwiki']['en'] = 'ConsultationBot'\n"
        f"password_file = '{pwb}/user-password.py'\n"
    )
    password = pwb / "user-password.py"
    password.write_text(f"('ConsultationBot', BotPassword('consultation', '{'p' * 32}'))\n")
    password.chmod(0o600)
    config = pwb / "bot.toml"
    config.write_text(f'[bot]\nlock_file = "{pwb}/lock"\n[[pages]]\ntitle = "Down"\n')
    return pwb, config


def hung_server() -> tuple[int, socket.socket]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])  # never answered
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1], listener


class Unavailable(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(port: int, base: Path, sigterm_after: float | None = None) -> tuple[float, int, str]:
    pwb, config = folder_for(port, base)
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)], cwd=ROOT,
        env={**os.environ, "PYWIKIBOT_DIR": str(pwb)}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )
    signalled = started
    if sigterm_after is not None:
        time.sleep(sigterm_after)
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=1800)
    last = ([line for line in (out + err).splitlines() if "error" in line] or [""])[-1]
    return time.monotonic() - signalled, proc.returncode, last[:150]


def main() -> int:
    bot = BotOptions()
    waits = sum(min(bot.retry_wait_seconds * 2**n, bot.retry_max_seconds)
                for n in range(bot.max_retries))
    print(f"[bot] defaults: {bot.max_retries + 1} tries, {waits} s of waits between them, "
          f"{bot.timeout_seconds} s for an answer")
    print("pywikibot's own defaults would wait 5+10+20+40+80+10*120 s = 1355 s (22.6 min)")
    with tempfile.TemporaryDirectory() as temp:
        base = Path(temp)
        hung_port, listener = hung_server()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        cases = [
            ("connection refused", refused_port()),
            ("accepts, never answers", hung_port),
            ("HTTP 503 to everything", server.server_address[1]),
        ]
        for name, port in cases:
            seconds, status, line = run(port, base)
            print(f"{name:24} gave up after {seconds:6.1f} s, exit status {status}: {line}")
        for name, port in cases:
            seconds, status, _ = run(port, base, sigterm_after=8.0)
            print(f"{name:24} SIGTERM during the waits: gone {seconds:5.1f} s later, "
                  f"exit status {status}")
        listener.close()
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
