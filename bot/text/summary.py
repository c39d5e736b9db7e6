"""The summary of a consultation page: totals, one row per discussion question, participants and
what needs attention; rendered as wikitext (templates/summary.wikitext.j2) or as JSON for tools.
Pure: the only time it knows is the `as_of` it is given (the latest revision's timestamp).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from bot.errors import InputError
from bot.render import excerpt, render, render_file
from bot.text.analysis import UNSIGNED, Analysis, Comment, list_prefix
from bot.text.prompts import DEFAULT_PROMPT_PHRASES, compile_phrases

TEMPLATE = "summary.wikitext.j2"
EXCERPT_LENGTH = 100
# A part is the nearest heading above a question at one of these levels (and shallower than it).
PART_LEVELS = (1, 2)


@dataclass(frozen=True)
class Totals:
    questions: int  # discussion questions (rows)
    comments: int  # every comment on the page, including any before the first heading
    participants: int  # distinct authors (signed, undated and tagged comments)
    unsigned: int  # comments with no signature and no unsigned tag yet
    unanswered: int  # questions with no comment at all: only pristine prompts
    filled_prompts: int  # comments typed into a prompt line


@dataclass(frozen=True)
class QuestionRow:
    part: str | None  # title of the part the question belongs to, None if it has none
    part_anchor: str | None
    title: str
    anchor: str
    level: int
    line: int
    comments: int
    participants: int
    unsigned: int
    open_prompts: int  # pristine prompt lines left under the question
    latest: datetime | None  # newest comment timestamp
    share: int  # percent of all comments on the page, rounded half up

    @property
    def unanswered(self) -> bool:
        return self.comments == 0


@dataclass(frozen=True)
class ParticipantRow:
    name: str
    ip: bool  # an IP address: linked to Special:Contributions, not to a user page
    comments: int


@dataclass(frozen=True)
class AttentionItem:
    section: str | None  # question title; None before the first heading
    anchor: str | None
    line: int
    author: str | None
    unsigned: bool
    filled_prompt: bool
    excerpt: str  # one line of the comment's wikitext (still to be made inert)


@dataclass(frozen=True)
class Summary:
    title: str
    as_of: datetime | None
    totals: Totals
    questions: tuple[QuestionRow, ...]
    participants: tuple[ParticipantRow, ...]
    attention: tuple[AttentionItem, ...]


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _share(part: int, whole: int) -> int:
    return (200 * part + whole) // (2 * whole) if whole else 0


def _participant_key(row: ParticipantRow) -> tuple:
    """Registered users alphabetically (case-insensitive), then IP addresses in numeric order."""
    if row.ip:
        address = ipaddress.ip_address(row.name)
        return (1, address.version, int(address), "", row.name)
    return (0, 0, 0, row.name.casefold(), row.name)


def comment_excerpt(comment: Comment) -> str:
    """The comment's wikitext on one line: list markers and prompt text left out, cut short."""
    lines = [line[len(list_prefix(line)) :] for line in comment.text.split("\n")]
    text = " ".join(" ".join(lines).split())
    if comment.residue:
        residue = " ".join(comment.residue.split())
        if residue in text:
            text = text.replace(residue, " ")
        else:
            text = compile_phrases(DEFAULT_PROMPT_PHRASES).sub(" ", text)
    return excerpt(text, EXCERPT_LENGTH)


def build_summary(analysis: Analysis, title: str, as_of: datetime | None) -> Summary:
    """The summary data of an analyzed page; `as_of` is the newest revision's time, or None.

    A discussion question is a section (a real heading) holding comments or prompts; its part is
    the nearest level-1 or level-2 heading above it that is shallower than it, so folding a
    level-3 intro into a box changes no part. Comments before the first heading count in the
    totals, participants and attention list, but are no row.
    """
    by_section: dict[int | None, list[Comment]] = {}
    for comment in analysis.comments:
        by_section.setdefault(comment.section_index, []).append(comment)
    open_prompts: dict[int | None, int] = {}
    prompted: set[int | None] = set()
    for placeholder in analysis.placeholders:
        prompted.add(placeholder.section_index)
        if not placeholder.filled:
            open_prompts[placeholder.section_index] = (
                open_prompts.get(placeholder.section_index, 0) + 1
            )
    total = len(analysis.comments)

    rows: list[QuestionRow] = []
    part: tuple[str, str, int] | None = None  # title, anchor, level of the latest part heading
    for index, section in enumerate(analysis.sections):
        if part is not None and section.level <= part[2]:
            part = None
        if index in by_section or index in prompted:
            comments = by_section.get(index, [])
            stamps = [c.timestamp for c in comments if c.timestamp is not None]
            rows.append(
                QuestionRow(
                    part=part[0] if part else None,
                    part_anchor=part[1] if part else None,
                    title=section.title,
                    anchor=section.anchor,
                    level=section.level,
                    line=section.line,
                    comments=len(comments),
                    participants=len({c.author for c in comments if c.author is not None}),
                    unsigned=sum(1 for c in comments if c.status == UNSIGNED),
                    open_prompts=open_prompts.get(index, 0),
                    latest=max(stamps) if stamps else None,
                    share=_share(len(comments), total),
                )
            )
        if section.level in PART_LEVELS:
            part = (section.title, section.anchor, section.level)

    counts: dict[str, int] = {}
    for comment in analysis.comments:
        if comment.author is not None:
            counts[comment.author] = counts.get(comment.author, 0) + 1
    participants = sorted(
        (ParticipantRow(name, is_ip(name), n) for name, n in counts.items()),
        key=_participant_key,
    )

    attention = tuple(
        AttentionItem(
            section=c.section,
            anchor=(
                analysis.sections[c.section_index].anchor if c.section_index is not None else None
            ),
            line=c.line,
            author=c.author,
            unsigned=c.status == UNSIGNED,
            filled_prompt=c.placeholder,
            excerpt=comment_excerpt(c),
        )
        for c in analysis.comments
        if c.status == UNSIGNED or c.placeholder
    )
    totals = Totals(
        questions=len(rows),
        comments=total,
        participants=len(participants),
        unsigned=sum(1 for c in analysis.comments if c.status == UNSIGNED),
        unanswered=sum(1 for row in rows if row.unanswered),
        filled_prompts=sum(1 for c in analysis.comments if c.placeholder),
    )
    return Summary(
        title=title,
        as_of=_utc(as_of) if as_of is not None else None,
        totals=totals,
        questions=tuple(rows),
        participants=tuple(participants),
        attention=attention,
    )


def format_time(when: datetime | None) -> str | None:
    return _utc(when).strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None


def summary_to_dict(summary: Summary) -> dict[str, object]:
    """The JSON shape for tools (saved as `<page>/Summary.json`); keys in a fixed order."""
    t = summary.totals
    return {
        "title": summary.title,
        "as_of": format_time(summary.as_of),
        "totals": {
            "questions": t.questions, "comments": t.comments, "participants": t.participants,
            "unsigned": t.unsigned, "unanswered": t.unanswered,
            "filled_prompts": t.filled_prompts,
        },
        "questions": [
            {
                "part": q.part, "part_anchor": q.part_anchor, "title": q.title,
                "anchor": q.anchor, "level": q.level, "line": q.line, "comments": q.comments,
                "participants": q.participants, "unsigned": q.unsigned,
                "open_prompts": q.open_prompts, "unanswered": q.unanswered,
                "latest": format_time(q.latest), "share": q.share,
            }
            for q in summary.questions
        ],
        "participants": [
            {"name": p.name, "ip": p.ip, "comments": p.comments} for p in summary.participants
        ],
        "attention": [
            {
                "section": a.section, "anchor": a.anchor, "line": a.line, "author": a.author,
                "unsigned": a.unsigned, "filled_prompt": a.filled_prompt, "excerpt": a.excerpt,
            }
            for a in summary.attention
        ],
    }


def render_summary(summary: Summary, template: str | None = None) -> str:
    """The summary's wikitext, from the shipped template or an operator's template file."""
    values = {
        "title": summary.title,
        "as_of": summary.as_of,
        "totals": summary.totals,
        "questions": summary.questions,
        "participants": summary.participants,
        "attention": summary.attention,
        "summary": summary,
    }
    if template is None:
        return render(TEMPLATE, **values)
    # render_file would fall back to a shipped template of the same name: insist on the file.
    if not Path(template).is_file():
        raise InputError(f"{template}: summary template not found")
    try:
        return render_file(template, **values)
    except (jinja2.TemplateError, UnicodeDecodeError) as exc:
        raise InputError(f"{template}: cannot render the summary template: {exc}") from None
