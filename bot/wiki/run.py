"""Maintaining one consultation page: read, check, plan, save, in that order.

PageMaintainer computes the plan (bot.text.plan), then saves it synchronously through
bot.wiki.site and reports every outcome explicitly, one line per outcome; bot.wiki.passes runs it
over the pages of a pass.
"""

from __future__ import annotations

import difflib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pywikibot

from bot.config import Config, PageOptions
from bot.ops.budget import budget_paused
from bot.render import render
from bot.state import PageState, StateStore, checked, text_sha1
from bot.text.edits.tagging import GRACE, template_names
from bot.text.model.analysis import Analysis, analyze
from bot.text.model.profile import SiteProfile, is_ip
from bot.text.plan import PagePlan, line_normalizer, plan_page, prompt_phrases, tagging_policy
from bot.text.reports.timeline import (
    Account,
    PageRevision,
    SummaryHistory,
    SummaryRevision,
    previous_summary,
)
from bot.wiki.attribute import AttributionRun, attribute_page
from bot.wiki.profile import TemplateCheck
from bot.wiki.reads import revision_sha1s
from bot.wiki.site import UNREACHABLE, PageSnapshot, SaveOutcome, Wiki, same_content

# Before a save, the shutoff page is read again when the pass last looked at it longer ago than
# this (seconds): an edit there stops the bot's edits within that time, at the cost of one small
# request now and then rather than one per save.
SHUTOFF_MAX_AGE = 30.0
# A page read in the pass's batch longer ago than this is asked after (one request for all such
# pages) before its save: MediaWiki merges an edit made since the read when the changes do not
# overlap, and a comment added meanwhile to a question's background would go into the box.
READ_MAX_AGE = 10.0


@dataclass
class PageReport:
    title: str
    actions: list[str] = field(default_factory=list)
    edits: list[dict[str, object]] = field(default_factory=list)
    error: str = ""
    skipped: str = ""
    attribution: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Planned:
    """A plan and what it was made from: the state to keep once it is saved."""

    plan: PagePlan
    attribution: AttributionRun
    as_of: datetime | None
    warning: str = ""  # why the plan leaves out what the options asked for


def say(line: str) -> None:
    """One log line for operators, on standard output."""
    print(line, flush=True)


class PageMaintainer:
    """Maintains one consultation page and its summary subpages."""

    def __init__(
        self,
        wiki: Wiki,
        config: Config,
        profile: SiteProfile,
        *,
        dry_run: bool,
        now: Callable[[], datetime],
        before_save: Callable[[str], None] | None = None,
        state_store: StateStore | None = None,
    ) -> None:
        self.wiki, self.config, self.profile = wiki, config, profile
        self.dry_run, self.now = dry_run, now
        self.before_save = before_save  # a test seam: runs between the read and the save
        self.state_store = state_store
        self.templates = TemplateCheck(wiki)
        self._shutoff: tuple[float, str] | None = None  # when last read, and what it said
        self._unconfirmed: list[tuple[Planned, int, PageReport]] = []  # see keep_states
        # Pages left with nothing pending, and the latest revision of each page and summary
        # subpage as they were left: what `serve` may skip at its next pass (bot.wiki.memory).
        self.settled: dict[str, dict[str, int]] = {}

    def preload(self, pages: Sequence[PageOptions]) -> None:
        """Read, in as few requests as the wiki allows, every page the pass looks at: the pages,
        their summary subpages, the shutoff and status pages, and the templates tags use."""
        titles = [t for options in pages for t in _pass_titles(options)]
        titles += [t for t in (self.config.bot.shutoff_page, self.config.bot.status_page) if t]
        templates = {
            name: f"Template:{name}"
            for options in pages if options.tag_unsigned
            for name in template_names(tagging_policy(options), self.profile).values() if name
        }
        self.wiki.preload([*titles, *templates.values()])
        for name, title in templates.items():
            found = self.wiki.preloaded(title)
            if found is not None:
                self.templates.known[name] = found.exists

    def shutoff_reason(self, *, max_age: float | None = None) -> str:
        """Why the on-wiki shutoff page stops edits now, or "" when the bot may edit.

        The page is read once a pass (with the pass's other pages), and again when `max_age`
        (seconds) is given and the last look is older.
        """
        page = self.config.bot.shutoff_page
        if not page:
            return ""
        now = time.monotonic()
        if self._shutoff is not None and (max_age is None or now - self._shutoff[0] < max_age):
            return self._shutoff[1]
        if self._shutoff is not None:
            self.wiki.preload([page], again=True)  # one request, not pywikibot's three
        current = self.wiki.current(page)
        value = current.text.strip() if current.exists else ""
        reason = ""
        if value != self.config.bot.shutoff_run_value:
            reason = f"[[{page}]] says {value[:40]!r}, not {self.config.bot.shutoff_run_value!r}"
        self._shutoff = (now, reason)
        return reason

    def maintain(self, options: PageOptions, report: PageReport | None = None) -> PageReport:
        """Maintain one page; `report` (given by the pass, so that what was done survives an
        interruption) is filled in and returned."""
        report = report if report is not None else PageReport(options.title)
        reason = self.shutoff_reason()
        if reason:
            report.skipped = "shutoff"
            say(f"[[{options.title}]]: skipped: emergency shutoff: {reason}")
            return report
        snapshot = self.wiki.current(options.title)
        name = f"[[{options.title}]]"
        if self._refused(name, snapshot, report):
            return report
        state = self._load_state(options.title, report, snapshot)
        planned = self._plan(options, snapshot, state)
        self._report_attribution(name, planned, report)
        if planned.warning:
            report.warnings.append(planned.warning)
            say(f"{name}: warning: {planned.warning}")
        plan = planned.plan
        for skip in plan.not_folded:
            say(f'{name}: not folded: "{skip.title}": {skip.reason}')
        if plan.lost:
            lines = ", ".join(str(c.line) for c in plan.lost)
            report.error = f"refused: the edit would lose comments at lines {lines}"
            say(f"{name}: error: {report.error}")
            return report
        if plan.page_changed:
            planned, revid = self._save_page(options, snapshot, planned, report)
            if report.error or report.skipped:
                return report
        else:
            revid = snapshot.revid
            say(f"{name}: nothing to change")
            self._keep_state(planned, revid, text_sha1(snapshot.text), report)
        left: dict[str, int | None] = {options.title: revid}
        if options.summary and planned.plan.summary_text is not None:
            left.update(self._save_summaries(options, planned.plan, report))
        self._note_settled(options.title, planned, left, report)
        if plan.page_changed:
            self._keep_state_later(planned, revid, report)  # may unsettle it (keep_states)
        return report

    def _note_settled(
        self, title: str, planned: Planned, left: dict[str, int | None], report: PageReport
    ) -> None:
        """Remember the page when nothing is pending on it: the same revisions will need
        nothing until one of them moves (a comment in its grace period, a template the wiki
        lacked, a failure or a skip are pending)."""
        pending = any(s.reason == GRACE for s in planned.plan.skipped)
        # An attribution warning (the history lagging behind the page, say) left tags undone.
        if (self.dry_run or report.error or report.skipped or planned.warning or pending
                or planned.attribution.warning or None in left.values()):
            return
        canonical = self.wiki.canonical_title
        self.settled[canonical(title)] = {canonical(t): r for t, r in left.items() if r}

    @staticmethod
    def _refused(name: str, snapshot: PageSnapshot, report: PageReport) -> bool:
        """Whether the page as read must be left alone (reported); also after a re-read, as a
        page can become a redirect, be deleted or protected during the pass."""
        if not snapshot.exists:
            report.error = "the page does not exist"
            say(f"{name}: error: {report.error}")
            return True
        if snapshot.redirect_to is not None:
            report.error = f"the page is a redirect to [[{snapshot.redirect_to}]]"
            say(f"{name}: error: {report.error}: configure that page instead")
            return True
        if not snapshot.bots_allowed:
            report.skipped = "nobots"
            say(f"{name}: skipped: {{{{bots}}}}/{{{{nobots}}}} excludes this bot")
            return True
        if not snapshot.can_edit:
            report.skipped = "protected"
            say(f"{name}: skipped: the page is protected against the bot's edits")
            return True
        return False

    def _load_state(self, title: str, report: PageReport, snapshot: PageSnapshot) -> PageState:
        if self.state_store is None:
            return PageState(title)
        state, warning = self.state_store.load(title)
        if warning is None:
            state, warning = checked(state, snapshot.revid, snapshot.text)
        if warning:
            report.warnings.append(warning)
            say(f"[[{title}]]: warning: {warning}")
        return state

    def _keep_state_later(self, planned: Planned, revid: int | None, report: PageReport) -> None:
        """Keep the state of a page the bot saved once the sha1 of the revision is known: what
        MediaWiki stored may differ from what the bot sent ({{subst:}} expanded, an edit merged
        with another), so it is asked for, not computed, 50 revisions at a time (keep_states)."""
        if revid is None or self.state_store is None or self.dry_run:
            return
        self._unconfirmed.append((planned, revid, report))
        if len(self._unconfirmed) >= 50:
            self.keep_states()

    def keep_states(self) -> None:
        """Keep the states of the pages saved since the last call, with the sha1 of their
        revisions asked in one request ("" (unknown) if it cannot be had). The pass calls it at
        its end; a state not kept only costs the next pass a history request."""
        pending, self._unconfirmed = self._unconfirmed, []
        if not pending:
            return
        try:
            sha1s = revision_sha1s(self.wiki, [revid for _, revid, _ in pending])
        except UNREACHABLE:
            raise  # the pass stops; the states are checked against the wiki at the next one
        except pywikibot.exceptions.Error:
            sha1s = {}
        for planned, revid, report in pending:
            sha1 = sha1s.get(revid, "")
            self._keep_state(planned, revid, sha1, report)
            if sha1 != text_sha1(planned.plan.new_text):
                # MediaWiki merged an edit made since the read, or expanded a {{subst:}}: the
                # page holds text the plan did not see, so it is not settled.
                self.settled.pop(self.wiki.canonical_title(planned.plan.title), None)

    def _keep_state(
        self, planned: Planned, revid: int | None, sha1: str, report: PageReport
    ) -> None:
        """Remember the page as of the revision the bot left it at (not in a dry run)."""
        if self.state_store is None or self.dry_run or revid is None:
            return
        state = planned.attribution.state
        keys = planned.plan.keys
        if revid != planned.attribution.state.last_revid and sha1 != text_sha1(
            planned.plan.new_text
        ):
            keys = {}  # the wiki stored another text than sent ({{subst:}}): keys unknown
        warning = self.state_store.save(
            state.updated(revid, state.attributions, planned.as_of, sha1, line_keys=keys)
        )
        if warning:
            report.warnings.append(warning)
            say(f"[[{state.title}]]: warning: {warning}")

    def _as_of(self, snapshot: PageSnapshot, state: PageState) -> datetime | None:
        """When someone other than the bot last edited the page, with a request only if needed."""
        if snapshot.user != self.wiki.username:
            return snapshot.timestamp
        if state.last_revid == snapshot.revid and state.as_of is not None:
            return state.as_of
        return self.wiki.latest_timestamp_not_by(snapshot.title, self.wiki.username)

    def _plan(self, options: PageOptions, snapshot: PageSnapshot, state: PageState) -> Planned:
        analysis = analyze(snapshot.text, self.profile, prompt_phrases(options))
        normalizer = line_normalizer(options, self.profile)
        if options.tag_unsigned or options.collapse or options.summary:
            # Tags, boxes and the summary follow one decision of the history: who wrote what.
            run = attribute_page(
                self.wiki, snapshot, options, self.profile, state, analysis=analysis,
                normalizer=normalizer,
            )
        else:
            run = AttributionRun({}, state.updated(snapshot.revid, {}, state.as_of))
        as_of = self._as_of(snapshot, state) if options.summary else None
        history = None
        if options.summary:
            history = self._summary_history(options, snapshot, analysis, run)
        organizers = (self.wiki.username, *run.organizers)
        plan = plan_page(
            snapshot.text, options, profile=self.profile, now=self.now(), as_of=as_of,
            authorship=run.authorship, analysis=analysis, organizers=organizers,
            normalizer=normalizer, keys=run.keys, summary_history=history,
        )
        missing = self._missing_templates(plan, options)
        if not missing:
            return Planned(plan, run, as_of)
        # A tag naming a template the wiki lacks would show as a red link: no tags at all.
        names = ", ".join(f"{{{{{n}}}}}" for n in missing)
        plan = plan_page(
            snapshot.text, replace(options, tag_unsigned=False), profile=self.profile,
            now=self.now(), as_of=as_of, authorship=run.authorship, analysis=analysis,
            organizers=organizers, normalizer=normalizer, keys=run.keys,
            summary_history=history,
        )
        warning = (f"not tagged: the wiki has no template {names} (create it, or set "
                   "unsigned_template / unsigned_ip_template)")
        return Planned(plan, run, as_of, warning)

    def _missing_templates(self, plan: PagePlan, options: PageOptions) -> list[str]:
        """The templates the plan's tags use that the wiki does not have (asked only when the
        plan tags, once per template and pass)."""
        if not plan.tagged:
            return []
        names = template_names(tagging_policy(options), self.profile)
        used = sorted({names[t.kind] for t in plan.tagged})
        return self.templates.missing(used)

    def _summary_history(
        self, options: PageOptions, snapshot: PageSnapshot, analysis: Analysis, run: AttributionRun
    ) -> SummaryHistory:
        """What the summary needs besides the text: the page history (as the attribution listed
        it), the saved summary and what its Summary.json listed, and account creations when
        asked for."""
        # The listing the attribution keeps in the state; listed here only when it has none
        # (a page with no line to attribute yet).
        listing = run.state.history
        if not listing and analysis.comments:
            listing = tuple(self.wiki.history(snapshot.title))
        revisions = tuple(
            PageRevision(r.revid, r.user, r.timestamp)
            for r in listing if r.revid <= (snapshot.revid or 0)
        )
        base = f"{options.title}/{options.summary_subpage}"
        saved = self.wiki.current(base)
        current = (
            SummaryRevision(saved.revid, saved.timestamp)
            if saved.exists and saved.revid is not None and saved.timestamp is not None
            else None
        )
        previous = None
        if options.summary_json:
            data = self.wiki.current(f"{base}.json")
            previous = previous_summary(_json_or_none(data.text)) if data.exists else None
        accounts = None
        if options.summary_account_ages:
            names = {c.author for c in analysis.comments if c.author is not None}
            names |= {u for a in run.authorship.values() if (u := getattr(a, "user", None))}
            created = self.wiki.account_creations(sorted(n for n in names if not is_ip(n)))
            accounts = {name: Account(when) for name, when in created.items()}
        return SummaryHistory(
            revisions=revisions, opened=options.baseline_revision or None, previous=previous,
            current_summary=current, accounts=accounts,
        )

    @staticmethod
    def _report_attribution(name: str, planned: Planned, report: PageReport) -> None:
        run = planned.attribution
        report.attribution = {
            "lines": run.lines, "revisions": run.revisions, "listed_revisions": run.listed,
            "history_requests": run.history_requests, "revision_fetches": run.fetches,
            "text_requests": run.text_requests,
        }
        if run.warning:
            report.warnings.append(run.warning)
            say(f"{name}: warning: {run.warning}")
        for doubt in (c for c in planned.plan.decision.analysis.comments if c.doubt):
            note = f"line {doubt.line} not tagged: {doubt.doubt}"
            report.warnings.append(note)
            say(f"{name}: {note}")
        if not run.lines:
            return
        if run.revisions:
            say(f"{name}: attributed {run.lines} lines from {run.revisions} revisions "
                f"({run.listed} listed in {counted(run.history_requests, 'request')}, "
                f"{counted(run.fetches, 'revision text')} fetched in "
                f"{counted(run.text_requests, 'request')})")
        else:
            say(f"{name}: attributed {run.lines} lines from the saved state "
                "(no history request)")

    def _save_page(
        self, options: PageOptions, snapshot: PageSnapshot, planned: Planned, report: PageReport
    ) -> tuple[Planned, int | None]:
        """Save the plan, re-reading and re-planning on conflicts; returns the revision left."""
        name = f"[[{options.title}]]"
        for attempt in range(self.config.bot.max_conflict_retries + 1):
            if attempt:
                snapshot = self.wiki.read(options.title)
                if self._refused(name, snapshot, report):
                    return planned, None
                planned = self._plan(options, snapshot, planned.attribution.state)
                if planned.plan.lost:
                    report.error = "refused after a conflict: the edit would lose comments"
                    say(f"{name}: error: {report.error}")
                    return planned, None
                if not planned.plan.page_changed:
                    say(f"{name}: nothing left to change after the conflict")
                    return planned, snapshot.revid
            plan = planned.plan
            outcome = self._save(snapshot, plan.new_text, plan.edit_summary, fresh=True)
            if outcome.status != "conflict":
                break
            say(f"{name}: edit conflict, re-reading and re-applying ({attempt + 1})")
        self._record(name, outcome, plan.edit_summary, report)
        return planned, outcome.revid

    def _save_summaries(
        self, options: PageOptions, plan: PagePlan, report: PageReport
    ) -> dict[str, int | None]:
        """Save the summary subpages that changed; the revision each is left at (None: not
        saved as planned)."""
        base = f"{options.title}/{options.summary_subpage}"
        targets: list[tuple[str, str, str | None]] = [(base, plan.summary_text or "", None)]
        if options.summary_json and plan.summary_json is not None:
            targets.append((f"{base}.json", plan.summary_json, "json"))
        summary = render("summary_edit_summary.txt.j2").strip()
        left: dict[str, int | None] = {}
        for title, text, model in targets:
            current = self.wiki.current(title)
            left[title] = current.revid
            if current.exists and same_content(current.text, text, model):
                continue
            if current.exists and not current.bots_allowed:
                say(f"[[{title}]]: skipped: {{{{nobots}}}}")
                continue
            outcome = self._save(current, text, summary, content_model=model)
            self._record(f"[[{title}]]", outcome, summary, report)
            left[title] = outcome.revid if outcome.status in ("saved", "unchanged") else None
        return left

    def _save(
        self, base: PageSnapshot, text: str, summary: str, content_model: str | None = None,
        *, fresh: bool = False,
    ) -> SaveOutcome:
        """Save `text` on top of `base`; `fresh`: first make sure `base` is still the latest
        revision when it was read more than READ_MAX_AGE ago (a change since is a conflict)."""
        if self.dry_run:
            diff = difflib.unified_diff(
                base.text.splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=f"{base.title} (current)", tofile=f"{base.title} (bot)",
            )
            sys.stdout.writelines(line if line.endswith("\n") else line + "\n" for line in diff)
            return SaveOutcome("dry-run")
        if self.before_save is not None:
            self.before_save(base.title)
        with budget_paused():  # the CPU budget is for planning; a save is never cut short
            reason = self.shutoff_reason(max_age=SHUTOFF_MAX_AGE)
            if reason:
                return SaveOutcome("shutoff", detail=reason)
            if fresh and self.wiki.moved_since_read(base, READ_MAX_AGE):
                return SaveOutcome("conflict", detail="the page was edited since it was read")
            return self.wiki.save(base, text, summary, content_model=content_model)

    def _record(self, name: str, outcome: SaveOutcome, summary: str, report: PageReport) -> None:
        """One log line per outcome, with the page's [[title]]; an edit only for a revision the
        bot made."""
        if outcome.status == "dry-run":
            say(f"{name}: would save ({summary})")
            report.actions.append(f"would save {name}")
        elif outcome.status == "saved":
            checked = f"; {outcome.detail}" if outcome.detail else ""
            say(f"{name}: saved revision {outcome.revid} ({summary}){checked}")
            report.actions.append(f"saved {name}")
            report.edits.append({"title": name[2:-2], "revid": outcome.revid})
        elif outcome.status == "unchanged":
            say(f"{name}: nothing saved: the page already has this text "
                f"(revision {outcome.revid})")
            report.actions.append(f"already saved {name}")
        elif outcome.status == "shutoff":
            report.skipped = "shutoff"
            say(f"{name}: skipped: emergency shutoff: {outcome.detail}")
        elif outcome.status == "protected":
            report.skipped = "protected"
            say(f"{name}: skipped: protected ({outcome.detail})")
        else:
            reason = outcome.detail or outcome.status
            if outcome.status == "conflict":
                reason = f"edit conflicts on every retry ({reason})"
            report.error = f"could not save {name}: {reason}"
            say(f"{name}: error: could not save: {reason}")


def _pass_titles(options: PageOptions) -> list[str]:
    """The page and the summary subpages it keeps."""
    titles = [options.title]
    if options.summary:
        base = f"{options.title}/{options.summary_subpage}"
        titles += [base, f"{base}.json"] if options.summary_json else [base]
    return titles


def _json_or_none(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def utc_now() -> datetime:
    return datetime.now(UTC)


def counted(n: int, noun: str) -> str:
    """`n noun`, the noun in the plural unless n is 1 (English: log lines only)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
