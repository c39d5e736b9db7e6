"""The site profile read from the (English) local wiki and kept in the state folder, and the
check that tag templates exist; requests counted as the run report counts them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

from bot.text.model.profile import ENGLISH, profile_from_dict
from tests.devwiki import DevWiki

ROOT = Path(__file__).resolve().parents[2]


def drive(devwiki: DevWiki, tmp_path: Path, body: str) -> dict:
    """Run `body` with `wiki` (logged in, requests counted) and `state` in a fresh process; it
    sets `out`, printed as JSON."""
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(f"""
        import json, sys
        from datetime import UTC, datetime, timedelta
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        import pywikibot
        from bot.text.model.profile import profile_to_dict
        from bot.wiki.main import connect
        from bot.wiki.profile import CACHE_FILE, TemplateCheck, cached_profile, site_key
        from bot.wiki.site import RequestCounter, Wiki

        state = Path({str(tmp_path / "state")!r})
        now = datetime.now(UTC)
        out = {{}}
        with RequestCounter().counting() as requests:
            wiki = Wiki(connect(), requests)
            def asked(call):
                before = requests.count
                result = call()
                return result, requests.count - before
    """) + textwrap.indent(textwrap.dedent(body), "    ") + "\nprint(json.dumps(out))\n",
        encoding="utf-8")
    proc = subprocess.run([sys.executable, str(driver)], env={**os.environ, **devwiki.env()},
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_profile_is_read_once_then_kept_for_its_time_to_live(
    devwiki: DevWiki, tmp_path: Path
) -> None:
    out = drive(devwiki, tmp_path, """
        day = timedelta(hours=24)
        first, out["first"] = asked(lambda: cached_profile(wiki, state, day, now, print))
        out["profile"] = profile_to_dict(first)
        _, out["kept"] = asked(lambda: cached_profile(wiki, state, day, now, print))
        _, out["expired"] = asked(
            lambda: cached_profile(wiki, state, day, now + timedelta(hours=25), print))
        kept = json.loads((state / CACHE_FILE).read_text())
        out["site"] = kept["site"] == site_key(wiki)
        kept["site"] = "otherwiki:xx http://elsewhere/api.php"
        (state / CACHE_FILE).write_text(json.dumps(kept))
        _, out["other_wiki"] = asked(lambda: cached_profile(wiki, state, day, now, print))

        # The wiki cannot be asked: a kept profile of any age is used (with a warning).
        def unreachable(*args, **kwargs):
            raise pywikibot.exceptions.TimeoutError("no answer")
        wiki.site.simple_request = unreachable
        lines = []
        later = now + timedelta(days=30)
        stale = cached_profile(wiki, state, day, later, lines.append)
        out["stale"] = [profile_to_dict(stale) == out["profile"], lines]
        (state / CACHE_FILE).unlink()
        try:
            cached_profile(wiki, state, day, later, lines.append)
        except Exception as exc:
            out["none_kept"] = [type(exc).__name__, str(exc)]
    """)
    assert out["first"] == 3  # siteinfo and messages, zone messages, the ~~~~~ sample
    assert out["kept"] == 0 and out["expired"] == 3 and out["other_wiki"] == 3
    assert out["site"] is True
    # The English local wiki's profile reads signatures as the built-in English one does.
    profile = profile_from_dict(out["profile"])
    assert profile == replace(ENGLISH, timezone="UTC")
    same, lines = out["stale"]
    assert same and len(lines) == 1 and "cannot refresh the wiki's site profile" in lines[0]
    assert out["none_kept"] == ["BotError", "cannot read the wiki's site profile: no answer"]


def test_missing_templates_are_asked_for_once(devwiki: DevWiki, tmp_path: Path) -> None:
    out = drive(devwiki, tmp_path, """
        check = TemplateCheck(wiki)
        names = ["unsigned", "Unsigned IP", "No such template here", "unsigned"]
        out["missing"], out["requests"] = asked(lambda: check.missing(names))
        out["again"], out["requests_again"] = asked(lambda: check.missing(names[:3]))
    """)
    assert out["missing"] == out["again"] == ["No such template here"]
    assert out["requests"] == 1 and out["requests_again"] == 0
