"""Find who wrote each line of a page from its history, reading as little of it as it can.

attribute_page() lists the history without content, lets bot.text.history.attribution search it
(fetching revision texts in batches, only at probe points) and keeps what it learned in the
page's state, so a page with no new revision costs no history request at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.config import PageOptions
from bot.state import STALE_STATE, PageState
from bot.text.history.attribution import (
    Authorship,
    CachedTexts,
    RevisionMeta,
    attribute,
    line_keys,
)
from bot.text.history.contributions import lines_to_attribute
from bot.text.history.lines import Normalizer
from bot.text.model.analysis import Analysis, analyze
from bot.text.model.profile import SiteProfile
from bot.text.plan import line_normalizer, prompt_phrases
from bot.wiki.site import PageSnapshot, Wiki


class WikiTexts:
    """The revision texts of one page, fetched from the wiki in batches (wrap in CachedTexts)."""

    def __init__(self, wiki: Wiki) -> None:
        self.wiki = wiki

    def texts(self, revids: Sequence[int]) -> Mapping[int, str | None]:
        return self.wiki.revision_texts(list(revids))


@dataclass(frozen=True)
class AttributionRun:
    """What one attribution of a page found, what it cost, and the state to keep."""

    authorship: dict[str, Authorship]  # line key -> who wrote the line (None: organizers)
    state: PageState
    keys: dict[int, str] = field(default_factory=dict)  # line -> key, of the snapshot's text
    lines: int = 0  # lines whose writer was asked for
    revisions: int = 0  # revisions of the history searched (0: the state answered)
    listed: int = 0  # of them, listed by the wiki this run (the state kept the others)
    history_requests: int = 0  # requests that listed the history
    fetches: int = 0  # revision texts fetched
    text_requests: int = 0  # requests that fetched them (up to 50 texts each)
    warning: str | None = None  # the saved state could not be used

    @property
    def organizers(self) -> tuple[str, ...]:
        """Whose text is question text without being configured: the page's creator."""
        return (self.state.creator,) if self.state.creator else ()


def attribute_page(
    wiki: Wiki,
    snapshot: PageSnapshot,
    options: PageOptions,
    profile: SiteProfile,
    state: PageState,
    *,
    analysis: Analysis | None = None,
    normalizer: Normalizer | None = None,
) -> AttributionRun:
    """Who wrote each line of `snapshot` that the plan needs (lines_to_attribute).

    `analysis` is analyze() of the snapshot's text, when the caller has it already; pass the
    plan's `normalizer` (line_normalizer()) so that both compare each pair of lines once.
    """
    if analysis is None:
        analysis = analyze(snapshot.text, profile, prompt_phrases(options))
    if normalizer is None:
        normalizer = line_normalizer(options, profile)
    wanted = lines_to_attribute(analysis)
    if state.last_revid == snapshot.revid and state.line_keys:
        keys = dict(state.line_keys)  # the same text as last time: its lines' keys are known
    else:
        keys = line_keys(snapshot.text, wanted, normalizer)
    if not keys:
        return AttributionRun({}, state.updated(snapshot.revid, {}, state.as_of, state.last_sha1))
    if state.last_revid == snapshot.revid and all(k in state.attributions for k in keys.values()):
        known = {k: state.attributions[k] for k in keys.values()}
        return AttributionRun(known, state, keys, lines=len(keys))
    before = wiki.requests.count
    revisions, fresh = _history(wiki, snapshot, state)
    listed = wiki.requests.count - before
    warning = None
    if state.last_revid is not None and not any(
        state.describes(r.revid, r.sha1) for r in revisions
    ):
        # Its revision is not in this history, or has another text: the state is of another
        # wiki state (restored from a backup, rebuilt, the page deleted and made anew).
        state, warning = PageState(state.title), STALE_STATE
    texts = CachedTexts(WikiTexts(wiki))
    found = attribute(
        wanted,
        revisions,
        texts,
        current_text=snapshot.text,
        profile=profile,
        normalizer=normalizer,
        baseline_revid=options.baseline_revision or None,
        known=state.attributions,
        known_revid=state.last_revid,
    )
    kept = {keys[n]: a for n, a in found.items() if n in keys}
    creator = revisions[0].user if revisions else state.creator
    return AttributionRun(
        kept,
        state.updated(
            snapshot.revid, kept, state.as_of, creator=creator, line_keys=keys,
            history=tuple(revisions),
        ),
        keys,
        lines=len(keys),
        revisions=len(revisions),
        listed=fresh,
        history_requests=listed,
        fetches=texts.fetches,
        text_requests=texts.requests,
        warning=warning,
    )


def _history(
    wiki: Wiki, snapshot: PageSnapshot, state: PageState
) -> tuple[list[RevisionMeta], int]:
    """The page history up to the read revision, and how many revisions the wiki listed: only
    what came after the state's listing is asked for, when the state's last listed revision is
    still there with the same text."""
    known = state.history
    newer = wiki.history(snapshot.title, start_id=known[-1].revid) if known else []
    if newer and newer[0].revid == known[-1].revid and newer[0].sha1 == known[-1].sha1:
        listing, fresh = [*known[:-1], *newer], len(newer)
    else:
        listing = wiki.history(snapshot.title)
        fresh = len(listing)
    # A revision saved after the read is not part of what the lines come from.
    return [r for r in listing if r.revid <= (snapshot.revid or 0)], fresh


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
    from bot.text.plan import plan_page

    name = f"[[{snapshot.title}]]"
    analysis = analyze(snapshot.text, profile, prompt_phrases(options))
    normalizer = line_normalizer(options, profile)
    run = attribute_page(
        wiki, snapshot, options, profile, state, analysis=analysis, normalizer=normalizer
    )
    # What tagging would do, even where it is off: that is what the command is for.
    tagging_only = replace(options, tag_unsigned=True, collapse=False, summary=False)
    plan = plan_page(
        snapshot.text, tagging_only, profile=profile, now=now, as_of=None,
        authorship=run.authorship, analysis=analysis, normalizer=normalizer, keys=run.keys,
        organizers=(wiki.username, *run.organizers),
    )
    entries: list[tuple[int, str]] = []
    if run.warning:
        entries.append((0, f"{name}: warning: {run.warning}"))
    for tag in plan.tagged:
        when = tag.timestamp.strftime("%Y-%m-%d %H:%M")
        entries.append((tag.line, (
            f"{name}: line {tag.line}: {tag.kind} comment by {tag.user} at {when} UTC "
            f"(revision {tag.revid}): would append {tag.wikitext}"
        )))
    for skip in plan.skipped:
        by = f" by {skip.user}" if skip.user else ""
        entries.append((skip.line, f"{name}: line {skip.line}: not tagged{by}: {skip.reason}"))
    lines = [text for _, text in sorted(entries, key=lambda e: e[0])]
    lines.append(
        f"{name}: {len(plan.tagged)} to tag, {len(plan.skipped)} left untagged; "
        f"{run.lines} lines asked of the history, {run.revisions} revisions listed, "
        f"{run.fetches} revision texts fetched in {run.text_requests} requests"
    )
    return lines
