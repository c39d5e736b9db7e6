"""The summary of a consultation page: totals, one row per discussion question, participants, what
needs attention and, from the history (bot.text.reports.timeline), what is new, comments per week
and newcomers; rendered as wikitext (templates/summary.wikitext.j2) or as JSON for tools.
Pure: the only time it knows is the `as_of` it is given (the latest revision's timestamp).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import jinja2
from mwparserfromhell.nodes import Argument, Tag, Template, Text, Wikilink
from mwparserfromhell.nodes import Comment as HtmlComment
from mwparserfromhell.parser import Parser, ParserError
from mwparserfromhell.wikicode import Wikicode

from bot.errors import InputError
from bot.render import excerpt, render, render_file
from bot.text.model.analysis import UNSIGNED, Analysis, Comment, list_prefix
from bot.text.model.masking import mask
from bot.text.model.profile import ENGLISH, SiteProfile, is_ip
from bot.text.model.prompts import DEFAULT_PROMPT_PHRASES, compile_phrases
from bot.text.model.signatures import find_signature
from bot.text.reports.plain import DROPPED, HIDDEN_LINK, plain_from_tokens
from bot.text.reports.timeline import (
    Activity,
    Newcomers,
    NewSince,
    SummaryHistory,
    comment_keys,
    new_since,
    newcomers,
    utc,
    weekly_activity,
)
from bot.titles import title_problem

TEMPLATE = "summary.wikitext.j2"
EXCERPT_LENGTH = 100

# Links that show nothing in the text where they stand (category, image), English names only.
_HIDDEN_TAGS = frozenset({"ref", "references"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DROPPED = DROPPED  # stands where markup was dropped, so that no space is left before punctuation
_DROPPED_BEFORE_PUNCTUATION = re.compile(r"\s*\x00[\s\x00]*(?=[,.;:!?)\]]+(?:\s|$)|$)")

# A text with more pieces of markup (`<`, `{{`, `[[`) than this is cut to MARKUP_CUT characters
# before it is parsed, to keep the summary's time linear on hostile text.
MAX_MARKUP = 64
MARKUP_CUT = 1_000

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
    author: str | None  # who signed the comment (a signed filled prompt), None if unsigned
    author_ip: bool  # the author is an IP address (linked to Special:Contributions)
    unsigned: bool
    filled_prompt: bool
    excerpt: str  # the comment as plain text, without its signature (still to be made inert)


@dataclass(frozen=True)
class Summary:
    title: str
    as_of: datetime | None
    totals: Totals
    questions: tuple[QuestionRow, ...]
    participants: tuple[ParticipantRow, ...]
    attention: tuple[AttentionItem, ...]
    comment_keys: tuple[str, ...] = ()  # one per comment, stable from run to run (timeline)
    activity: Activity | None = None  # comments per week; None when no comment has a time
    new_since: NewSince | None = None  # with the history only
    newcomers: Newcomers | None = None  # with the history only

    @property
    def has_parts(self) -> bool:
        """Whether any question belongs to a part (else the table has no Part column)."""
        return any(q.part is not None for q in self.questions)


def check_title(title: str) -> None:
    """Raise InputError unless MediaWiki would accept `title` as a page title.

    The summary links every question as `title#anchor`: a title holding `#`, `|`, brackets or
    a line break would point elsewhere or break the link.
    """
    problem = title_problem(title)
    if problem:
        raise InputError(f"{title!r} is not a valid page title: {problem}")


def _share(part: int, whole: int) -> int:
    return (200 * part + whole) // (2 * whole) if whole else 0


def _participant_key(row: ParticipantRow) -> tuple:
    """Registered users alphabetically (case-insensitive), then IP addresses in numeric order."""
    if row.ip:
        address = ipaddress.ip_address(row.name)
        return (1, address.version, int(address), "", row.name)
    return (0, 0, 0, row.name.casefold(), row.name)


def plain_text(wikitext: str) -> str:
    """What a reader sees of a piece of wikitext, on one line: links by their label, templates,
    references, HTML comments, category and image links left out, formatting taken away.

    A text with more than MAX_MARKUP pieces of markup is read from its first MARKUP_CUT
    characters only.
    """
    text = _CONTROL.sub(" ", wikitext)
    if text.count("<") + text.count("{{") + text.count("[[") > MAX_MARKUP:
        # The parser's time grows with the square of the markup it gives up on (`<div ` or
        # `{{a|` thousands of times took minutes): such a text is cut first. An excerpt shows
        # a hundred characters of it anyway.
        text = text[:MARKUP_CUT]
    try:
        return _stripped(text)
    except (ParserError, RecursionError):
        # The parser accepts any string, but markup nested hundreds deep (`{{` a thousand
        # times) is too deep for it: then the text is shown as written.
        return " ".join(text.split())


def _stripped(text: str) -> str:
    # mwparserfromhell.parse(text) in its two steps: most comments are text, links and
    # templates, read from the tokens (bot.text.reports.plain); only the others build the tree.
    parser = Parser()
    tokenizer = getattr(parser, "_tokenizer", None)  # what Parser.parse calls, with its arguments
    builder = getattr(parser, "_builder", None)
    if tokenizer is None or builder is None:  # a mwparserfromhell parsing otherwise: the tree
        text = _tree_stripped(parser.parse(text))
    else:
        tokens = tokenizer.tokenize(text, 0, False)
        plain = plain_from_tokens(tokens, lambda title: tokenizer.tokenize(title, 0, False))
        text = _tree_stripped(builder.build(tokens)) if plain is None else plain
    if _DROPPED in text:
        text = _DROPPED_BEFORE_PUNCTUATION.sub("", text).replace(_DROPPED, " ")
    return " ".join(text.split())


def _tree_stripped(code: Wikicode) -> str:
    code.nodes = [Text(_DROPPED) if _dropped(node) else node for node in code.nodes]
    for link in code.filter_wikilinks():
        if link.text is None:  # shown as its target, without the colon that makes it a link
            link.title = str(link.title).strip().removeprefix(":")
    return code.strip_code(normalize=True, collapse=True, keep_template_params=False)


def _dropped(node: object) -> bool:
    if isinstance(node, Template | Argument | HtmlComment):
        return True
    if isinstance(node, Wikilink):
        return bool(HIDDEN_LINK.match(str(node.title)))
    return isinstance(node, Tag) and str(node.tag).strip().lower() in _HIDDEN_TAGS


def comment_excerpt(
    comment: Comment, masked_last_line: str | None = None, profile: SiteProfile = ENGLISH
) -> str:
    """The comment as readable text on one line, cut short: its signature, list markers and the
    prompt text left out. `masked_last_line` is the comment's last line as analyze() masked it.
    """
    lines = comment.text.split("\n")
    if comment.status != UNSIGNED or comment.timestamp is not None:  # it ends at a signature
        if masked_last_line is None or len(masked_last_line) != len(lines[-1]):
            masked_last_line = mask(comment.text).split("\n")[-1]
        signature = find_signature(masked_last_line, profile)
        if signature is not None:
            lines[-1] = lines[-1][: signature.start]
    lines = [line[len(list_prefix(line)) :] for line in lines]
    text = " ".join(" ".join(lines).split())
    if comment.residue:
        residue = " ".join(comment.residue.split())
        if residue in text:
            text = text.replace(residue, " ")
        else:
            text = compile_phrases(DEFAULT_PROMPT_PHRASES).sub(" ", text)
    return excerpt(plain_text(text), EXCERPT_LENGTH)


def build_summary(
    analysis: Analysis,
    title: str,
    as_of: datetime | None,
    profile: SiteProfile = ENGLISH,
    history: SummaryHistory | None = None,
) -> Summary:
    """The summary data of an analyzed page; `as_of` is the newest revision's time, or None.

    `title` is the page's title, for links: InputError if it is no valid page title. `profile`
    is the one the page was analyzed with (it finds the signatures left out of excerpts).
    `history` (from the wiki) adds what is new since the last summary and the newcomers.

    A discussion question is a section (a real heading) holding comments or prompts; its part is
    the nearest level-1 or level-2 heading above it that is shallower than it, so folding a
    level-3 intro into a box changes no part. Comments before the first heading count in the
    totals, participants and attention list, but are no row.
    """
    check_title(title)
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

    raw_lines: list[str] | None = None
    masked_lines: list[str] | None = None
    attention = []
    for c in analysis.comments:
        if c.status != UNSIGNED and not c.placeholder:
            continue
        masked_last = None
        if c.status != UNSIGNED or c.timestamp is not None:  # comment_excerpt looks for a signature
            last = c.text.split("\n")[-1]
            raw_lines = analysis.text.split("\n") if raw_lines is None else raw_lines
            if c.end_line <= len(raw_lines) and raw_lines[c.end_line - 1] == last:
                if masked_lines is None:
                    masked_lines = mask(analysis.text).split("\n")
                masked_last = masked_lines[c.end_line - 1]
        attention.append(
            AttentionItem(
                section=c.section,
                anchor=(
                    analysis.sections[c.section_index].anchor
                    if c.section_index is not None
                    else None
                ),
                line=c.line,
                author=c.author,
                author_ip=c.author is not None and is_ip(c.author),
                unsigned=c.status == UNSIGNED,
                filled_prompt=c.placeholder,
                excerpt=comment_excerpt(c, masked_last, profile),
            )
        )
    totals = Totals(
        questions=len(rows),
        comments=total,
        participants=len(participants),
        unsigned=sum(1 for c in analysis.comments if c.status == UNSIGNED),
        unanswered=sum(1 for row in rows if row.unanswered),
        filled_prompts=sum(1 for c in analysis.comments if c.placeholder),
    )
    keys = comment_keys(analysis.comments)
    news = new_since(analysis, keys, history) if history is not None else None
    if news is not None:
        by_line = {c.line: c for c in analysis.comments}
        news = replace(news, comments=tuple(
            replace(c, excerpt=comment_excerpt(by_line[c.line], None, profile))
            for c in news.comments
        ))
    return Summary(
        title=title,
        as_of=utc(as_of) if as_of is not None else None,
        totals=totals,
        questions=tuple(rows),
        participants=tuple(participants),
        attention=tuple(attention),
        comment_keys=keys,
        activity=weekly_activity(analysis.comments),
        new_since=news,
        newcomers=newcomers(analysis.comments, history) if history is not None else None,
    )


def format_time(when: datetime | None) -> str | None:
    return utc(when).strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None


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
        "comment_keys": list(summary.comment_keys),
        **_timeline_to_dict(summary),
    }


def _timeline_to_dict(summary: Summary) -> dict[str, object]:
    data: dict[str, object] = {}
    if summary.activity is not None:
        data["weeks"] = {w.week.isoformat(): w.comments for w in summary.activity.weeks}
        data["undated_comments"] = summary.activity.undated
    if summary.new_since is not None:
        since = summary.new_since.since
        data["new_since"] = {
            "summary_revid": since.revid if since else None,
            "summary_time": format_time(since.timestamp) if since else None,
            "comments": [
                {
                    "key": c.key, "section": c.section, "anchor": c.anchor, "line": c.line,
                    "author": c.author, "unsigned": c.unsigned, "time": format_time(c.time),
                    "revid": c.revid,
                }
                for c in summary.new_since.comments
            ],
        }
    if summary.newcomers is not None:
        n = summary.newcomers
        data["newcomers"] = {
            "opened": {"revid": n.opened.revid, "time": format_time(n.opened.timestamp)},
            "newcomers": [
                {
                    "name": row.name, "first_edit": format_time(row.first_edit),
                    "first_revid": row.first_revid, "comments": row.comments,
                    **({"registered": format_time(row.registered)} if n.account_ages else {}),
                }
                for row in n.newcomers
            ],
            "regulars": list(n.regulars),
            "not_in_history": list(n.not_in_history),
        }
    return data


def render_summary(summary: Summary, template: str | None = None) -> str:
    """The summary's wikitext, from the shipped template or an operator's template file."""
    values = {
        "title": summary.title,
        "as_of": summary.as_of,
        "totals": summary.totals,
        "questions": summary.questions,
        "participants": summary.participants,
        "attention": summary.attention,
        "activity": summary.activity,
        "new_since": summary.new_since,
        "newcomers": summary.newcomers,
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
