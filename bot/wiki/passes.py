"""One pass of the bot over its pages, as `run` does it once and `serve` at each interval.

A pass takes the pass lock, finds the pages (configured, and opted in through the template, by
their canonical titles), maintains them one by one until done, asked to stop or the wiki is
unreachable, saves the on-wiki status page, then writes the run report and one final line that
says how it ended.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import Config, PageOptions, page_problems
from bot.errors import EXIT_OK, EXIT_PAGE_FAILED, BotError, InputError
from bot.ops.budget import OverBudget, cpu_budget
from bot.ops.lock import LockWaitStopped, acquire
from bot.ops.signals import StopNow, stop_requested, stop_signal
from bot.render import label, labels_in, render
from bot.state import StateStore
from bot.text.model.analysis import format_timestamp
from bot.text.model.profile import SiteProfile
from bot.text.optin import read_optin
from bot.wiki.limits import apply_limits, drop_throttle
from bot.wiki.memory import PassMemory
from bot.wiki.run import PageMaintainer, PageReport, counted, say, utc_now
from bot.wiki.site import UNREACHABLE, BadTitle, RequestCounter, Wiki, one_line

# The status page is saved when its content changes, and at least this often otherwise.
STATUS_REFRESH = timedelta(days=1)
# A page's line on the status page, as templates/status.wikitext.j2 writes it, and an error's.
_STATUS_LINE = re.compile(r"^\* \[\[:[^|\]\n]*\|(?P<title>[^\]\n]*)\]\]: (?P<outcome>.*)$",
                          re.MULTILINE)
_ERROR_LINE = re.compile(r"^\* (?P<error>&#91;&#91;.*)$", re.MULTILINE)


def _status_time() -> re.Pattern[str]:
    """The status page's "Last pass" line, in the wiki's language."""
    return re.compile(rf"^\* {re.escape(label('status-last-pass'))}: .*$", re.MULTILINE)


@dataclass(frozen=True)
class Selection:
    """Which pages a pass maintains: `requested` titles (--page), else `pages`, else all."""

    pages: list[PageOptions] | None = None
    requested: Sequence[str] = ()
    any_page: bool = False  # --any-page: a requested page need not be configured or opted in


@dataclass
class PassResult:
    dry_run: bool
    manual: bool = False  # pages named with --page: they are merged into the status page
    started: datetime | None = None
    finished: datetime | None = None
    reports: list[PageReport] = field(default_factory=list)
    stopped: str = ""  # the signal that stopped the pass early, or ""
    unreachable: str = ""  # why the wiki could not be reached, when that ended the pass
    error: BotError | None = None  # what ended the pass before its pages (profile, titles)
    status_edit: dict[str, object] | None = None  # the status page's revision, when saved
    api_requests: int = 0
    api_writes: int = 0  # of api_requests, those that change the wiki
    login_requests: int = 0  # of api_requests, those sent to connect and log in
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.unreachable) or bool(self.error) or any(r.error for r in self.reports)

    @property
    def edits(self) -> list[dict[str, object]]:
        """Every revision the pass saved, the status page's included."""
        found = [edit for r in self.reports for edit in r.edits]
        return found + ([self.status_edit] if self.status_edit else [])

    @property
    def exit_status(self) -> int:
        if self.error is not None:
            return self.error.exit_status
        return EXIT_PAGE_FAILED if self.failed else EXIT_OK


def locked_pass(
    config: Config,
    pages: list[PageOptions] | None,
    profile: SiteProfile | None,
    *,
    dry_run: bool,
    before_save: Callable[[str], None] | None = None,
    requested: Sequence[str] = (),
    any_page: bool = False,
    memory: PassMemory | None = None,
) -> int:
    """A pass under the pass lock (waiting at most [bot] lock_wait_seconds); the exit status."""
    lock_path = config.resolve(config.bot.lock_file)
    try:
        lock = acquire(lock_path, config.bot.lock_wait_seconds, stop=stop_requested)
    except LockWaitStopped as stopped:
        say(str(stopped))
        return stopped.exit_status
    with lock:
        return run_pass(config, pages, profile, dry_run=dry_run, before_save=before_save,
                        requested=requested, any_page=any_page, memory=memory)


def run_pass(
    config: Config,
    pages: list[PageOptions] | None,
    profile: SiteProfile | None,
    *,
    dry_run: bool,
    before_save: Callable[[str], None] | None = None,
    requested: Sequence[str] = (),
    any_page: bool = False,
    memory: PassMemory | None = None,
) -> int:
    """One pass; returns the exit status.

    The pages are `requested` (--page titles: configured or opted-in ones, any with `any_page`),
    else `pages`, else the configured and opted-in ones. A title the wiki refuses, in the
    configuration or on the command line, is an InputError (exit status 2) before any edit.
    `profile` None: the wiki's own, read from it (or kept from a recent pass). With `memory`
    (`serve`), pages an earlier pass left settled are maintained only if a revision moved.
    """
    import pywikibot

    from bot.wiki.main import connect
    from bot.wiki.profile import cached_profile

    apply_limits(config.bot)
    started = time.monotonic()
    result = PassResult(dry_run=dry_run or bool(pywikibot.config.simulate),
                        manual=bool(requested), started=utc_now())
    site = None
    with RequestCounter().counting() as requests:
        try:
            site = connect()
            result.login_requests = requests.count
            wiki = Wiki(site, requests)
            if profile is None:
                profile = cached_profile(
                    wiki, config.resolve(config.bot.state_dir),
                    timedelta(hours=config.bot.profile_ttl_hours), utc_now(), say,
                )
            with labels_in(profile.language, profile.language_fallbacks):
                maintainer = PageMaintainer(
                    wiki, config, profile, dry_run=result.dry_run, now=utc_now,
                    before_save=before_save,
                    state_store=StateStore(config.resolve(config.bot.state_dir)),
                )
                selection = Selection(pages, tuple(requested), any_page)
                _maintain_all(config, wiki, maintainer, selection, result, memory=memory)
                if config.bot.status_page and not result.dry_run and not result.unreachable:
                    _save_status(wiki, config, maintainer, result)
        except UNREACHABLE as exc:  # while logging in or asking for the pages
            result.unreachable = one_line(exc)
            say(f"the wiki could not be reached ({result.unreachable}): the pass stops here")
        except BotError as exc:  # the site's profile cannot be had, a page cannot be chosen
            result.error = exc  # reported, then raised again for its one line and exit status
        except StopNow as exc:  # while logging in or reading the site's profile
            result.stopped = stop_signal()
            say(f"stopped: {one_line(exc)}")
        finally:
            if site is not None:
                drop_throttle(site)
    result.api_requests, result.api_writes = requests.count, requests.writes
    result.seconds = time.monotonic() - started
    result.finished = utc_now()
    if config.bot.report:
        write_report(config, result)
    say(final_line(result))
    if result.error is not None:
        raise result.error
    return result.exit_status


def _maintain_all(
    config: Config, wiki: Wiki, maintainer: PageMaintainer, selection: Selection,
    result: PassResult, *, memory: PassMemory | None = None,
) -> None:
    """The pages, read in batches first (bot.wiki.reads), then maintained one by one; with
    `memory`, those with no new revision since an earlier pass settled them only get a line."""
    chosen: list[PageOptions] = []
    done = 0
    try:
        chosen = choose_pages(config, wiki, selection, result.reports)
        unchanged = set()
        if memory is not None:
            unchanged = memory.unchanged(wiki, chosen, maintainer.profile)
        maintained = [p for p in chosen if p.title not in unchanged]
        maintainer.preload(maintained)
        for options in chosen:
            if stop_requested():
                break
            report = PageReport(options.title)
            result.reports.append(report)
            done += 1
            if options.title in unchanged:
                say(f"[[{options.title}]]: no new revision since the last pass")
            elif not maintain_one(maintainer, options, report, config.bot.page_budget_seconds):
                break
        maintainer.keep_states()
        if memory is not None and not result.dry_run:
            reached = {r.title for r in result.reports}
            memory.keep(wiki, [p for p in maintained if p.title in reached], maintainer.settled,
                        maintainer.profile)
    except UNREACHABLE as exc:
        result.unreachable = one_line(exc)
        say(f"the wiki could not be reached ({result.unreachable}): the pass stops here")
    except StopNow as exc:
        say(f"stopped: {one_line(exc)}")
    result.stopped = stop_signal()
    if result.stopped:
        say(f"stopped by {result.stopped}: {len(chosen) - done} pages not reached; "
            "the next pass does them")


def maintain_one(
    maintainer: PageMaintainer, options: PageOptions, report: PageReport, budget: float
) -> bool:
    """Maintain one page, whatever happens to it: its failure is its own (one line, in
    `report`). Returns False when the pass must stop (a stop signal left no time to finish)."""
    name = f"[[{options.title}]]"
    try:
        with cpu_budget(budget):
            maintainer.maintain(options, report)
    except OverBudget as exc:
        report.error = f"skipped: {exc} (bot.page_budget_seconds = {budget:g})"
        say(f"{name}: error: {report.error}")
    except StopNow as exc:
        report.skipped = "stopped"
        say(f"{name}: stopped before the page was done ({one_line(exc)}); the next pass "
            "finishes it")
        return False
    except UNREACHABLE as exc:
        report.error = f"the wiki could not be reached: {one_line(exc)}"
        say(f"{name}: error: {report.error}")
        raise
    except BotError as exc:
        report.error = one_line(exc)
        say(f"{name}: error: {report.error}")
    except Exception as exc:  # one page's failure never ends the pass, nor `serve`
        import pywikibot

        kind = "" if isinstance(exc, pywikibot.exceptions.Error) else f"{type(exc).__name__}: "
        report.error = f"{kind}{one_line(exc)}"
        say(f"{name}: error: {report.error}")
    return True


def choose_pages(
    config: Config, wiki: Wiki, selection: Selection, reports: list[PageReport]
) -> list[PageOptions]:
    """The pages of this pass, each under its canonical title (as the scheduled pass names it,
    so that a summary's links never depend on how a title was typed)."""
    configured = []
    for i, options in enumerate(config.pages):
        try:
            configured.append(replace(options, title=wiki.canonical_title(options.title)))
        except BadTitle as exc:
            raise InputError(f"{config.path or 'configuration'}: pages[{i}].title: {exc}") from None
    if selection.requested:
        return _requested_pages(config, wiki, configured, selection, reports)
    if selection.pages is not None:
        chosen = []
        for options in selection.pages:
            try:
                chosen.append(replace(options, title=wiki.canonical_title(options.title)))
            except BadTitle as exc:
                raise InputError(str(exc)) from None
        return chosen
    return configured + discover_optins(config, wiki, configured, reports)


def _requested_pages(
    config: Config, wiki: Wiki, configured: list[PageOptions], selection: Selection,
    reports: list[PageReport],
) -> list[PageOptions]:
    by_title = {p.title: p for p in configured}
    titles = []
    for title in selection.requested:
        try:
            titles.append(wiki.canonical_title(title))
        except BadTitle as exc:
            raise InputError(f"--page: {exc}") from None
    chosen: list[PageOptions] = []
    for title in dict.fromkeys(titles):
        if title in by_title:
            chosen.append(by_title[title])
            continue
        template = config.bot.optin_template
        if template:
            options = _optin(config, wiki, title, reports)
            if options is not None:
                chosen.append(options)
                continue
            if any(r.title == title for r in reports):
                continue  # opted in, with a problem: reported, not maintained
        if selection.any_page:
            chosen.append(replace(config.defaults, title=title))
            continue
        also = f" nor transcludes {{{{{template}}}}}" if template else ""
        raise InputError(
            f"--page {title!r}: the page is not in the configuration{also}; "
            "add --any-page to maintain it with the [defaults] anyway"
        )
    return chosen


def _optin(
    config: Config, wiki: Wiki, title: str, reports: list[PageReport]
) -> PageOptions | None:
    """The options the page asks for through the opt-in template, or None (problems reported)."""
    template = config.bot.optin_template
    snapshot = wiki.current(title)
    optin = read_optin(snapshot.text, template, config.defaults, title)
    problems = list(optin.problems)
    if optin.options is not None:
        problems += page_problems(f"[[{title}]]: {{{{{template}}}}}", optin.options)
    for problem in problems:
        say(f"{problem} (page not maintained)")
    if problems:
        reports.append(PageReport(title, error="; ".join(problems)))
        return None
    if optin.options is None:
        return None
    return replace(optin.options, title=title)


def discover_optins(
    config: Config, wiki: Wiki, configured: list[PageOptions], reports: list[PageReport]
) -> list[PageOptions]:
    """The pages that transclude the opt-in template and are not configured.

    An opted-in page with a bad parameter is not maintained: the problem goes to the log and to
    `reports`, never guessed.
    """
    template = config.bot.optin_template
    if not template:
        return []
    known = {p.title for p in configured}
    found: list[PageOptions] = []
    titles = [t for t in wiki.pages_transcluding(template) if t not in known]
    wiki.preload(titles)  # all of them in one request (or a few)
    for title in titles:
        options = _optin(config, wiki, title, reports)
        if options is not None:
            found.append(options)
    say(f"opt-in: {len(found)} pages through {{{{{template}}}}}")
    return found


def _outcome(report: PageReport) -> str:
    if report.error:
        return label("status-outcome-error", detail=report.error)
    if report.skipped:
        return label("status-outcome-skipped", reason=report.skipped)
    if report.edits:
        return label("status-outcome-edits", len(report.edits))
    return label("status-outcome-nothing")


def _save_status(
    wiki: Wiki, config: Config, maintainer: PageMaintainer, result: PassResult
) -> None:
    """The status page, as the last step of the pass (a problem with it is a warning line)."""
    title = config.bot.status_page
    try:
        if maintainer.shutoff_reason():
            return
        update_status(wiki, config, result, utc_now())
    except (StopNow, Exception) as exc:  # the pages are done already: a warning, not a failure
        say(f"[[{title}]]: warning: status page not saved: {one_line(exc)}")


def status_entries(text: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The (title, outcome) lines of a status page the bot wrote, and its errors by title."""
    pages = [(html.unescape(m.group("title")), html.unescape(m.group("outcome")))
             for m in _STATUS_LINE.finditer(text)]
    errors = {}
    for match in _ERROR_LINE.finditer(text):
        error = html.unescape(match.group("error"))
        errors.setdefault(error[2:error.find("]]")], error)
    return pages, errors


def update_status(wiki: Wiki, config: Config, result: PassResult, finished: datetime) -> None:
    """Save the status page when what it says changed, or when it is a day old.

    A manual run (--page) merges its pages into the page's list; a full pass replaces it.
    """
    title = config.bot.status_page
    current = wiki.current(title)
    entries = [(r.title, _outcome(r)) for r in result.reports]
    errors = {r.title: f"[[{r.title}]]: {r.error}" for r in result.reports if r.error}
    if result.manual and current.exists:
        kept, kept_errors = status_entries(current.text)
        ours = dict(entries)
        entries = [(t, ours.pop(t, o)) for t, o in kept] + list(ours.items())
        ran = {r.title for r in result.reports}
        errors = {t: errors.get(t) if t in ran else kept_errors.get(t) for t, _ in entries}
    edits = len(result.edits)
    error_lines = [e for e in errors.values() if e]
    text = render(
        "status.wikitext.j2",
        finished=finished, stopped=result.stopped, edits=edits, errors=error_lines,
        manual=len(result.reports) if result.manual else 0,
        pages=[{"title": t, "outcome": o} for t, o in entries],
    ).rstrip("\n")
    if current.exists:
        line = _status_time()
        same = line.sub("", current.text.rstrip("\n")) == line.sub("", text)
        fresh = current.timestamp is not None and finished - current.timestamp < STATUS_REFRESH
        if same and fresh:
            return
        if not current.bots_allowed:
            say(f"[[{title}]]: skipped: {{{{nobots}}}}")
            return
    summary = render("status_edit_summary.txt.j2", edits=edits, errors=len(error_lines)).strip()
    outcome = wiki.save(current, text, summary)
    if outcome.status == "saved":
        say(f"[[{title}]]: saved revision {outcome.revid} ({summary})")
        result.status_edit = {"title": title, "revid": outcome.revid}
    elif outcome.status == "unchanged":
        say(f"[[{title}]]: nothing saved: the page already has this text")
    else:
        say(f"[[{title}]]: warning: status page not saved: {outcome.status}: {outcome.detail}")


def report_path(config: Config, dry_run: bool) -> Path:
    """Where the run report goes; a dry run's beside it (run-report.dry-run.json), so that it
    never replaces the report of a pass that edited."""
    path = Path(config.resolve(config.bot.report))
    return path.with_name(f"{path.stem}.dry-run{path.suffix}") if dry_run else path


def write_report(config: Config, result: PassResult) -> None:
    """The machine-readable run report, replaced at each pass."""
    path = report_path(config, result.dry_run)
    reports = result.reports
    data = {
        "started": format_timestamp(result.started),
        "finished": format_timestamp(result.finished),
        "dry_run": result.dry_run,
        "manual": result.manual,
        "exit_status": result.exit_status,
        "duration_seconds": round(result.seconds, 3),
        "api_requests": result.api_requests,
        "api_writes": result.api_writes,
        "login_requests": result.login_requests,
        "stopped_by": result.stopped or None,
        "unreachable": result.unreachable or None,
        "pages": [
            {"title": r.title, "actions": r.actions, "edits": r.edits, "error": r.error,
             "skipped": r.skipped, "attribution": r.attribution, "warnings": r.warnings}
            for r in reports
        ],
        "edits": len(result.edits),
        "saved_revisions": result.edits,
        "status_page_edit": result.status_edit,
        "revision_fetches": sum(r.attribution.get("revision_fetches", 0) for r in reports),
        "errors": [f"[[{r.title}]]: {r.error}" for r in reports if r.error]
        + ([f"the wiki could not be reached: {result.unreachable}"] if result.unreachable else [])
        + ([one_line(result.error)] if result.error is not None else []),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the run report: {exc.strerror}") from None


def final_line(result: PassResult) -> str:
    """The pass's last line, true to its exit status."""
    failed = sum(1 for r in result.reports if r.error)
    edits = len(result.edits)
    counts = (f"{counted(len(result.reports), 'page')}, {counted(edits, 'edit')}"
              f"{' (dry run)' if result.dry_run else ''}, {counted(failed, 'page')} failed")
    if result.unreachable:
        how = "pass stopped: the wiki could not be reached"
    elif result.error is not None:
        how = "pass stopped by an error"
    elif result.stopped:
        how = f"pass stopped by {result.stopped}"
    elif failed:
        how = "pass finished with errors"
    else:
        how = "pass finished"
    return f"{how}: {counts}; exit status {result.exit_status}"
