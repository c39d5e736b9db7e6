"""Credentials never reach output: the passwords from pywikibot's password file, and the values of
password, token, secret, session and cookie fields, are replaced by *** in log records, tracebacks,
run reports and anything written to standard output or error.
"""

from __future__ import annotations

import ast
import json
import logging
import re
import sys
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import IO

MASK = "***"

# `lgpassword=...`, `'csrftoken': '...'`, `"password": "..."`, `enwikiSession=...` and the like.
_FIELD = re.compile(
    r"""(?P<key>\b(?:\w*pass(?:word|wd)|\w*token|\w*secret|\w*session)\b)(?P<close>["']?)"""
    r"""(?P<sep>\s*[:=]\s*)"""
    r"""(?:(?P<quote>["'])(?:\\.|(?!(?P=quote))[^\\\n])*(?P=quote)|[^\s&,;'")}\]]+)""",
    re.IGNORECASE,
)
# Whole header lines: `Cookie: ...`, `Set-Cookie: ...`, `Authorization: ...`.
_HEADER = re.compile(r"\b(?P<key>(?:Set-)?Cookie|Authorization)(?P<sep>\s*:\s*)[^\r\n]*", re.I)
# A password file line quoted in a message: BotPassword('suffix', 'secret').
_BOTPASSWORD = re.compile(r"""(BotPassword\(\s*(["']).*?\2\s*,\s*)(["']).*?\3""")
_STRING = re.compile(r"""(["'])((?:\\.|(?!\1).)*)\1""")


def secrets_from_password_file(path: str | Path) -> list[str]:
    """The passwords in pywikibot's password file, read as pywikibot reads it but never executed.

    Each line is `(user, password)`, `(family, user, password)` or `(code, family, user,
    password)`, the password being a string or `BotPassword('suffix', 'password')`. A line that
    does not parse gives its last string literal, in case that is a password. A missing file
    gives nothing.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    secrets: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            entry = ast.literal_eval(line.replace("BotPassword", ""))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            strings = _STRING.findall(line)
            if strings:
                secrets.append(strings[-1][1])
            continue
        if not isinstance(entry, tuple) or not entry:
            continue
        password = entry[-1]
        if isinstance(password, tuple) and password:  # BotPassword(suffix, password)
            password = password[-1]
        if isinstance(password, str) and password:
            secrets.append(password)
    return list(dict.fromkeys(secrets))


def password_file_problem(path: str | Path) -> str:
    """What pywikibot would refuse in its password file (it raises a bare ValueError, or asks
    for a password at a terminal there may not be), or "". Says where, never what."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except OSError as exc:
        return f"cannot read the password file: {exc.strerror}"
    expected = "expected ('User', BotPassword('name', 'password')) or ('User', 'password')"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.count(", ") > 4 or len(line) > 250:
            return f"line {number}: too long or too complex for pywikibot; {expected}"
        bot_password = "BotPassword" in line
        try:
            entry = ast.literal_eval(line.replace("BotPassword", ""))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return f"line {number}: not a valid entry; {expected}"
        if not isinstance(entry, tuple) or not 2 <= len(entry) <= 4:
            return f"line {number}: not a tuple of 2 to 4 items; {expected}"
        *names, password = entry
        if bot_password:
            if not (isinstance(password, tuple) and len(password) == 2
                    and all(isinstance(p, str) for p in password)):
                return f"line {number}: BotPassword takes two strings; {expected}"
        elif not isinstance(password, str):
            return f"line {number}: the password is not a string; {expected}"
        if not all(isinstance(name, str) for name in names):
            return f"line {number}: the user (and family, language) must be strings; {expected}"
    return ""


def _forms(secret: str) -> list[str]:
    """The ways a secret can appear in output: as is, escaped in a repr or JSON, URL-encoded."""
    forms = {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret, safe=""),
    }
    return sorted((f for f in forms if f), key=len, reverse=True)


class Redactor:
    """Scrubs text; the secrets can be added later, once pywikibot's configuration is known."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._pattern: re.Pattern[str] | None = None
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        self._secrets = list(dict.fromkeys([*self._secrets, *(s for s in secrets if s)]))
        forms = sorted({f for s in self._secrets for f in _forms(s)}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, forms))) if forms else None

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        text = _BOTPASSWORD.sub(lambda m: f"{m.group(1)}{m.group(3)}{MASK}{m.group(3)}", text)
        text = _HEADER.sub(lambda m: f"{m.group('key')}{m.group('sep')}{MASK}", text)
        return _FIELD.sub(_mask_field, text)


def _mask_field(match: re.Match[str]) -> str:
    quote = match.group("quote") or ""
    return f"{match.group('key')}{match.group('close')}{match.group('sep')}{quote}{MASK}{quote}"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without the secrets and without password, token, secret and cookie values."""
    return Redactor(secrets)(text)


class RedactingFilter(logging.Filter):
    """A logging filter (for handlers) that scrubs the message, its arguments and the traceback."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the message
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redactor(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True


class RedactingStream:
    """A text stream that scrubs what is written to it, for sys.stdout and sys.stderr.

    Each write is scrubbed on its own: a secret split across two writes would get through, but
    print(), logging and tracebacks write whole lines.
    """

    def __init__(self, stream: IO[str], redactor: Redactor) -> None:
        self.stream = stream
        self.redactor = redactor

    def write(self, text: str) -> int:
        self.stream.write(self.redactor(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def install(redactor: Redactor, loggers: Iterable[str] = ("", "pywiki", "py.warnings")) -> None:
    """Scrub sys.stdout, sys.stderr and every handler of `loggers`; calling it again is harmless.

    Call it once early (before pywikibot sets up its handlers, so they write to the scrubbed
    streams) and again after pywikibot has made its handlers (so they get the filter too).
    """
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, RedactingStream):
            setattr(sys, name, RedactingStream(stream, redactor))
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter(redactor))
