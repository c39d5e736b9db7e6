"""No credential in any output: the password file, text, log records, streams, tracebacks."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ops.redact import (
    MASK,
    RedactingFilter,
    RedactingStream,
    Redactor,
    install,
    redact,
    secrets_from_password_file,
)

ROOT = Path(__file__).resolve().parents[2]
BOT_SECRET = "k3v9q2mdl0a8s7d6f5g4h3j2k1l0p9o8"
PLAIN = "hunter2-plain"
ODD = "pa'ss\\word+&=x"

PASSWORD_FILE = f"""\
# pywikibot password file
('ConsultationBot', BotPassword('consultation', '{BOT_SECRET}'))

('meta', 'OtherUser', '{PLAIN}')
('en', 'wikipedia', 'Third', BotPassword("app", {ODD!r}))
("Broken", 'unclosed-but-secret'
"""


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "user-password.py"
    path.write_text(PASSWORD_FILE, encoding="utf-8")
    return path


def test_secrets_from_password_file(password_file: Path) -> None:
    assert secrets_from_password_file(password_file) == [
        BOT_SECRET, PLAIN, ODD, "unclosed-but-secret",
    ]


def test_the_password_file_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "user-password.py"
    path.write_text(
        f"__import__('pathlib').Path({str(marker)!r}).write_text('x')\n"
        "('User', 'the-password')\n",
        encoding="utf-8",
    )
    assert secrets_from_password_file(path) == ["x", "the-password"]  # its last literal
    assert not marker.exists()


def test_a_missing_password_file_gives_no_secrets(tmp_path: Path) -> None:
    assert secrets_from_password_file(tmp_path / "none.py") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"login with {BOT_SECRET} failed", f"login with {MASK} failed"),
        (f"repr: {ODD!r}", f'repr: "{MASK}"'),
        ("body: lgname=Bot%40app&lgpassword=pa%27ss%5Cword%2B%26%3Dx&lgtoken=abc%2B%5C",
         f"body: lgname=Bot%40app&lgpassword={MASK}&lgtoken={MASK}"),
        ("{'action': 'login', 'lgpassword': 'whatever', 'lgtoken': 'f00+\\\\'}",
         f"{{'action': 'login', 'lgpassword': '{MASK}', 'lgtoken': '{MASK}'}}"),
        ('{"csrftoken": "e1f2+\\\\", "batchcomplete": ""}',
         f'{{"csrftoken": "{MASK}", "batchcomplete": ""}}'),
        ("token=abc123 then", f"token={MASK} then"),
        ("password = 'x y z'", f"password = '{MASK}'"),
        ("Cookie: metawikiSession=abc; centralauth_Token=def",
         f"Cookie: {MASK}"),
        ("Set-Cookie: x=y\nnext line", f"Set-Cookie: {MASK}\nnext line"),
        ("wikidb_session=deadbeef; path=/", f"wikidb_session={MASK}; path=/"),
        ("('Bot', BotPassword('app', 'unknown-secret'))",
         f"('Bot', BotPassword('app', '{MASK}'))"),
        ("consumer_secret: s3cr3t", f"consumer_secret: {MASK}"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text, [BOT_SECRET, ODD]) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[[Leadership Development Dialogue]]: saved revision 42 (Bot: folded 2 question intros)",
        "meta=tokens&type=csrf",
        "token_type=csrf; the tokens are fine",
        "the pass took 3 s",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text, [BOT_SECRET]) == text


def test_secrets_can_be_added_later() -> None:
    redactor = Redactor()
    assert redactor(PLAIN) == PLAIN
    redactor.add([PLAIN, ""])
    assert redactor(f"x {PLAIN} y") == f"x {MASK} y"


def make_logger(redactor: Redactor) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter(redactor))
    logger = logging.getLogger(f"test-redact-{id(out)}")
    logger.propagate = False
    logger.addHandler(handler)
    return logger, out


def test_log_records_and_their_tracebacks_are_scrubbed() -> None:
    logger, out = make_logger(Redactor([BOT_SECRET]))
    logger.warning("login as %s with %s", "Bot@app", BOT_SECRET)
    try:
        raise ValueError(f"bad password {BOT_SECRET}")
    except ValueError:
        logger.exception("failed: lgpassword=%s", "abc")
    args = ("arguments", BOT_SECRET)
    logger.warning("bad %s %s %s", *args)  # does not fit: still logged, still scrubbed
    text = out.getvalue()
    assert BOT_SECRET not in text
    assert "lgpassword=abc" not in text
    assert "login as Bot@app with ***" in text
    assert "ValueError: bad password ***" in text
    assert "bad %s %s %s ('arguments', '***')" in text


def test_a_redacting_stream() -> None:
    out = io.StringIO()
    stream = RedactingStream(out, Redactor([PLAIN]))
    stream.write(f"a {PLAIN}\n")
    stream.writelines(["token=1\n", "ok\n"])
    stream.flush()
    assert out.getvalue() == f"a {MASK}\ntoken={MASK}\nok\n"


SCRIPT = """
import logging, sys
from bot.ops.redact import Redactor, install, secrets_from_password_file
redactor = Redactor()
install(redactor)
logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
install(redactor)
redactor.add(secrets_from_password_file(sys.argv[1]))
install(redactor)  # twice more: harmless
secret = sys.argv[2]
print("debug: request", {"action": "login", "lgpassword": secret, "lgtoken": "t+\\\\"})
logging.debug("POST lgpassword=%s", secret)
print("the password is", secret, file=sys.stderr)
raise RuntimeError("login failed for " + secret)
"""


def test_all_output_of_a_process_with_install_has_no_credential(password_file: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(password_file), BOT_SECRET],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert "RuntimeError: login failed for ***" in proc.stderr
    assert "'lgpassword': '***'" in proc.stdout
    for secret in secrets_from_password_file(password_file):
        assert secret not in output
    assert "t+\\\\" not in output


def test_install_adds_one_filter_per_handler() -> None:
    logger = logging.getLogger("test-redact-install")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    saved = sys.stdout, sys.stderr
    try:
        redactor = Redactor()
        install(redactor, loggers=["test-redact-install"])
        install(redactor, loggers=["test-redact-install"])
        assert len(handler.filters) == 1
        assert isinstance(sys.stdout, RedactingStream)
        assert not isinstance(sys.stdout.stream, RedactingStream)
    finally:
        sys.stdout, sys.stderr = saved
        logger.removeHandler(handler)
