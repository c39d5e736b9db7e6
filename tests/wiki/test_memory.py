"""`serve` between passes, against a real local MediaWiki: a pass asks once which pages have a
newer revision than the last pass left, and maintains only those (and those with something
pending, or new options)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

from bot.config import PageOptions
from bot.text.model.profile import ENGLISH
from bot.wiki.memory import fingerprint
from tests.devwiki import DevWiki
from tests.wiki.conftest import ROOT

SAMPLE = (ROOT / "bot" / "samples" / "consultation.wikitext").read_text(encoding="utf-8").rstrip()
SHUTOFF = "User:ConsultationBot/Memory shutoff"


def test_what_a_page_is_maintained_with_besides_its_revisions_is_fingerprinted(
    tmp_path: Path,
) -> None:
    template = tmp_path / "summary.j2"
    template.write_text("{{ title }}", encoding="utf-8")
    options = PageOptions(title="A", summary_template=str(template))
    same = fingerprint(options, ENGLISH)
    assert fingerprint(PageOptions(title="A", summary_template=str(template)), ENGLISH) == same
    assert fingerprint(PageOptions(title="A", grace_minutes=45,
                                   summary_template=str(template)), ENGLISH) != same
    assert fingerprint(options, replace(ENGLISH, timezone="Europe/Berlin")) != same
    template.write_text("{{ title }}!", encoding="utf-8")  # the operator edits the template
    assert fingerprint(options, ENGLISH) != same


def test_serve_maintains_only_the_pages_with_a_new_revision_or_something_pending(
    devwiki: DevWiki, tmp_path: Path
) -> None:
    titles = [f"Memory test/Page {n}" for n in range(1, 5)]
    merged = "Memory test/Merged"  # someone edits it while the bot saves: MediaWiki merges
    titles.append(merged)
    admin = devwiki.client("Admin")
    for title in titles:
        admin.edit(title, SAMPLE, summary="setup")  # the organizer's page
    admin.edit(SHUTOFF, "run", summary="setup")
    pages = "".join(f'\n[[pages]]\ntitle = "{t}"\n' for t in titles)
    config = tmp_path / "bot.toml"
    config.write_text(f'[bot]\nreport = "report.json"\nshutoff_page = "{SHUTOFF}"\n'
                      f"[defaults]\ntag_unsigned = true\n{pages}", encoding="utf-8")
    report = tmp_path / "report.json"
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(f"""
        import json, sys
        from dataclasses import replace
        sys.path.insert(0, {str(ROOT)!r})
        from bot.config import load_config
        from bot.wiki.memory import PassMemory
        from bot.wiki.passes import locked_pass
        from tests.wikiclient import WikiClient

        import bot.wiki.run
        # The merge below is the subject, however slow the machine: no check of the read's age.
        bot.wiki.run.READ_MAX_AGE = float("inf")
        memory = PassMemory()  # what `serve` keeps between its passes
        config = load_config({str(config)!r})
        alice = WikiClient({devwiki.api_url!r})
        alice.login("Alice", {devwiki.password("Alice")!r})
        def one_pass(config, before_save=None):
            print("=== pass", flush=True)
            locked_pass(config, None, None, dry_run=False, memory=memory,
                        before_save=before_save)
            found = json.loads(open({str(report)!r}).read())
            print("=== report", json.dumps(found), flush=True)

        def meanwhile(title):  # between the bot's read and its save of that page
            if title == {merged!r}:
                text = alice.read(title).text + "\\n:* Merged. [[User:Alice|Alice]] " + (
                    "10:00, 1 May 2024 (UTC)")
                alice.edit(title, text, summary="comment")

        one_pass(config, meanwhile)  # the first pass of the service: every page
        one_pass(config)  # nothing changed, but the merged page holds a comment the bot missed
        one_pass(config)  # nothing changed at all
        now = alice.read({titles[1]!r}).text
        alice.edit({titles[1]!r}, now + "\\n:* A late remark, unsigned.", summary="comment")
        one_pass(config)  # one page changed: its new comment is in its grace period
        one_pass(config)  # no new revision, but that page has a comment pending
        changed = replace(config.pages[3], grace_minutes=45)  # new options for one page
        one_pass(replace(config, pages=(*config.pages[:3], changed, *config.pages[4:])))
    """), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(driver)], env={**os.environ, **devwiki.env()},
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    passes = []
    for chunk in proc.stdout.split("=== pass")[1:]:
        log, _, data = chunk.partition("=== report ")
        found = json.loads(data.splitlines()[0])
        left_alone = {t for t in titles if f"[[{t}]]: no new revision since the last pass" in log}
        passes.append((left_alone, found))

    def cost(found: dict) -> int:
        return found["api_requests"] - found["login_requests"]

    first, merged_again, quiet, changed, pending, new_options = passes
    assert first[0] == set() and first[1]["edits"] == 15
    assert "Merged. [[User:Alice|Alice]]" in devwiki.client().read(merged).text
    # The page MediaWiki merged holds a comment the plan did not see: it is maintained again.
    assert merged_again[0] == set(titles) - {merged}
    assert [e["title"] for e in merged_again[1]["pages"][4]["edits"]] == [
        f"{merged}/Summary", f"{merged}/Summary.json"]
    # Nothing changed: one request asks for the latest revisions, one reads the shutoff page.
    assert quiet[0] == set(titles) and quiet[1]["api_writes"] == 0 and cost(quiet[1]) == 2
    assert [p["title"] for p in quiet[1]["pages"]] == titles  # every page has its line
    assert changed[0] == set(titles) - {titles[1]}
    assert {e["title"] for e in changed[1]["pages"][1]["edits"]} == {
        f"{titles[1]}/Summary", f"{titles[1]}/Summary.json"}
    assert pending[0] == set(titles) - {titles[1]} and pending[1]["edits"] == 0
    assert new_options[0] == set(titles) - {titles[1], titles[3]}
