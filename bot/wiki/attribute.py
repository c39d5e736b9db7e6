"""Attribute a page's unsigned comments from its history, reading as little of it as it can.

attribute_page() lists the history without content, lets bot.text.history.attribution
binary-search it (fetching revision texts only at probe points) and keeps what it learned in the
page's state, so a page with no new revision costs no history request at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import PageOptions
from bot.state import STALE_STATE, PageState
from bot.text.history.attribution import (
    Attribution,
    CachedTexts,
    attribute,
    line_queries,
    needs_history,
)
from bot.text.model.analysis import Analysis, analyze
from bot.text.model.profile import SiteProfile
from bot.text.plan import prompt_phrases
from bot.wiki.site import PageSnapshot, Wiki


class WikiTexts:
    """The revision texts of one page, fetched from the wiki (wrap in CachedTexts)."""

    def __init__(self, wiki: Wiki, title: str) -> None:
        self.wiki, self.title = wiki, title

    def text(self, revid: int) -> str:
        return self.wiki.revision_text(self.title, revid)


@dataclass(frozen=True)
class AttributionRun:
    """What one attribution of a page found, what it cost, and the state to keep."""

    attributions: dict[int, Attribution | None]  # 1-based line -> who added it (None: organizers)
    state: PageState
    lines: int = 0  # comment lines that needed the history
    revisions: int = 0  # revisions listed (0: the state answered)
    history_requests: int = 0  # requests that listed the history
    fetches: int = 0  # revision texts fetched
    warning: str | None = None  # the saved state could not be used


def attribute_page(
    wiki: Wiki,
    snapshot: PageSnapshot,
    options: PageOptions,
    profile: SiteProfile,
    state: PageState,
    *,
    analysis: Analysis | None = None,
) -> AttributionRun:
    """Who added each line of the comments of `snapshot` that need the history.

    `analysis` is analyze() of the snapshot's text, when the caller has it already.
    """
    phrases = prompt_phrases(options)
    if analysis is None:
        analysis = analyze(snapshot.text, profile, phrases)
    wanted = [c for c in analysis.comments if needs_history(c)]
    queries = line_queries(wanted, snapshot.text, phrases)
    if not queries:
        return AttributionRun({}, state)
    if state.last_revid == snapshot.revid and all(
        q.key in state.attributions for q in queries.values()
    ):
        known = {n: state.attributions[q.key] for n, q in queries.items()}
        return AttributionRun(known, state, lines=len(queries))
    before = wiki.requests.count
    # A revision saved after the read is not part of what the comments come from.
    revisions = [r for r in wiki.history(snapshot.title) if r.revid <= (snapshot.revid or 0)]
    listed = wiki.requests.count - before
    warning = None
    if state.last_revid is not None and not any(
        state.describes(r.revid, r.sha1) for r in revisions
    ):
        # Its revision is not in this history, or has another text: the state is of another
        # wiki state (restored from a backup, rebuilt, the page deleted and made anew).
        state, warning = PageState(state.title), STALE_STATE
    texts = CachedTexts(WikiTexts(wiki, snapshot.title))
    found = attribute(
        wanted,
        revisions,
        texts,
        options.baseline_revision or None,
        current_text=snapshot.text,
        known=state.attributions,
        known_revid=state.last_revid,
        prompt_phrases=phrases,
    )
    kept = {queries[n].key: a for n, a in found.items() if n in queries}
    return AttributionRun(
        found,
        state.updated(snapshot.revid, kept, state.as_of),
        lines=len(queries),
        revisions=len(revisions),
        history_requests=listed,
        fetches=texts.fetches,
        warning=warning,
    )


def describe_attributions(
    wiki: Wiki,
    snapshot: PageSnapshot,
    options: PageOptions,
    profile: SiteProfile,
    state: PageState,
    *,
    now: datetime,
) -> list[str]:
    """The `attribute` command's lines: each tag the bot would append, and each comment it would
    leave untagged with the reason. Read-only: nothing is saved, not even the state."""
    from bot.text.edits.tagging import tag_comments
    from bot.text.plan import tagging_policy

    name = f"[[{snapshot.title}]]"
    analysis = analyze(snapshot.text, profile, prompt_phrases(options))
    run = attribute_page(wiki, snapshot, options, profile, state, analysis=analysis)
    tagging = tag_comments(
        snapshot.text, analysis, run.attributions, now, tagging_policy(options), profile
    )
    entries: list[tuple[int, str]] = []
    if run.warning:
        entries.append((0, f"{name}: warning: {run.warning}"))
    for tag in tagging.tagged:
        when = tag.timestamp.strftime("%Y-%m-%d %H:%M")
        entries.append((tag.line, (
            f"{name}: line {tag.line}: {tag.kind} comment by {tag.user} at {when} UTC "
            f"(revision {tag.revid}): would append {tag.wikitext}"
        )))
    for skip in tagging.skipped:
        by = f" by {skip.user}" if skip.user else ""
        entries.append((skip.line, f"{name}: line {skip.line}: not tagged{by}: {skip.reason}"))
    lines = [text for _, text in sorted(entries, key=lambda e: e[0])]
    lines.append(
        f"{name}: {len(tagging.tagged)} to tag, {len(tagging.skipped)} left untagged; "
        f"{run.lines} comment lines, {run.revisions} revisions listed, "
        f"{run.fetches} revision texts fetched"
    )
    return lines
