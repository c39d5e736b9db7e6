"""Plan one page's maintenance: decide its comments, tag the unsigned ones, fold intros, render
the summary.

plan_page() is the whole transform step of read -> analyze -> transform -> render -> save, as a
pure function: tags, boxes and the summary all follow one decision of the page history
(bot.text.history.contributions). It checks that the tags come out again exactly and that every
comment's text is still present, in order; a plan that lost anything is marked so the wiki layer
refuses to save it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import PageOptions
from bot.render import render
from bot.text.edits.collapse import CollapseOptions, Skip, convert
from bot.text.edits.tagging import (
    Skipped,
    TaggingPolicy,
    TagMade,
    tag_comments,
    tag_names,
    tags_read_alike,
    untag,
)
from bot.text.history.attribution import Authorship, line_keys
from bot.text.history.contributions import Decision, decide, lines_to_attribute
from bot.text.history.lines import Normalizer, carried_queries
from bot.text.model.analysis import Analysis, Comment, analyze
from bot.text.model.memory import collector_paused
from bot.text.model.profile import SiteProfile
from bot.text.model.prompts import DEFAULT_PROMPT_PHRASES
from bot.text.reports.summary import build_summary, render_summary, summary_to_dict
from bot.text.reports.timeline import SummaryHistory


@dataclass(frozen=True)
class PagePlan:
    title: str
    old_text: str
    new_text: str
    folded: tuple[str, ...]
    tagged: tuple[TagMade, ...]
    skipped: tuple[Skipped, ...]  # comments left untagged, and why
    edit_summary: str
    summary_text: str | None  # the summary subpage's wikitext, when summaries are on
    summary_json: str | None
    lost: tuple[Comment, ...]  # comments whose text the transform did not keep: never save
    decision: Decision  # the page's comments as the history decides them
    keys: dict[int, str]  # line keys of new_text (see keys_of), {} without history
    not_folded: tuple[Skip, ...] = ()  # questions not folded for a risk, and why (report them)

    @property
    def page_changed(self) -> bool:
        return self.new_text != self.old_text


def prompt_phrases(options: PageOptions) -> tuple[str, ...]:
    return DEFAULT_PROMPT_PHRASES + tuple(options.placeholder_patterns)


def tagging_policy(options: PageOptions) -> TaggingPolicy:
    return TaggingPolicy(
        grace=timedelta(minutes=options.grace_minutes),
        opt_out=frozenset(options.opt_out),
        tag_undated=options.tag_undated,
        template=options.unsigned_template,
        ip_template=options.unsigned_ip_template,
        undated_template=options.undated_template,
        order=tuple(options.unsigned_order),
        subst=options.unsigned_subst,
    )


def line_normalizer(options: PageOptions, profile: SiteProfile) -> Normalizer:
    """How lines are compared across revisions: prompt text and unsigned tags do not count."""
    return Normalizer(prompt_phrases(options), tag_names(tagging_policy(options), profile))


def authorship_by_line(
    authorship: Mapping[str, Authorship], keys: Mapping[int, str]
) -> dict[int, Authorship]:
    """Line number -> authorship, from authorship kept by line key (LineQuery.key)."""
    return {n: authorship[key] for n, key in keys.items() if key in authorship}


def keys_of(analysis: Analysis, normalizer: Normalizer) -> dict[int, str]:
    """The key of each line of the analyzed text whose writer the plan needs."""
    return line_keys(analysis.text, lines_to_attribute(analysis), normalizer)


def keys_after_edit(old_text: str, analysis: Analysis, normalizer: Normalizer) -> dict[int, str]:
    """keys_of(analysis, normalizer) for the bot's new text, carried over from the old text's
    when the normalizer asked about it last and the edit provably changes none of them."""
    wanted = lines_to_attribute(analysis)
    found = carried_queries(old_text.split("\n"), analysis.text.split("\n"), wanted, normalizer)
    if found is None:
        return line_keys(analysis.text, wanted, normalizer)
    return {number: query.key for number, query in found.items()}


def appended_text(tagged: Iterable[TagMade]) -> dict[int, str]:
    """Line -> what the tags append to it, as tag_comments() appends it."""
    appended: dict[int, str] = {}
    for tag in tagged:
        appended[tag.line] = appended.get(tag.line, "") + tag.inserted
    return appended


def missing_comments(comments: Sequence[Comment], old_lines: list[str], new_text: str) -> list[
    Comment
]:
    """Comments whose text (as `old_lines` has it: tags appended) is not found, in page order,
    in the new text.

    The bot only appends tags and moves organizer text into boxes, so every comment keeps its
    text and its order; searching onward from the previous find keeps this linear in page size.
    """
    missing = []
    position = 0
    for comment in comments:
        text = "\n".join(old_lines[comment.line - 1 : comment.end_line])
        found = new_text.find(text, position)
        if found < 0:
            missing.append(comment)
        else:
            position = found + len(text)
    return missing


@collector_paused()
def plan_page(
    text: str,
    options: PageOptions,
    *,
    profile: SiteProfile,
    now: datetime,
    as_of: datetime | None,
    authorship: Mapping[str, Authorship] | None = None,
    analysis: Analysis | None = None,
    organizers: Iterable[str] = (),
    normalizer: Normalizer | None = None,
    keys: Mapping[int, str] | None = None,
    summary_history: SummaryHistory | None = None,
) -> PagePlan:
    """The plan for one page.

    `authorship` is who wrote each line, by line key (bot.wiki.attribute), or None offline;
    `analysis` is analyze() of `text` (with `profile` and the options' phrases: the plan reads
    the texts it makes alike), `normalizer` the attribution's line_normalizer() and
    `keys` keys_of() the text, when the caller has them; `organizers` are added to the page's
    own (the bot's account is one: its lines are no one's comments).
    `summary_history` (built by the wiki layer) gives the summary its sections about time.
    """
    phrases = prompt_phrases(options)
    if analysis is None:
        analysis = analyze(text, profile, phrases)
    if normalizer is None:
        normalizer = line_normalizer(options, profile)
    team = (*options.organizers, *organizers)
    authorship = authorship or {}
    if authorship and keys is None:
        keys = keys_of(analysis, normalizer)
    keys = dict(keys or {})
    decision = decide(analysis, authorship_by_line(authorship, keys), team)
    tagged_text, tagged, skipped = text, (), ()
    if options.tag_unsigned and authorship:
        tagging = tag_comments(text, decision.analysis, now, tagging_policy(options), profile)
        tagged_text, tagged, skipped = tagging.text, tagging.tagged, tagging.skipped
    new_text, folded, not_folded = tagged_text, (), ()
    tagged_model = None  # analyze(tagged_text), when it is made
    if options.collapse:
        keep = decision.participant_lines
        if tags_read_alike(analysis, tagged, profile, phrases):
            # The folds are chosen on the page as read, whose model is at hand, and the tags
            # go on the lines they end: the page is not read again tagged.
            conversion = convert(text, collapse_options(options), profile, phrases, keep,
                                 analysis=analysis, appended=appended_text(tagged))
        else:
            tagged_model = analyze(tagged_text, profile, phrases)
            conversion = convert(tagged_text, collapse_options(options), profile, phrases, keep,
                                 analysis=tagged_model)
        new_text, folded, not_folded = conversion.text, conversion.folded, conversion.skipped
    if untag(tagged_text, tagged) != text:
        lost = analysis.comments  # cannot happen: tags are only ever appended
    else:
        lost = tuple(missing_comments(analysis.comments, tagged_text.split("\n"), new_text))
    final = decision.analysis  # the model of new_text as the history decides it
    if new_text != text:
        keys = {}
        if authorship or options.summary:  # else nothing reads the new text's model
            if tagged_model is None or new_text != tagged_text:
                tagged_model = analyze(new_text, profile, phrases)
            final = tagged_model
        if authorship:
            keys = keys_after_edit(text, final, normalizer)
            if options.summary:
                final = decide(final, authorship_by_line(authorship, keys), team).analysis
    summary_text = summary_json = None
    if options.summary:
        summary_text, summary_json = _summaries(final, options, as_of, profile, summary_history)
    return PagePlan(
        title=options.title,
        old_text=text,
        new_text=new_text,
        folded=folded,
        tagged=tagged,
        skipped=skipped,
        edit_summary=render("edit_summary.txt.j2", folded=folded, tagged=tagged).strip(),
        summary_text=summary_text,
        summary_json=summary_json,
        lost=lost,
        decision=decision,
        keys=keys,
        not_folded=not_folded,
    )


def collapse_options(options: PageOptions) -> CollapseOptions:
    return CollapseOptions(
        levels=tuple(options.collapse_levels),
        title_pattern=options.collapse_title_pattern or None,
        style=options.collapse_style,
        template=options.collapse_template or None,
    )


def _summaries(
    analysis: Analysis,
    options: PageOptions,
    as_of: datetime | None,
    profile: SiteProfile,
    history: SummaryHistory | None = None,
) -> tuple[str, str | None]:
    summary = build_summary(analysis, options.title, as_of, profile, history)
    text = render_summary(summary, options.summary_template or None)
    data = None
    if options.summary_json:
        data = json.dumps(summary_to_dict(summary), ensure_ascii=False, indent=1) + "\n"
    return text, data
