"""Truthful outcomes against a real local MediaWiki, through a network that loses answers
(tests/faultproxy.py): what the bot says it saved, it saved; what it says failed, failed; each
failure is one line naming its page; {{bots}} names match as MediaWiki matches user names."""

from __future__ import annotations

import html
import json
import signal
from pathlib import Path

from bot.state import StateStore
from tests.devwiki import DevWiki
from tests.faultproxy import FaultProxy, Request
from tests.wiki.conftest import bot_edits
from tests.wiki.proxied import (
    BOX,
    FAST,
    SAMPLE,
    drive,
    pywikibot_dir,
    run,
    start,
    write_config,
)

STATUS = "User:ConsultationBot/Fault status"


def create(devwiki: DevWiki, title: str, text: str = SAMPLE, user: str = "Alice") -> None:
    devwiki.client(user).edit(title, text, summary="setup")


def saved_lines(stdout: str) -> list[tuple[str, int]]:
    """(title, revid) of each 'saved revision N' line."""
    found = []
    for line in stdout.splitlines():
        if ": saved revision " in line:
            title = line[2:line.index("]]:")]
            found.append((title, int(line.split(": saved revision ")[1].split()[0])))
    return found


def revision_user(devwiki: DevWiki, revid: int) -> tuple[str, str]:
    """(title, user) of a revision, as the wiki lists it."""
    data = devwiki.client().get(action="query", prop="revisions", revids=revid, rvprop="user")
    page = data["query"]["pages"][0]
    return page["title"], page["revisions"][0]["user"]


def test_lost_answers_are_settled_by_reading_the_page_again(devwiki, tmp_path: Path) -> None:
    """The answer to the first save of every page is lost after the wiki saved it: pywikibot's
    retry gets "no change" (the page) or "article exists" (new subpages). Each is an edit the
    bot made, reported once, with its own revision; the pass succeeds."""
    title = "Fault test/Lost answers"
    create(devwiki, title)
    lost: set[str] = set()

    def lose_first_answer(request: Request) -> str:
        if request.is_edit and request.title not in lost:
            lost.add(request.title)
            return "lost"
        return "pass"

    with FaultProxy(devwiki.port, lose_first_answer) as proxy:
        pwb = pywikibot_dir(devwiki, tmp_path, proxy.port)
        config = write_config(tmp_path, f"""
            [bot]
            {FAST}report = "{tmp_path}/report.json"
            state_dir = "{tmp_path}/state"
            status_page = "{STATUS}"
            [[pages]]
            title = "{title}"
        """)
        result = run(pwb, config)
    print(f"faults injected: {dict(proxy.counts)}")
    assert result.status == 0, result.output
    assert proxy.counts["lost"] == 4  # the page, its two summaries and the status page
    assert ": error" not in result.stdout
    edits = bot_edits(devwiki, title)
    assert sorted(e["title"] for e in edits) == [title, f"{title}/Summary", f"{title}/Summary.json"]
    saved = saved_lines(result.stdout)
    assert len(saved) == 4
    for page, revid in saved:  # each "saved revision N" is the bot's own revision of that page
        assert revision_user(devwiki, revid) == (page, "ConsultationBot")
    assert devwiki.client().read(title).text.count(BOX) == 3
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["edits"] == 4 and report["exit_status"] == 0
    assert sorted(e["revid"] for e in report["saved_revisions"]) == sorted(r for _, r in saved)
    assert report["status_page_edit"]["title"] == STATUS
    assert report["started"] <= report["finished"]
    state, warning = StateStore(tmp_path / "state").load(title)
    assert warning is None and state.last_revid == devwiki.client().read(title).revid
    # The status page was saved inside the pass: no throttle entry is left behind for the next.
    assert (pwb / "throttle.ctrl").read_text().strip() == ""
    assert result.stdout.splitlines()[-1] == (
        "pass finished: 1 page, 4 edits, 0 pages failed; exit status 0"
    )
    assert "Script terminated" not in result.output


def test_a_save_that_changes_nothing_names_no_revision_as_the_bots(devwiki, tmp_path) -> None:
    """Bob makes exactly the bot's edit between its read and its save: MediaWiki answers "no
    change". Nothing is reported as saved, and the state is of the revision holding the text."""
    title = "Fault test/Same edit"
    create(devwiki, title)
    result = drive(devwiki, tmp_path, f"""
        [bot]
        state_dir = "{tmp_path}/state"
        report = "{tmp_path}/report.json"
        [[pages]]
        title = "{title}"
        summary = false
    """, """
        from bot.wiki.site import Wiki
        original = Wiki.save
        def save(self, base, text, summary, **kwargs):
            wiki.client("Bob").edit(base.title, text, summary="the same edit")
            return original(self, base, text, summary, **kwargs)
        Wiki.save = save
        sys.exit(run_pass(config, None, ENGLISH, dry_run=False))
    """)
    assert result.status == 0, result.output
    bob = devwiki.client().read(title)
    assert bob.text.count(BOX) == 3
    assert bot_edits(devwiki, title) == []
    assert "saved revision" not in result.stdout
    assert f"[[{title}]]: nothing saved: the page already has this text (revision {bob.revid})" \
        in result.stdout
    assert json.loads((tmp_path / "report.json").read_text())["edits"] == 0
    state, _ = StateStore(tmp_path / "state").load(title)
    assert state.last_revid == bob.revid


def test_each_failure_is_one_line_naming_its_page(devwiki, tmp_path: Path) -> None:
    """Every save of one page is refused (503): its failures are one line each, with the title;
    pywikibot's own message put the reason on a second line. The other page is done."""
    broken, fine = "Fault test/Refused", "Fault test/Accepted"
    create(devwiki, broken)
    create(devwiki, fine)

    def refuse(request: Request) -> str:
        return "5xx" if request.is_edit and request.title.startswith(broken) else "pass"

    with FaultProxy(devwiki.port, refuse) as proxy:
        pwb = pywikibot_dir(devwiki, tmp_path, proxy.port)
        config = write_config(tmp_path, f"""
            [bot]
            {FAST}
            [[pages]]
            title = "{broken}"
            [[pages]]
            title = "{fine}"
        """)
        result = run(pwb, config)
    assert result.status == 1, result.output
    errors = [line for line in result.stdout.splitlines() if ": error" in line]
    assert errors == [f"[[{broken}]]: error: could not save: Maximum retries attempted without "
                      "success."]
    *lines, last = result.stdout.splitlines()
    assert all(line.startswith(f"[[{broken}]]") for line in lines
               if "retries" in line or "error" in line or "failed" in line), lines
    assert last == "pass finished with errors: 2 pages, 3 edits, 1 page failed; exit status 1"
    assert devwiki.client().read(broken).text == SAMPLE
    assert devwiki.client().read(fine).text.count(BOX) == 3


def test_a_page_turned_into_a_redirect_during_the_pass_is_reported(devwiki, tmp_path) -> None:
    title, target = "Fault test/Moved away", "Fault test/Moved here"
    create(devwiki, title)
    result = drive(devwiki, tmp_path, f"""
        [[pages]]
        title = "{title}"
    """, f"""
        def redirect(page_title):
            wiki.client("Bob").edit(page_title, "#REDIRECT [[{target}]]", summary="moved")
        sys.exit(run_pass(config, None, ENGLISH, dry_run=False, before_save=redirect))
    """)
    assert result.status == 1, result.output
    assert f"[[{title}]]: error: the page is a redirect to [[{target}]]" in result.stdout
    assert devwiki.client().read(title).text == f"#REDIRECT [[{target}]]"
    assert bot_edits(devwiki, title) == []  # neither the page nor a summary of it


def test_bots_names_are_matched_as_mediawiki_matches_user_names(devwiki, tmp_path) -> None:
    pages = {
        "Fault test/Deny lower case": ("{{bots|deny=consultationBot}}", False),
        "Fault test/Deny underscores": ("{{bots|deny=OtherBot, consultationBot }}", False),
        "Fault test/Nobots lower case": ("{{nobots|consultationBot}}", False),
        "Fault test/Allow lower case": ("{{bots|allow=consultationBot}}", True),
        "Fault test/Deny another": ("{{bots|deny=Consultation_Bot2}}", True),
    }
    for title, (template, _) in pages.items():
        create(devwiki, title, f"{template}\n{SAMPLE}")
    config = write_config(tmp_path, "[bot]\n" + "".join(
        f'[[pages]]\ntitle = "{title}"\nsummary = false\n' for title in pages
    ))
    result = run(devwiki.pywikibot_dir, config)
    assert result.status == 0, result.output
    for title, (template, edits) in pages.items():
        text = devwiki.client().read(title).text
        assert (text.count(BOX) == 3) is edits, title
        if not edits:
            assert text == f"{template}\n{SAMPLE}"
            assert f"[[{title}]]: skipped: {{{{bots}}}}/{{{{nobots}}}} excludes this bot" \
                in result.stdout


def test_page_option_takes_configured_or_opted_in_pages_by_canonical_title(
    devwiki, tmp_path: Path
) -> None:
    """`--page "Main Page"` would have created Main Page/Summary: refused. `-page:` with another
    spelling of a configured title is that page, with the same summary as the scheduled run."""
    title = "Fault consultation 2016/Leadership"
    create(devwiki, title)
    config = write_config(tmp_path, f'[[pages]]\ntitle = "{title}"\n')
    refused = run(devwiki.pywikibot_dir, config, "--page", "Main Page")
    assert refused.status == 2, refused.output
    assert refused.stderr.strip().splitlines()[-1] == (
        "consultation-bot: error: --page 'Main Page': the page is not in the configuration; "
        "add --any-page to maintain it with the [defaults] anyway"
    )
    assert not devwiki.client().read("Main Page/Summary").exists
    manual = run(devwiki.pywikibot_dir, config, "-page:fault_consultation_2016/Leadership")
    assert manual.status == 0, manual.output
    assert f"[[{title}/Summary]]: saved revision" in manual.stdout
    summary = devwiki.client().read(f"{title}/Summary")
    assert f"[[:{title}|{title}]]" in html.unescape(summary.text)
    scheduled = run(devwiki.pywikibot_dir, config)
    assert scheduled.status == 0, scheduled.output
    assert "saved revision" not in scheduled.stdout  # same page, same summary: no edit
    assert devwiki.client().read(f"{title}/Summary").revid == summary.revid


def test_a_manual_run_merges_into_the_status_page_and_a_dry_run_has_its_own_report(
    devwiki, tmp_path: Path
) -> None:
    first, second, other = "Fault test/Status A", "Fault test/Status B", "Fault test/Status C"
    for title in (first, second, other):
        create(devwiki, title)
    status = "User:ConsultationBot/Merged status"
    config = write_config(tmp_path, f"""
        [bot]
        status_page = "{status}"
        report = "{tmp_path}/run-report.json"
        [[pages]]
        title = "{first}"
        [[pages]]
        title = "{second}"
    """)
    assert run(devwiki.pywikibot_dir, config).status == 0
    report = (tmp_path / "run-report.json").read_text()
    dry = run(devwiki.pywikibot_dir, config, "--page", first, "--dry-run")
    assert dry.status == 0, dry.output
    assert (tmp_path / "run-report.json").read_text() == report  # not replaced by the dry run
    dry_report = json.loads((tmp_path / "run-report.dry-run.json").read_text())
    assert dry_report["dry_run"] and [p["title"] for p in dry_report["pages"]] == [first]
    manual = run(devwiki.pywikibot_dir, config, "--page", other, "--any-page")
    assert manual.status == 0, manual.output
    text = devwiki.client().read(status).text
    assert "a manual run of 1 page" in text
    for title, outcome in ((first, "3 edits"), (second, "3 edits"), (other, "3 edits")):
        assert f"|{title}]]: {outcome}" in text.replace("&#47;", "/"), text


def test_one_page_cannot_end_serve_nor_a_bad_opt_in_the_pass(devwiki, tmp_path: Path) -> None:
    """A title the wiki refuses makes the pass not run (one line); `serve` goes on. An opted-in
    page with out-of-range parameters is that page's error; the other page is done."""
    optin = "User:ConsultationBot/Fault config"
    good, bad = "Fault test/Opt-in good", "Fault test/Opt-in bad"
    create(devwiki, good, f"{{{{{optin}}}}}\n{SAMPLE}")
    create(devwiki, bad, f"{{{{{optin}|grace_minutes=999999999999999|summary_subpage=../X}}}}\n"
                         f"{SAMPLE}")
    config = write_config(tmp_path, f'[bot]\noptin_template = "{optin}"\n')
    result = run(devwiki.pywikibot_dir, config)
    assert result.status == 1, result.output
    problems = [line for line in result.stdout.splitlines() if bad in line]
    assert problems and all("page not maintained" in line for line in problems), problems
    assert any("grace_minutes" in line for line in problems)
    assert bot_edits(devwiki, bad) == []
    assert devwiki.client().read(good).text.count(BOX) == 3

    broken = write_config(tmp_path, '[bot]\ninterval_minutes = 60\n[[pages]]\n'
                                    'title = "Special:Version"\n')
    proc = start(devwiki.pywikibot_dir, broken, command="serve")
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("serve: next pass at"):
            break
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(seen) + out + err
    assert any(line.startswith("serve: pass not run: ") and "'Special:Version' is not a page "
               "title: no one can edit a page of that namespace" in line for line in seen), seen
    assert "Traceback" not in err


def test_a_wiki_that_stops_answering_ends_the_pass(devwiki, tmp_path: Path) -> None:
    """After the first page's save the wiki hangs: the request is tried max_retries + 1 times,
    then the pass stops with one line and status 1; the second page is not started."""
    first, second = "Fault test/Before the outage", "Fault test/During the outage"
    create(devwiki, first)
    create(devwiki, second)
    down: list[bool] = []

    def outage(request: Request) -> str:
        if down:
            return "timeout"
        if request.is_edit and request.title == first:
            down.append(True)
        return "pass"

    with FaultProxy(devwiki.port, outage, hang_seconds=3) as proxy:
        pwb = pywikibot_dir(devwiki, tmp_path, proxy.port)
        config = write_config(tmp_path, f"""
            [bot]
            max_retries = 1
            retry_wait_seconds = 0
            timeout_seconds = 1
            report = "{tmp_path}/report.json"
            [[pages]]
            title = "{first}"
            [[pages]]
            title = "{second}"
        """)
        result = run(pwb, config)
    assert result.status == 1, result.output
    assert proxy.counts["timeout"] == 2  # one request, tried twice
    assert "the wiki could not be reached (Maximum retries attempted without success.): the " \
        "pass stops here" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("pass stopped: the wiki could not be reached")
    assert second not in result.stdout
    assert devwiki.client().read(first).text.count(BOX) == 3
    assert devwiki.client().read(second).text == SAMPLE
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["unreachable"] and report["exit_status"] == 1
