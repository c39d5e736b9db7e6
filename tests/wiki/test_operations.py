"""Operating the bot against a real local MediaWiki: SIGTERM, the pass lock, opt-in by template,
the status page, `serve`, and output that never shows a credential."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.parse
from pathlib import Path

from tests.devwiki import DevWiki
from tests.wiki.conftest import ROOT, bot_argv, bot_edits

SAMPLE = (ROOT / "bot" / "samples" / "consultation.wikitext").read_text(encoding="utf-8").rstrip()
BOX = '<div class="mw-collapsible mw-collapsed"'
OPTIN = "User:ConsultationBot/config"


def create(devwiki: DevWiki, title: str, text: str = SAMPLE) -> None:
    devwiki.client("Alice").edit(title, text, summary="setup")


def fully_updated(devwiki: DevWiki, title: str) -> bool:
    page = devwiki.client().read(title).text
    return page.count(BOX) == 3 and all(
        devwiki.client().read(f"{title}/{sub}").exists for sub in ("Summary", "Summary.json")
    )


def untouched(devwiki: DevWiki, title: str) -> bool:
    return devwiki.client().read(title).text == SAMPLE and bot_edits(devwiki, title) == []


def pages_config(titles: list[str], tmp_path: Path, bot: str = "") -> str:
    pages = "".join(f'\n[[pages]]\ntitle = "{t}"\n' for t in titles)
    return f'[bot]\nreport = "{tmp_path}/report.json"\n{bot}\n{pages}'


def test_sigterm_during_a_save_finishes_that_page_and_stops(devwiki, tmp_path) -> None:
    """The signal arrives while the second page is being saved: that page (and its summaries)
    is completed, no other page is started, the exit status is 0; the next pass does the rest."""
    titles = [f"Ops test/Sigterm {n}" for n in range(1, 5)]
    for title in titles:
        create(devwiki, title)
    config = tmp_path / "bot.toml"
    config.write_text(pages_config(titles, tmp_path), encoding="utf-8")
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from bot.config import load_config
        from bot.ops.signals import graceful_stop
        from bot.text.model.profile import ENGLISH
        from bot.wiki.passes import locked_pass

        def sigterm_during_save(title):
            if title == {titles[1]!r}:
                os.kill(os.getpid(), signal.SIGTERM)

        config = load_config({str(config)!r})
        with graceful_stop():
            sys.exit(locked_pass(config, None, ENGLISH, dry_run=False,
                                 before_save=sigterm_during_save))
    """), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(driver)], env={**os.environ, **devwiki.env()},
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "stopped by SIGTERM: 2 pages not reached" in proc.stdout
    assert fully_updated(devwiki, titles[0]) and fully_updated(devwiki, titles[1])
    assert untouched(devwiki, titles[2]) and untouched(devwiki, titles[3])
    assert json.loads((tmp_path / "report.json").read_text())["stopped_by"] == "SIGTERM"

    again = subprocess.run(
        bot_argv("run", devwiki.pywikibot_dir, config),
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert all(fully_updated(devwiki, t) for t in titles)


def test_sigterm_from_outside_leaves_each_page_untouched_or_fully_updated(
    devwiki, tmp_path
) -> None:
    titles = [f"Ops test/Kill {n}" for n in range(1, 7)]
    for title in titles:
        create(devwiki, title)
    config = tmp_path / "bot.toml"
    config.write_text(pages_config(titles, tmp_path), encoding="utf-8")
    proc = subprocess.Popen(
        bot_argv("run", devwiki.pywikibot_dir, config),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "saved revision" in line:
            proc.send_signal(signal.SIGTERM)
            break
    out, err = proc.communicate(timeout=120)
    output = "".join(seen) + out
    assert proc.returncode == 0, output + err
    assert "stopped by SIGTERM" in output
    done = [t for t in titles if fully_updated(devwiki, t)]
    assert done and len(done) < len(titles)
    assert all(fully_updated(devwiki, t) or untouched(devwiki, t) for t in titles)


def test_a_second_pass_waits_a_bounded_time_for_the_lock_then_gives_up(
    devwiki, run_bot, tmp_path
) -> None:
    title = "Ops test/Lock"
    create(devwiki, title)
    lock = tmp_path / "pass.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from bot.ops.lock import acquire; "
         f"held = acquire({str(lock)!r}, 0); print('held', flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        bot = f'lock_file = "{lock}"\nlock_wait_seconds = 1'
        result = run_bot(pages_config([title], tmp_path, bot))
        assert result.status == 1
        assert "another pass is running (pid" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert untouched(devwiki, title)
    finally:
        holder.kill()
        holder.wait()
    result = run_bot(pages_config([title], tmp_path, f'lock_file = "{lock}"'))
    assert result.status == 0, result.stdout + result.stderr
    assert fully_updated(devwiki, title)


def test_pages_opt_in_through_the_template_with_their_parameters(
    devwiki, run_bot, tmp_path
) -> None:
    good, bad = "Ops test/Opt-in good", "Ops test/Opt-in bad"
    create(devwiki, good, f"{{{{{OPTIN}|collapse=no|summary_subpage=Digest}}}}\n{SAMPLE}")
    create(devwiki, bad, f"{{{{{OPTIN}|grace_minutes=soon}}}}\n{SAMPLE}")
    result = run_bot(f'[bot]\noptin_template = "{OPTIN}"\nreport = "{tmp_path}/report.json"\n')
    assert result.status == 1, result.stdout + result.stderr
    digest = devwiki.client().read(f"{good}/Digest")
    assert digest.exists and "Summary" not in {
        t["title"].rsplit("/", 1)[-1] for t in bot_edits(devwiki, good)
    }
    assert BOX not in devwiki.client().read(good).text  # collapse=no was applied
    assert bot_edits(devwiki, bad) == []
    problem = next(line for line in result.stdout.splitlines() if bad in line)
    assert "grace_minutes" in problem and "not maintained" in problem
    report = json.loads((tmp_path / "report.json").read_text())
    assert any(bad in error and "grace_minutes" in error for error in report["errors"])


def test_status_page_is_saved_when_the_outcome_changes_and_not_for_the_time_alone(
    devwiki, run_bot, tmp_path
) -> None:
    title, status = "Ops test/Status ''bold'' & __NOTOC__ = x", "User:ConsultationBot/Status"
    create(devwiki, title)
    config = pages_config([title], tmp_path, f'status_page = "{status}"')
    assert run_bot(config).status == 0
    text = devwiki.client().read(status).text
    assert "* Last pass:" in text and "edits: 3;" in text and ": 3 edits" in text
    parsed = devwiki.client().get(action="parse", page=status, prop="links|templates")["parse"]
    assert parsed["templates"] == []
    assert [link["title"] for link in parsed["links"]] == [devwiki.client().read(title).title]
    assert run_bot(config).status == 0  # the outcome changes to "nothing to change"
    second = devwiki.client().read(status)
    assert "nothing to change" in second.text and "edits: 0;" in second.text
    assert run_bot(config).status == 0  # the same outcome again: no edit, only the time differs
    assert devwiki.client().read(status).revid == second.revid


def test_serve_runs_a_pass_at_once_and_stops_on_sigterm(devwiki, tmp_path) -> None:
    title = "Ops test/Serve"
    create(devwiki, title)
    config = tmp_path / "bot.toml"
    config.write_text(pages_config([title], tmp_path, "interval_minutes = 60"), encoding="utf-8")
    proc = subprocess.Popen(
        bot_argv("serve", devwiki.pywikibot_dir, config),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("serve: next pass at"):
            break
    assert any("serve: pass ended with status 0" in line for line in seen), "".join(seen)
    assert fully_updated(devwiki, title)
    stopping = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    assert "serve: stopped" in out
    assert time.monotonic() - stopping < 300  # stopped, not waiting for the next pass


def test_no_credential_in_any_output_of_a_debug_run(devwiki, tmp_path) -> None:
    title = "Ops test/Debug"
    create(devwiki, title)
    config = tmp_path / "bot.toml"
    config.write_text(
        pages_config([title], tmp_path, f'state_dir = "{tmp_path}/state"'), encoding="utf-8"
    )
    # A copy of the bot's pywikibot folder without its login cookies, so the run logs in.
    pwb = tmp_path / "pywikibot"
    shutil.copytree(devwiki.pywikibot_dir, pwb,
                    ignore=shutil.ignore_patterns("*.lwp", "logs", "apicache*"))
    logs = pwb / "logs"
    before: set[Path] = set()
    proc = subprocess.run(
        bot_argv("run", pwb, config, "-debug", "-verbose", "-log"),
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    new_logs = [p for p in logs.rglob("*") if p.is_file() and p not in before]
    assert new_logs, "pywikibot wrote no log file"
    outputs = {"stdout": proc.stdout, "stderr": proc.stderr}
    outputs |= {str(p): p.read_text(encoding="utf-8", errors="replace") for p in new_logs}
    outputs |= {str(p): p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.json")}
    everything = "\n".join(outputs.values())
    # The scan means something only if the login's request is in the output.
    assert "action=login" in everything or "'action': 'login'" in everything
    assert "lgpassword" in everything
    secrets = [devwiki.bot_login[1], *(devwiki.password(u) for u in ("Admin", "Alice"))]
    for secret in secrets:
        for form in {secret, urllib.parse.quote(secret, safe=""), json.dumps(secret)[1:-1]}:
            leaks = [name for name, text in outputs.items() if form in text]
            assert leaks == [], f"a credential appears in {leaks}"
