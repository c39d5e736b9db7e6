"""No wait outlasts SIGTERM (Kubernetes kills 30 s after it): pywikibot's throttle and retry
waits and the pass lock's wait end when it comes; and no page's planning outlasts its budget.
Against a real local MediaWiki, through tests/faultproxy.py to see when the bot is under way."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.devwiki import DevWiki
from tests.faultproxy import FaultProxy, Request
from tests.wiki.conftest import ROOT, bot_edits
from tests.wiki.proxied import BOX, SAMPLE, drive, pywikibot_dir, start, write_config

LONG = 300  # seconds: a wait the bot must not sit out


def create(devwiki: DevWiki, title: str) -> None:
    devwiki.client("Alice").edit(title, SAMPLE, summary="setup")


def slow_user_config(pwb: Path, **settings: float) -> None:
    """pywikibot settings of the operator's user-config.py, as a slow wiki would need."""
    path = pwb / "user-config.py"
    path.write_text(path.read_text() + "".join(f"{k} = {v}\n" for k, v in settings.items()))


def sigterm_when_under_way(proc: subprocess.Popen[str], started: threading.Event) -> float:
    """SIGTERM once the bot has sent requests and is into its wait; returns when it was sent."""
    assert started.wait(120), "the bot sent no request"
    time.sleep(3)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    return sent


def test_sigterm_ends_a_throttle_wait(devwiki, tmp_path: Path) -> None:
    """put_throttle is 300 s: the save waits for it when SIGTERM comes. The bot gives up the page
    (untouched) and exits with status 0 long before the wait would end."""
    title = "Wait test/Throttle"
    create(devwiki, title)
    started = threading.Event()

    def watch(request: Request) -> str:
        started.set()
        return "pass"

    with FaultProxy(devwiki.port, watch) as proxy:
        pwb = pywikibot_dir(devwiki, tmp_path, proxy.port)
        slow_user_config(pwb, put_throttle=LONG, maxthrottle=LONG)
        config = write_config(tmp_path, f'[[pages]]\ntitle = "{title}"\n')
        proc = start(pwb, config)
        sent = sigterm_when_under_way(proc, started)
        out, err = proc.communicate(timeout=LONG)
        waited = time.monotonic() - sent
    assert proc.returncode == 0, out + err
    assert waited < 25, f"SIGTERM took {waited:.0f} s"
    assert f"[[{title}]]: stopped before the page was done (SIGTERM during a " in out
    assert " s throttle wait); the next pass finishes it" in out
    assert out.splitlines()[-1].startswith("pass stopped by SIGTERM: ")
    assert devwiki.client().read(title).text == SAMPLE


def test_sigterm_ends_a_retry_wait(devwiki, tmp_path: Path) -> None:
    """The wiki refuses the save (503) and pywikibot waits 300 s to try again: SIGTERM ends that."""
    title = "Wait test/Retry"
    create(devwiki, title)
    started = threading.Event()

    def refuse_saves(request: Request) -> str:
        if request.is_edit:
            started.set()
            return "5xx"
        return "pass"

    with FaultProxy(devwiki.port, refuse_saves) as proxy:
        pwb = pywikibot_dir(devwiki, tmp_path, proxy.port)
        slow_user_config(pwb, retry_wait=LONG, retry_max=LONG)
        config = write_config(tmp_path, f"[bot]\nretry_wait_seconds = {LONG}\n"
                                        f"retry_max_seconds = {LONG}\n"
                                        f'[[pages]]\ntitle = "{title}"\n')
        proc = start(pwb, config)
        sent = sigterm_when_under_way(proc, started)
        out, err = proc.communicate(timeout=LONG)
        waited = time.monotonic() - sent
    assert proc.returncode == 0, out + err
    assert waited < 25, f"SIGTERM took {waited:.0f} s"
    assert proxy.counts["5xx"] == 1
    assert "stopped before the page was done (SIGTERM during a 300 s wait before retrying)" in out
    assert devwiki.client().read(title).text == SAMPLE


def test_sigterm_ends_the_wait_for_the_pass_lock(devwiki, tmp_path: Path) -> None:
    title = "Wait test/Lock"
    create(devwiki, title)
    lock = tmp_path / "pass.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; from bot.ops.lock import acquire; "
         f"held = acquire({str(lock)!r}, 0); print('held', flush=True); time.sleep({LONG})"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    started = threading.Event()

    def watch(request: Request) -> str:
        started.set()
        return "pass"

    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with FaultProxy(devwiki.port, watch) as proxy:
            pwb = pywikibot_dir(devwiki, tmp_path, proxy.port)
            config = write_config(tmp_path, f'[bot]\nlock_file = "{lock}"\n'
                                            f'lock_wait_seconds = {LONG}\n'
                                            f'[[pages]]\ntitle = "{title}"\n')
            proc = start(pwb, config)
            sent = sigterm_when_under_way(proc, started)
            out, err = proc.communicate(timeout=LONG)
            waited = time.monotonic() - sent
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 0, out + err
    assert waited < 25, f"SIGTERM took {waited:.0f} s"
    assert "stopped by a signal while waiting for the pass lock: no pass was run" in out
    assert bot_edits(devwiki, title) == []


def test_a_page_over_its_planning_budget_is_skipped_and_the_pass_goes_on(
    devwiki, tmp_path: Path
) -> None:
    """The planning of one page never ends (a stand-in for a pathological page): after
    page_budget_seconds of CPU time it is skipped with one line; the next page is done."""
    stuck, fine = "Wait test/Never planned", "Wait test/Planned"
    create(devwiki, stuck)
    create(devwiki, fine)
    result = drive(devwiki, tmp_path, f"""
        [bot]
        page_budget_seconds = 1
        [[pages]]
        title = "{stuck}"
        [[pages]]
        title = "{fine}"
    """, f"""
        import bot.wiki.run
        plan_page = bot.wiki.run.plan_page
        def endless(text, options, **kwargs):
            while options.title == {stuck!r}:
                pass
            return plan_page(text, options, **kwargs)
        bot.wiki.run.plan_page = endless
        sys.exit(run_pass(config, None, ENGLISH, dry_run=False))
    """)
    assert result.status == 1, result.output
    assert f"[[{stuck}]]: error: skipped: planning used more than 1 s of CPU time " \
        "(bot.page_budget_seconds = 1)" in result.stdout
    assert devwiki.client().read(stuck).text == SAMPLE
    assert devwiki.client().read(fine).text.count(BOX) == 3
