"""A fault-injecting HTTP proxy in front of the dev wiki, for tests of a flaky network.

The bot talks to the proxy as to the wiki (its pywikibot family names the proxy's port). For each
request a `decide` function picks what happens:

- "pass": forwarded, and the wiki's answer relayed;
- "5xx": a 503 answer, not forwarded;
- "timeout": no answer until the client gives up (not forwarded);
- "drop": the connection closed at once (not forwarded);
- "lost": forwarded (the wiki acts on it), then the connection closed: the answer is lost;
- "maxlag": the API's maxlag error, as MediaWiki sends it, for requests that ask for maxlag;
- "kill-before": the `victim` process is killed (SIGKILL) before the request is forwarded;
- "kill-after": forwarded, the wiki's answer read, then the victim killed before it gets it.

`random_faults(rate, kinds, seed)` gives a `decide` that injects one of `kinds` into a share
`rate` of the requests. One request per connection (the proxy answers `Connection: close`).
Standard library only.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import socketserver
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

KINDS = ("5xx", "timeout", "drop", "lost", "maxlag")


@dataclass
class Request:
    """A request as the proxy saw it: `params` merged from the query string and the form body."""

    index: int
    method: str
    params: dict[str, str]
    raw: bytes = field(repr=False)

    @property
    def action(self) -> str:
        return self.params.get("action", "")

    @property
    def is_edit(self) -> bool:
        return self.action == "edit"

    @property
    def title(self) -> str:
        return self.params.get("title", "")


Decide = Callable[[Request], str]


def random_faults(rate: float, kinds: tuple[str, ...] = KINDS, seed: int | str = 0) -> Decide:
    """Inject one of `kinds` into about `rate` of the requests (maxlag only where it applies)."""
    rng = random.Random(seed)
    lock = threading.Lock()

    def decide(request: Request) -> str:
        with lock:
            if rng.random() >= rate:
                return "pass"
            kind = rng.choice(kinds)
        if kind == "maxlag" and "maxlag" not in request.params:
            return "pass"
        return kind

    return decide


class FaultProxy:
    """The proxy; `start()` it, point the bot at `port`, read `counts` and `log` afterwards."""

    def __init__(self, upstream_port: int, decide: Decide | None = None,
                 hang_seconds: float = 5.0, maxlag_seconds: float = 1.0) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.decide: Decide = decide or (lambda request: "pass")
        self.hang_seconds = hang_seconds  # a "timeout" holds the connection this long
        self.maxlag_seconds = maxlag_seconds  # the lag a "maxlag" error reports
        self.victim: int | None = None  # the pid that kill-* actions kill
        self.counts: Counter[str] = Counter()
        self.log: list[tuple[Request, str]] = []
        self._lock = threading.Lock()
        self._index = 0
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def faults(self) -> int:
        return sum(n for kind, n in self.counts.items() if kind != "pass")

    def edits(self) -> list[tuple[Request, str]]:
        return [(r, action) for r, action in self.log if r.is_edit]

    # -- one connection ---------------------------------------------------------------------
    def _handle(self, client: socket.socket) -> None:
        raw = _read_request(client)
        if raw is None:
            return
        with self._lock:
            self._index += 1
            request = _parse(self._index, raw)
        try:
            action = self.decide(request)
        except Exception:  # a broken decide must not hang the bot
            action = "pass"
        with self._lock:
            self.counts[action] += 1
            self.log.append((request, action))
        if action == "5xx":
            body = b"<html><body>503 Service Unavailable (injected)</body></html>"
            client.sendall(_response(503, "Service Unavailable", body, "text/html"))
        elif action == "timeout":
            time.sleep(self.hang_seconds)
        elif action == "drop":
            pass
        elif action == "maxlag":
            lag = self.maxlag_seconds
            body = json.dumps({"error": {
                "code": "maxlag", "info": f"Waiting for 10.0.0.1: {lag:g} seconds lagged.",
                "host": "10.0.0.1", "lag": lag, "type": "db",
            }}).encode()
            client.sendall(_response(200, "OK", body, "application/json; charset=utf-8",
                                     {"Retry-After": str(int(lag)), "X-Database-Lag": str(lag)}))
        elif action == "kill-before":
            self._kill()
        else:
            answer = self._forward(_connection_close(raw))
            if action == "kill-after":
                self._kill()
            elif action != "lost" and answer is not None:
                client.sendall(answer)
        client.close()

    def _forward(self, raw: bytes) -> bytes | None:
        try:
            with socket.create_connection(self.upstream, timeout=60) as upstream:
                upstream.sendall(raw)
                chunks = []
                while chunk := upstream.recv(65536):
                    chunks.append(chunk)
                return b"".join(chunks)
        except OSError:
            return None

    def _kill(self) -> None:
        if self.victim is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.victim, signal.SIGKILL)
            # The victim is gone before anything else is answered.
            time.sleep(0.2)


def _read_request(client: socket.socket) -> bytes | None:
    client.settimeout(30)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                return None
            body += chunk
    except (OSError, ValueError):
        return None
    return head + b"\r\n\r\n" + body


def _parse(index: int, raw: bytes) -> Request:
    head, _, body = raw.partition(b"\r\n\r\n")
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    method, _, rest = request_line.partition(" ")
    target = rest.rsplit(" ", 1)[0]
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query))
    content_type = b""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-type":
            content_type = value.strip().lower()
    if body and content_type.startswith(b"application/x-www-form-urlencoded"):
        params.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
    return Request(index, method, params, raw)


def _connection_close(raw: bytes) -> bytes:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n")
             if not line.lower().startswith((b"connection:", b"keep-alive:"))]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


def _response(status: int, reason: str, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}",
             f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
