"""Batched reads against a real local MediaWiki: many pages in one request, with what the bot may
do to each, agreeing with pywikibot's page-by-page answers; and what whole passes cost in API
requests (deterministic counts, asserted; timings only in scripts/benchmark_requests.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.consultations import consultation
from tests.devwiki import DevWiki
from tests.wiki.conftest import ROOT, bot_edits

SAMPLE = (ROOT / "bot" / "samples" / "consultation.wikitext").read_text(encoding="utf-8").rstrip()


def drive(devwiki: DevWiki, tmp_path: Path, body: str) -> dict:
    """Run `body` with `wiki` (logged in, its requests counted in `requests`) in a fresh
    process; it fills `out`, printed as JSON."""
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(ROOT)!r})
        from bot.wiki.main import connect
        from bot.wiki.site import RequestCounter, Wiki

        out = {{}}
        with RequestCounter().counting() as requests:
            wiki = Wiki(connect(), requests)
    """) + textwrap.indent(textwrap.dedent(body), "    ") + "\nprint(json.dumps(out))\n",
        encoding="utf-8")
    proc = subprocess.run([sys.executable, str(driver)], env={**os.environ, **devwiki.env()},
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_pages_are_read_in_one_request_with_what_the_bot_may_do_to_each(
    devwiki: DevWiki, tmp_path: Path
) -> None:
    pages = {
        "Reads test/Plain": SAMPLE,
        "Reads test/Nobots": "{{nobots}}\n" + SAMPLE,
        # MediaWiki takes consultationBot and ConsultationBot for one user (pywikibot does not).
        "Reads test/Deny": "{{bots|deny=consultationBot}}\n" + SAMPLE,
        "Reads test/Other bot": "{{bots|deny=OtherBot}}\n" + SAMPLE,
        "Reads test/Quoted": "<nowiki>{{nobots}}</nowiki> <!-- {{nobots}} -->\n" + SAMPLE,
        # A template's name is read as MediaWiki reads it: character references, spaces.
        "Reads test/Entity": "{{no&#98;ots}}\n" + SAMPLE,
        "Reads test/Entity deny": "{{ bo&#116;s |deny=all}}\n" + SAMPLE,
        # Only 1, 2, ... without a gap are positional: this {{nobots}} is keyed, so refused.
        "Reads test/Keyed nobots": "{{nobots|2=OtherBot}}\n" + SAMPLE,
        "Reads test/Protected": SAMPLE,
        "Reads test/Redirect": "#REDIRECT [[Reads test/Plain]]",
    }
    for title, text in pages.items():
        devwiki.client("Alice").edit(title, text, summary="setup")
    devwiki.client("Admin").protect("Reads test/Protected")
    titles = [*pages, "Reads test/Missing", "reads_test/Plain"]
    out = drive(devwiki, tmp_path, f"""
        titles = {titles!r}
        # The first time, pywikibot also looks up the wiki's namespaces, extensions and
        # interwiki prefixes (then kept on disk): count the second read.
        wiki.preload(titles)
        start = requests.count
        wiki.preload(titles, again=True)
        out["preload"] = requests.count - start
        fields = ("title", "text", "exists", "revid", "timestamp", "user", "can_edit",
                  "redirect_to")
        def described(snapshot):
            found = {{f: str(getattr(snapshot, f)) for f in fields}}
            found["bots_allowed"] = snapshot.bots_allowed
            return found
        batched = {{t: described(wiki.current(t)) for t in titles}}
        out["after_current"] = requests.count - start
        out["batched"] = batched
        out["one_by_one"] = {{t: described(wiki.read(t)) for t in titles}}
    """)
    assert out["preload"] == 1
    assert out["after_current"] == 1
    batched, one_by_one = out["batched"], out["one_by_one"]
    assert batched["reads_test/Plain"] == batched["Reads test/Plain"]
    assert batched["Reads test/Missing"]["exists"] == "False"
    assert batched["Reads test/Protected"]["can_edit"] == "False"
    assert batched["Reads test/Redirect"]["redirect_to"] == "Reads test/Plain"
    allowed = {t: d["bots_allowed"] for t, d in batched.items()}
    refused = ("Reads test/Nobots", "Reads test/Deny", "Reads test/Entity",
               "Reads test/Entity deny", "Reads test/Keyed nobots")
    assert allowed == {t: t not in refused for t in titles}
    # The same as the page-by-page read (pywikibot's get, templates and protection lookups).
    assert batched == one_by_one


def test_parser_functions_cost_no_request_and_a_namespaced_nobots_still_counts(
    devwiki: DevWiki, tmp_path: Path
) -> None:
    """A box's {{int:...}} (and {{#if:}}, {{DISPLAYTITLE:}}) is no exclusion template: deciding
    so asks the wiki nothing (pywikibot would fetch its interwiki map to read the prefix),
    while {{Template:Nobots}} is {{nobots}} all the same."""
    out = drive(devwiki, tmp_path, """
        from bot.wiki.reads import bot_may_edit
        bot_may_edit(wiki, "{{x}}")  # the site's restricting templates, looked up once
        before = requests.count
        out["parser functions"] = bot_may_edit(
            wiki, "{{int:collapsible-collapse}} {{#if:x|y}} {{DISPLAYTITLE:X}} {{ fr:X }}"
        )
        out["asked"] = requests.count - before
        out["namespaced"] = [bot_may_edit(wiki, "{{Template:Nobots}}"),
                             bot_may_edit(wiki, "{{ template : bots |deny=all}}")]
    """)
    assert out["parser functions"] is True
    assert out["asked"] == 0
    assert out["namespaced"] == [False, False]


def test_a_save_on_a_batched_read_needs_no_other_read_and_still_detects_conflicts(
    devwiki: DevWiki, tmp_path: Path
) -> None:
    first, second, theirs = "Reads test/Save 1", "Reads test/Save 2", "Reads test/Conflict"
    for title in (first, second, theirs):
        devwiki.client("Alice").edit(title, SAMPLE, summary="setup")
    alice = devwiki.password("Alice")
    out = drive(devwiki, tmp_path, f"""
        from tests.wikiclient import WikiClient
        wiki.preload([{first!r}, {second!r}, {theirs!r}])
        more = {SAMPLE!r} + "\\n:* more"
        # The first save of a session also fetches pywikibot's parameter info and the token.
        out["first"] = wiki.save(wiki.current({first!r}), more, "test").status
        before = requests.count
        saved = wiki.save(wiki.current({second!r}), more, "test")
        out["second"] = [saved.status, requests.count - before]
        out["forgotten"] = wiki.preloaded({second!r}) is None
        # Alice edits after the batched read; the bot's save on top of it must not win.
        client = WikiClient({devwiki.api_url!r})
        client.login("Alice", {alice!r})
        client.edit({theirs!r}, {SAMPLE!r} + "\\n:* Alice's late comment", summary="late")
        late = wiki.save(wiki.current({theirs!r}), {SAMPLE!r} + "\\n:* the bot's line", "test")
        out["late"] = late.status
    """)
    assert out["first"] == "saved"
    assert out["second"] == ["saved", 1]  # the edit alone: nothing is read again
    assert out["forgotten"] is True
    assert out["late"] == "conflict"
    assert devwiki.client().read(theirs).text.endswith(":* Alice's late comment")


def pass_config(tmp_path: Path, titles: list[str], bot: str = "") -> str:
    pages = "".join(f'\n[[pages]]\ntitle = "{t}"\n' for t in titles)
    return (f'[bot]\nreport = "{tmp_path}/report.json"\n{bot}\n'
            f"[defaults]\ntag_unsigned = true\n{pages}")


def test_a_pass_with_nothing_to_change_reads_ten_pages_in_one_request(
    devwiki: DevWiki, run_bot, tmp_path: Path
) -> None:
    titles = [f"Reads test/Pass {n}" for n in range(1, 11)]
    admin = devwiki.client("Admin")
    for number, title in enumerate(titles, start=1):
        admin.edit(title, consultation(number), summary="setup")  # ~27 kB, 150 comments each
    admin.edit("User:ConsultationBot/Reads shutoff", "run", summary="setup")
    config = pass_config(tmp_path, titles, 'shutoff_page = "User:ConsultationBot/Reads shutoff"')

    first = run_bot(config)
    assert first.status == 0, first.stdout + first.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["edits"] == report["api_writes"] == 30  # each page and its two subpages
    assert all(len(bot_edits(devwiki, t)) == 3 for t in titles)
    # Reads in batches, one history listing a page (its single revision), the saves: within
    # the target of three requests per page saved, the site profile and edit token included.
    assert report["api_requests"] - report["login_requests"] <= 3 * 30, first.stdout

    again = run_bot(config)
    assert again.status == 0, again.stdout + again.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert again.stdout.count("nothing to change") == 10
    assert report["edits"] == report["api_writes"] == 0
    # The pages, their summaries and the shutoff page in one request (the site profile is kept).
    assert report["api_requests"] - report["login_requests"] == 1, again.stdout
