"""The torture suite's network part: the bot against a real local MediaWiki through a proxy that
injects faults (5xx answers, timeouts, dropped connections, lost answers, maxlag errors; each kind
in a share FAULT_RATE of the requests of its own runs), and killed with SIGKILL at each save
boundary. Every claim the bot makes is checked against the wiki (a "saved revision N" is the bot's
revision N; a "could not save [[X]]" means no edit of X was made; exit status 0 means all is
done), and after a clean rerun every page holds exactly the planned text, every comment kept, the
unsigned one tagged once, each page and summary edited once. The counts are printed."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from bot.render import inert
from bot.text.model.analysis import analyze
from tests.devwiki import DevWiki
from tests.faultproxy import KINDS, FaultProxy, Request, random_faults
from tests.wiki.proxied import Run, pywikibot_dir, run, start, write_config

FAULT_RATE = 0.2
STATUS = "User:ConsultationBot/Torture status"
ORIGINAL = """== Part 1 ==
=== How should the academy select its trainees? ===
One of the big challenges right now is that the events have only a few places, so the organizers \
must select the participants. This question asks how that selection should be made, and how the \
participants should then share what they learned with their home communities, which matters as \
much as the training itself.
==== Which idea is the best? ====
:*(Add your comment here) (Don't forget to add your signature)
:* Option 1 sounds fair. [[User:Alice|Alice]] 09:15, 20 September 2016 (UTC)
"""
BOBS_COMMENT = ":* Regional quotas would help smaller communities."
PAGE_OPTIONS = "tag_unsigned = true\ngrace_minutes = 0\n"
# 5 tries per request, no wait between them (maxlag's own wait aside), 1 s for an answer.
BOUNDS = "max_retries = 4\nretry_wait_seconds = 0\nretry_max_seconds = 1\ntimeout_seconds = 1\n"
TALLY: Counter[str] = Counter()


@dataclass(frozen=True)
class Expected:
    """What a clean run makes of a page, as seen on the reference page: its text, and the figures
    of its summary (the summary's links and "new since" revisions are the page's own)."""

    text: str
    figures: dict


def create_pages(devwiki: DevWiki, titles: list[str]) -> None:
    """Alice writes the page, then Bob adds an unsigned comment, all at one frozen minute, so that
    every page gets the same tag."""
    alice, bob = devwiki.client("Alice"), devwiki.client("Bob")
    devwiki.clock(datetime(2020, 5, 1, 10, 0, tzinfo=UTC))
    try:
        for title in titles:
            alice.edit(title, ORIGINAL, summary="setup")
            bob.edit(title, ORIGINAL + BOBS_COMMENT, summary="my comment")
    finally:
        devwiki.clock(None)


def config_text(folder: Path, titles: list[str], bounds: str = BOUNDS) -> str:
    pages = "".join(f'[[pages]]\ntitle = "{t}"\n{PAGE_OPTIONS}' for t in titles)
    return (f'[bot]\n{bounds}status_page = "{STATUS}"\nstate_dir = "{folder}/state"\n'
            f'report = "{folder}/report.json"\n{pages}')


@pytest.fixture(scope="module")
def expected(devwiki: DevWiki, tmp_path_factory: pytest.TempPathFactory) -> Expected:
    title = "Torture/Reference"
    create_pages(devwiki, [title])
    folder = tmp_path_factory.mktemp("reference")
    result = run(devwiki.pywikibot_dir, write_config(folder, config_text(folder, [title], "")))
    assert result.status == 0, result.output
    client = devwiki.client()
    text = client.read(title).text
    assert text.count('<div class="mw-collapsible mw-collapsed"') == 1
    assert text.count("{{unsigned|Bob|10:00, 1 May 2020 (UTC)}}") == 1
    for comment in analyze(ORIGINAL + BOBS_COMMENT).comments:
        assert comment.text in text
    return Expected(text, _figures(client.read(f"{title}/Summary.json").text))


def _figures(summary_json: str) -> dict:
    data = json.loads(summary_json)
    return {key: data[key] for key in ("totals", "questions", "participants")}


def bot_edits_since(devwiki: DevWiki, since: int) -> list[dict]:
    return [c for c in devwiki.client().recent_changes(rcuser="ConsultationBot")
            if c["rcid"] > since and c["type"] in ("edit", "new")]


def last_rcid(devwiki: DevWiki) -> int:
    changes = devwiki.client().get(action="query", list="recentchanges", rclimit=1,
                                   rcprop="ids")["query"]["recentchanges"]
    return changes[0]["rcid"] if changes else 0


def is_done(devwiki: DevWiki, expected: Expected, title: str) -> bool:
    client = devwiki.client()
    summary, summary_json = client.read(f"{title}/Summary"), client.read(f"{title}/Summary.json")
    return (client.read(title).text == expected.text and summary.exists
            and inert(title) in summary.text and summary_json.exists
            and _figures(summary_json.text) == expected.figures)


def check_claims(devwiki: DevWiki, expected: Expected, titles: list[str], result: Run,
                 since: int) -> None:
    """Every claim of the run is true of the wiki."""
    made = bot_edits_since(devwiki, since)
    by_revid = {c["revid"]: c["title"] for c in made}
    for line in result.stdout.splitlines():
        saved = re.match(r"\[\[(.+?)\]\]: saved revision (\d+) ", line)
        if saved:  # the bot's own revision of that page, made by this run
            assert by_revid.get(int(saved.group(2))) == saved.group(1), line
        failed = re.match(r"\[\[(.+?)\]\]: (?:error: could not save|warning: status page not)",
                          line)
        if failed:  # no edit of that page was made after all
            assert failed.group(1) not in by_revid.values(), line
    assert len(made) == len(set(by_revid.values())), "a page was edited twice in one run"
    done = all(is_done(devwiki, expected, t) for t in titles)
    if result.status == 0:
        assert done, result.output
    else:
        assert result.status == 1, result.output
        assert not done or "the wiki could not be reached" in result.stdout, result.output
    assert "Traceback" not in result.output


def check_final(devwiki: DevWiki, expected: Expected, titles: list[str]) -> None:
    """Exactly the planned text, every comment kept, one tag, one edit per page and summary."""
    for title in titles:
        assert is_done(devwiki, expected, title), title
        text = devwiki.client().read(title).text
        assert text.count("{{unsigned|") == 1
        for comment in analyze(ORIGINAL + BOBS_COMMENT).comments:
            assert comment.text in text
        edits = Counter(c["title"] for c in devwiki.client().recent_changes(
            rcuser="ConsultationBot") if c["type"] in ("edit", "new")
            and (c["title"] == title or c["title"].startswith(title + "/")))
        assert edits == {title: 1, f"{title}/Summary": 1, f"{title}/Summary.json": 1}, edits


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\ntorture: {line}", flush=True)


@pytest.mark.parametrize("kind", KINDS)
def test_faults_of_each_kind_leave_every_claim_true_and_a_rerun_completes(
    devwiki: DevWiki, expected: Expected, tmp_path: Path, kind: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    titles = [f"Torture/{kind} {n}" for n in (1, 2)]
    create_pages(devwiki, titles)
    outcomes: list[int] = []
    with FaultProxy(devwiki.port, hang_seconds=2, maxlag_seconds=0.2) as proxy:
        pwb = pywikibot_dir(devwiki, tmp_path, proxy.port)
        with (pwb / "user-config.py").open("a") as user_config:
            user_config.write("max_retries = 5\n")  # the dev wiki's 2 would bound [bot]'s 4
        config = write_config(tmp_path, config_text(tmp_path, titles))
        for attempt in range(3):  # until a faulty run completes the work, at most three
            proxy.decide = random_faults(FAULT_RATE, (kind,), seed=f"{kind} {attempt}")
            since = last_rcid(devwiki)
            result = run(pwb, config)
            check_claims(devwiki, expected, titles, result, since)
            outcomes.append(result.status)
            if result.status == 0:
                break
    if outcomes[-1] != 0:  # the faulty runs left work: a clean run completes it
        clean = run(devwiki.pywikibot_dir, config)
        assert clean.status == 0, clean.output
    check_final(devwiki, expected, titles)
    TALLY.update({f"{kind} injected": proxy.counts[kind], "requests": sum(proxy.counts.values()),
                  "runs": len(outcomes) + (outcomes[-1] != 0)})
    report(capsys, f"{kind}: {proxy.counts[kind]} faults in {sum(proxy.counts.values())} "
                   f"requests, {len(outcomes)} faulty runs (exit statuses {outcomes})"
                   f"{', then a clean run' if outcomes[-1] else ''}: all claims true, every "
                   "page done once")


# Where the bot is killed: (which request, before it reaches the wiki or after the wiki acted).
KILLS: dict[str, Callable[[str], Callable[[Request], bool]]] = {
    "before the page's save": lambda t: lambda r: r.is_edit and r.title == t,
    "after the wiki saved the page, before the answer": lambda t: lambda r: r.is_edit
    and r.title == t,
    "between the page and its summary": lambda t: lambda r: r.is_edit and r.title == f"{t}/Summary",
    "between the summaries and the status page": lambda t: lambda r: r.is_edit
    and r.title == STATUS,
}
AFTER = {"after the wiki saved the page, before the answer"}


@pytest.fixture
def killed_titles() -> Iterator[list[str]]:
    yield [f"Torture/Killed {n}" for n in range(1, len(KILLS) + 1)]


def test_a_kill_at_each_save_boundary_then_a_rerun_completes_without_doubled_edits(
    devwiki: DevWiki, expected: Expected, tmp_path: Path, killed_titles: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_pages(devwiki, killed_titles)
    for (moment, matcher), title in zip(KILLS.items(), killed_titles, strict=True):
        folder = tmp_path / title.rsplit(" ", 1)[1]
        folder.mkdir()
        matches = matcher(title)
        action = "kill-after" if moment in AFTER else "kill-before"
        killed: list[bool] = []

        def decide(request: Request, matches=matches, action=action, killed=killed) -> str:
            if not killed and matches(request):
                killed.append(True)
                return action
            return "pass"

        with FaultProxy(devwiki.port, decide) as proxy:
            pwb = pywikibot_dir(devwiki, folder, proxy.port)
            config = write_config(folder, config_text(folder, [title]))
            proc = start(pwb, config)
            proxy.victim = proc.pid
            out, err = proc.communicate(timeout=240)
        assert killed and proc.returncode == -9, f"{moment}: {out}{err}"
        report(capsys, f"killed {moment}: {title}")
        TALLY["kills"] += 1
    config = write_config(tmp_path, config_text(tmp_path, killed_titles, ""))
    rerun = run(devwiki.pywikibot_dir, config)
    assert rerun.status == 0, rerun.output
    check_final(devwiki, expected, killed_titles)
    assert devwiki.client().read(STATUS).exists
    report(capsys, f"one rerun after {len(KILLS)} kills: all pages done, no doubled edit; "
                   f"totals so far {dict(TALLY)}")


def test_the_proxy_forwards_what_it_is_told_to(devwiki: DevWiki) -> None:
    """The instrument itself: a lost answer reaches the wiki, a dropped request does not."""
    title = "Torture/Proxy check"
    actions = iter(["lost", "drop"])

    def decide(request: Request) -> str:
        return next(actions, "pass") if request.is_edit else "pass"

    with FaultProxy(devwiki.port, decide) as proxy:
        url = f"http://127.0.0.1:{proxy.port}/api.php"
        for text in ("lost answer", "dropped"):
            with pytest.raises(requests.ConnectionError):  # no answer either way
                requests.post(url, timeout=60, data={
                    "action": "edit", "title": title, "text": text, "token": "+\\",
                    "format": "json",
                })
    assert devwiki.client().read(title).text == "lost answer"
