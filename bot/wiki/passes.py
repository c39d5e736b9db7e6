"""One pass of the bot over its pages, as `run` does it once and `serve` at each interval.

A pass takes the pass lock, finds the pages (configured, and opted in through the template),
maintains them one by one until done or asked to stop, then writes the run report and the
on-wiki status page.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import Config, PageOptions
from bot.errors import EXIT_OK, EXIT_PAGE_FAILED, InputError
from bot.ops.lock import acquire
from bot.ops.signals import stop_signal
from bot.render import label, labels_in, render
from bot.state import StateStore
from bot.text.model.profile import SiteProfile
from bot.text.optin import read_optin
from bot.wiki.memory import PassMemory
from bot.wiki.run import ConsultationBot, PageMaintainer, PageReport, say, utc_now
from bot.wiki.site import RequestCounter, Wiki

# The status page is saved when its content changes, and at least this often otherwise.
STATUS_REFRESH = timedelta(days=1)


def _status_time() -> re.Pattern[str]:
    """The status page's "Last pass" line, in the wiki's language."""
    return re.compile(rf"^\* {re.escape(label('status-last-pass'))}: .*$", re.MULTILINE)


@dataclass
class PassResult:
    dry_run: bool
    reports: list[PageReport] = field(default_factory=list)
    stopped: str = ""  # the signal that stopped the pass early, or ""
    api_requests: int = 0
    api_writes: int = 0  # of api_requests, those that change the wiki
    login_requests: int = 0  # of api_requests, those sent to connect and log in
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return any(r.error for r in self.reports)


def locked_pass(
    config: Config,
    pages: list[PageOptions] | None,
    profile: SiteProfile | None,
    *,
    dry_run: bool,
    before_save: Callable[[str], None] | None = None,
    memory: PassMemory | None = None,
) -> int:
    """A pass under the pass lock (waiting at most [bot] lock_wait_seconds); the exit status."""
    lock_path = config.resolve(config.bot.lock_file)
    with acquire(lock_path, config.bot.lock_wait_seconds):
        return run_pass(config, pages, profile, dry_run=dry_run, before_save=before_save,
                        memory=memory)


def run_pass(
    config: Config,
    pages: list[PageOptions] | None,
    profile: SiteProfile | None,
    *,
    dry_run: bool,
    before_save: Callable[[str], None] | None = None,
    memory: PassMemory | None = None,
) -> int:
    """One pass over `pages` (None: the configured and opted-in ones); returns the exit status.
    `profile` None: the wiki's own, read from it (or kept from a recent pass). With `memory`
    (`serve`), pages an earlier pass left settled are maintained only if a revision moved."""
    import pywikibot

    from bot.wiki.main import connect
    from bot.wiki.profile import cached_profile

    started, started_at = time.monotonic(), utc_now()
    result = PassResult(dry_run=dry_run or bool(pywikibot.config.simulate))
    with RequestCounter().counting() as requests:
        site = connect()
        result.login_requests = requests.count
        wiki = Wiki(site, requests)
        if profile is None:
            profile = cached_profile(
                wiki, config.resolve(config.bot.state_dir),
                timedelta(hours=config.bot.profile_ttl_hours), utc_now(), say,
            )
        with labels_in(profile.language, profile.language_fallbacks):
            if pages is None:
                pages = discover_pages(config, wiki, result.reports)
            maintainer = PageMaintainer(
                wiki, config, profile, dry_run=result.dry_run, now=utc_now,
                before_save=before_save,
                state_store=StateStore(config.resolve(config.bot.state_dir)),
            )
            unchanged = memory.unchanged(wiki, pages, profile) if memory is not None else set()
            todo = [p for p in pages if p.title not in unchanged]
            for title in (p.title for p in pages if p.title in unchanged):
                say(f"[[{title}]]: no new revision since the last pass")
            maintainer.preload(todo)
            bot = ConsultationBot(maintainer, todo, site)
            try:
                bot.run()
            finally:
                maintainer.keep_states()
            result.reports += _in_order(pages, unchanged, bot.reports)
            if memory is not None and not result.dry_run:
                reached = {r.title for r in bot.reports}
                memory.keep(wiki, [p for p in todo if p.title in reached], maintainer.settled,
                            profile)
            result.stopped = stop_signal()
            if result.stopped:
                left = len(todo) - len(bot.reports)
                say(f"stopped by {result.stopped}: {left} pages not reached; "
                    "the next pass does them")
            if config.bot.status_page and not result.dry_run and not maintainer.shutoff_reason():
                update_status(wiki, config, result, started_at)
    result.api_requests, result.api_writes = requests.count, requests.writes
    result.seconds = time.monotonic() - started
    if config.bot.report:
        write_report(config, result)
    return EXIT_PAGE_FAILED if result.failed else EXIT_OK


def _in_order(
    pages: Sequence[PageOptions], unchanged: set[str], reports: list[PageReport]
) -> list[PageReport]:
    """The pass's page reports in the pages' order: those maintained, and those `serve` found
    with no new revision since an earlier pass settled them."""
    by_title = {r.title: r for r in reports}
    ordered = []
    for options in pages:
        if options.title in unchanged:
            ordered.append(PageReport(options.title))
        elif options.title in by_title:
            ordered.append(by_title.pop(options.title))
    return ordered + list(by_title.values())


def discover_pages(config: Config, wiki: Wiki, reports: list[PageReport]) -> list[PageOptions]:
    """The configured pages, then the pages that transclude the opt-in template.

    A page in the configuration keeps the operator's options. An opted-in page with a bad
    parameter is not maintained: the problem goes to the log and to `reports`, never guessed.
    """
    pages = list(config.pages)
    template = config.bot.optin_template
    if not template:
        return pages
    known = {wiki.canonical_title(p.title) for p in pages}
    found = 0
    optins = [t for t in wiki.pages_transcluding(template) if t not in known]
    wiki.preload(optins)
    for title in optins:
        snapshot = wiki.current(title)
        optin = read_optin(snapshot.text, template, config.defaults, title)
        if optin.options is not None:
            pages.append(replace(optin.options, title=title))
            found += 1
        for problem in optin.problems:
            say(f"{problem} (page not maintained)")
            reports.append(PageReport(title, error=problem))
    say(f"opt-in: {found} pages through {{{{{template}}}}}")
    return pages


def _outcome(report: PageReport) -> str:
    if report.error:
        return label("status-outcome-error", detail=report.error)
    if report.skipped:
        return label("status-outcome-skipped", reason=report.skipped)
    if report.edits:
        return label("status-outcome-edits", len(report.edits))
    return label("status-outcome-nothing")


def update_status(wiki: Wiki, config: Config, result: PassResult, finished: datetime) -> None:
    """Save the status page when what it says changed, or when it is a day old."""
    title = config.bot.status_page
    edits = sum(len(r.edits) for r in result.reports)
    errors = [f"[[{r.title}]]: {r.error}" for r in result.reports if r.error]
    text = render(
        "status.wikitext.j2",
        finished=finished, stopped=result.stopped, edits=edits, errors=errors,
        pages=[{"title": r.title, "outcome": _outcome(r)} for r in result.reports],
    ).rstrip("\n")
    current = wiki.current(title)
    if current.exists:
        line = _status_time()
        same = line.sub("", current.text.rstrip("\n")) == line.sub("", text)
        fresh = current.timestamp is not None and finished - current.timestamp < STATUS_REFRESH
        if same and fresh:
            return
        if not current.bots_allowed:
            say(f"[[{title}]]: skipped: {{{{nobots}}}}")
            return
    summary = render("status_edit_summary.txt.j2", edits=edits, errors=len(errors)).strip()
    outcome = wiki.save(current, text, summary)
    if outcome.status == "saved":
        say(f"[[{title}]]: saved revision {outcome.revid} ({summary})")
    else:
        say(f"[[{title}]]: warning: status page not saved: {outcome.status} {outcome.detail}")


def write_report(config: Config, result: PassResult) -> None:
    """The machine-readable run report, replaced at each pass."""
    path = Path(config.resolve(config.bot.report))
    reports = result.reports
    data = {
        "dry_run": result.dry_run,
        "duration_seconds": round(result.seconds, 3),
        "api_requests": result.api_requests,
        "api_writes": result.api_writes,
        "login_requests": result.login_requests,
        "stopped_by": result.stopped or None,
        "pages": [
            {"title": r.title, "actions": r.actions, "edits": r.edits, "error": r.error,
             "skipped": r.skipped, "attribution": r.attribution, "warnings": r.warnings}
            for r in reports
        ],
        "edits": sum(len(r.edits) for r in reports),
        "revision_fetches": sum(r.attribution.get("revision_fetches", 0) for r in reports),
        "errors": [f"[[{r.title}]]: {r.error}" for r in reports if r.error],
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the run report: {exc.strerror}") from None

