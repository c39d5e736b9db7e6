"""Plan one page's maintenance: analyze, tag unsigned comments, fold intros, render the summary.

plan_page() is the whole transform step of read -> analyze -> transform -> render -> save, as a
pure function. It also checks that every comment's text is still present, in order, in the new
text; a plan that lost anything is marked so the wiki layer refuses to save it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.config import PageOptions
from bot.render import render
from bot.text.edits.collapse import CollapseOptions, convert
from bot.text.model.analysis import Analysis, Comment, analyze
from bot.text.model.profile import SiteProfile
from bot.text.model.prompts import DEFAULT_PROMPT_PHRASES
from bot.text.reports.summary import build_summary, render_summary, summary_to_dict

if TYPE_CHECKING:
    from bot.text.edits.tagging import TaggingPolicy, TagMade
    from bot.text.history.attribution import Attribution
    from bot.text.reports.timeline import SummaryHistory


@dataclass(frozen=True)
class PagePlan:
    title: str
    old_text: str
    new_text: str
    folded: tuple[str, ...]
    tagged: tuple[TagMade, ...]
    edit_summary: str
    summary_text: str | None  # the summary subpage's wikitext, when summaries are on
    summary_json: str | None
    lost: tuple[Comment, ...]  # comments whose text the transform did not keep: never save

    @property
    def page_changed(self) -> bool:
        return self.new_text != self.old_text


def prompt_phrases(options: PageOptions) -> tuple[str, ...]:
    return DEFAULT_PROMPT_PHRASES + tuple(options.placeholder_patterns)


def tagging_policy(options: PageOptions) -> TaggingPolicy:
    from bot.text.edits.tagging import TaggingPolicy

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


def missing_comments(comments: Sequence[Comment], new_text: str) -> list[Comment]:
    """Comments whose text is not found, in page order, in the new text.

    The bot only appends tags and moves organizer text into boxes, so every comment keeps its
    text and its order; searching onward from the previous find keeps this linear in page size.
    """
    missing = []
    position = 0
    for comment in comments:
        found = new_text.find(comment.text, position)
        if found < 0:
            missing.append(comment)
        else:
            position = found + len(comment.text)
    return missing


def without_tags(text: str, tagged: Sequence[TagMade]) -> str:
    """The text with the tags the bot appended taken out again, for missing_comments().

    A participant's own identical tag text could be taken out instead; that only makes the
    check stricter (the edit is refused), never looser.
    """
    for tag in tagged:
        spaced = " " + tag.wikitext
        text = text.replace(spaced if spaced in text else tag.wikitext, "", 1)
    return text


def plan_page(
    text: str,
    options: PageOptions,
    *,
    profile: SiteProfile,
    now: datetime,
    as_of: datetime | None,
    attributions: Mapping[int, Attribution | None] | None = None,
    analysis: Analysis | None = None,
    summary_history: SummaryHistory | None = None,
) -> PagePlan:
    """The plan for one page; `analysis` is analyze() of `text`, when the caller has it.

    `summary_history` (built by the wiki layer) gives the summary its sections about time.
    """
    phrases = prompt_phrases(options)
    if analysis is None:
        analysis = analyze(text, profile, phrases)
    new_text, tagged = text, ()
    if options.tag_unsigned and attributions:
        from bot.text.edits.tagging import tag_comments

        tagging = tag_comments(text, analysis, attributions, now, tagging_policy(options), profile)
        new_text, tagged = tagging.text, tagging.tagged
    folded: tuple[str, ...] = ()
    if options.collapse:
        conversion = convert(new_text, collapse_options(options), profile, phrases)
        new_text, folded = conversion.text, conversion.folded
    lost = tuple(missing_comments(analysis.comments, without_tags(new_text, tagged)))
    final = analyze(new_text, profile, phrases) if new_text != text else analysis
    summary_text = summary_json = None
    if options.summary:
        summary_text, summary_json = _summaries(final, options, as_of, profile, summary_history)
    return PagePlan(
        title=options.title,
        old_text=text,
        new_text=new_text,
        folded=folded,
        tagged=tagged,
        edit_summary=render("edit_summary.txt.j2", folded=folded, tagged=tagged).strip(),
        summary_text=summary_text,
        summary_json=summary_json,
        lost=lost,
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
