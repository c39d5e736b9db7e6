"""Judge the bot on a played corpus: its tags, its boxes, its second run, offline analysis.

Pure: it reads the page texts, MediaWiki's rendering, `analyze --json` output and the
`attribute` report, all given as data, and compares them with the ground truth per comment.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from bot.text.model.dates import format_date
from bot.text.model.profile import ENGLISH, normalize_user
from tests.corpus.text import tokens_in
from tests.corpus.truth import CommentRecord

_TAG = re.compile(r"\{\{\s*(unsigned(?:[ _]?ip)?2?|unsig|undated)\s*\|([^{}]*)\}\}", re.IGNORECASE)
_ATTRIBUTE_SKIP = re.compile(r"line (\d+): not tagged(?: by ([^:]+))?: (.*)$")
_BOX_START = re.compile(r"""<div\s+class\s*=\s*["'][^"']*\bmw-collapsible\b""", re.IGNORECASE)
_DIV_OPEN = re.compile(r"<div\b[^>]*?(?<!/)>", re.IGNORECASE)
_DIV_CLOSE = re.compile(r"</div\s*>", re.IGNORECASE)
TAGGED_SHARE, OFFLINE_SHARE = 0.99, 0.99


@dataclass(frozen=True)
class Tag:
    line: int  # 1-based, on the final page
    template: str
    user: str
    date: str

    def __str__(self) -> str:
        return f"{{{{{self.template}|{self.user}|{self.date}}}}}"


def find_tags(text: str) -> list[Tag]:
    tags = []
    for number, line in enumerate(text.split("\n"), 1):
        for match in _TAG.finditer(line):
            params = [p.strip() for p in match.group(2).split("|")]
            user, date = ([*params, "", ""])[:2]
            if match.group(1).endswith("2"):  # {{unsigned2|date|user}}
                user, date = date, user
            tags.append(Tag(number, match.group(1), user, date))
    return tags


def token_lines(text: str) -> dict[int, int]:
    """token -> its 1-based line on the page."""
    return {token: n for n, line in enumerate(text.split("\n"), 1) for token in tokens_in(line)}


def box_lines(text: str) -> set[int]:
    """1-based lines inside a collapsible box (its frame included)."""
    inside: set[int] = set()
    depth = 0
    for number, line in enumerate(text.split("\n"), 1):
        if depth == 0 and not _BOX_START.search(line):
            continue
        inside.add(number)
        depth += len(_DIV_OPEN.findall(line)) - len(_DIV_CLOSE.findall(line))
        depth = max(depth, 0)
    return inside


class _Collapsed(HTMLParser):
    """The text MediaWiki renders inside elements of class mw-collapsible-content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # open divs since the outermost collapsible content began
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.depth += tag == "div"
        elif tag == "div" and "mw-collapsible-content" in classes:
            self.depth = 1
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "div":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def collapsed_text(html: str) -> str:
    parser = _Collapsed()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def explanations(attribute_output: str, text: str) -> dict[int, str]:
    """token -> why `attribute` leaves its line untagged (line numbers of `text`)."""
    lines = text.split("\n")
    out: dict[int, str] = {}
    for row in attribute_output.splitlines():
        match = _ATTRIBUTE_SKIP.search(row)
        if match and 0 < int(match.group(1)) <= len(lines):
            for token in tokens_in(lines[int(match.group(1)) - 1]):
                out[token] = match.group(3)
    return out


@dataclass(frozen=True)
class Finding:
    comment: int
    shape: str
    line: int | None
    detail: str

    def __str__(self) -> str:
        where = f" line {self.line}" if self.line else ""
        return f"comment {self.comment} ({self.shape}){where}: {self.detail}"


@dataclass
class Judgement:
    comments: int = 0
    signed: int = 0  # comments carrying their author's signature (signed or undated)
    unsigned: int = 0  # comments that need a tag
    tags_on_signed: list[Finding] = field(default_factory=list)
    tagged_right: int = 0
    tag_misses: list[Finding] = field(default_factory=list)
    explained: int = 0  # misses that `attribute` explains
    stray_tags: list[str] = field(default_factory=list)  # on lines of no comment
    participant_lines: int = 0
    folded_wikitext: list[Finding] = field(default_factory=list)
    folded_html: list[Finding] = field(default_factory=list)
    second_run_edits: int | None = None
    second_run_problems: list[str] = field(default_factory=list)  # errors, refusals, status
    offline_total: int = 0
    offline_right: int = 0
    offline_misses: list[Finding] = field(default_factory=list)
    ambiguous_total: int = 0  # signed comments with another editor's line between paragraphs
    ambiguous_right: int = 0

    @property
    def tagged_share(self) -> float:
        return self.tagged_right / self.unsigned if self.unsigned else 1.0

    @property
    def offline_share(self) -> float:
        return self.offline_right / self.offline_total if self.offline_total else 1.0

    def targets(self) -> dict[str, bool]:
        """Each target of issue 11 and whether it is met."""
        return {
            "no tag on a signed comment": not self.tags_on_signed,
            "unsigned comments tagged right": self.tagged_share >= TAGGED_SHARE,
            "no tag outside a comment": not self.stray_tags,
            "no participant line in a box (wikitext)": not self.folded_wikitext,
            "no participant line in a box (rendered)": not self.folded_html,
            "second run makes no edit": self.second_run_edits == 0
            and not self.second_run_problems,
            "offline analyze right on signed comments": self.offline_share >= OFFLINE_SHARE,
        }


def judge(
    truth: list[CommentRecord], *, before: str, after: str, html: str | None = None,
    analysis: dict[str, Any] | None = None, attribute_output: str = "",
    second_run_edits: int | None = None, second_run_problems: list[str] | None = None,
) -> Judgement:
    """`before`: the page as the participants left it; `after`: after the bot's runs;
    `analysis`: `analyze --json` of `before` (offline, no history); `attribute_output`: what
    `attribute` said of `after`."""
    result = Judgement(comments=len(truth), second_run_edits=second_run_edits,
                       second_run_problems=list(second_run_problems or ()))
    owner = {token: c for c in truth for token in c.tokens}
    lines = token_lines(after)
    missing = sorted(set(owner) - set(lines))
    if missing:
        raise AssertionError(f"paragraphs missing from the page: proposals {missing[:10]}")
    tags_by_comment: dict[int, list[Tag]] = {}
    line_owner = {line: owner[token] for token, line in lines.items()}
    after_lines = after.split("\n")
    for tag in find_tags(after):
        comment = line_owner.get(tag.line)
        if comment is None:
            rest = _TAG.sub("", after_lines[tag.line - 1]).strip()
            where = "a line of its own" if not rest else f"{rest[:60]!r}"
            result.stray_tags.append(f"line {tag.line}: {tag} on {where}")
        else:
            tags_by_comment.setdefault(comment.id, []).append(tag)
    why = explanations(attribute_output, after)
    for comment in truth:
        tags = tags_by_comment.get(comment.id, [])
        if comment.signed:
            result.signed += 1
            for tag in tags:
                result.tags_on_signed.append(
                    Finding(comment.id, comment.shape, tag.line, f"{tag} on a {comment.status} "
                            f"comment by {comment.author} ({comment.signature} signature)")
                )
        if comment.expected_tag is None:
            continue
        result.unsigned += 1
        user, date = comment.expected_tag
        right = [t for t in tags if normalize_user(t.user) == normalize_user(user)
                 and t.date == date]
        if right and len(right) == len(tags):
            result.tagged_right += 1
            continue
        reason = next((why[t] for t in comment.tokens if t in why), None)
        result.explained += reason is not None
        got = ", ".join(map(str, tags)) or "no tag"
        detail = f"expected {{{{unsigned|{user}|{date}}}}}, got {got}"
        if reason:
            detail += f" (attribute says: {reason})"
        result.tag_misses.append(Finding(comment.id, comment.shape,
                                         lines[comment.tokens[-1]], detail))
    _folding(result, truth, lines, after, html)
    if analysis is not None:
        _offline(result, truth, token_lines(before), analysis)
    return result


def _folding(result: Judgement, truth: list[CommentRecord], lines: dict[int, int], after: str,
             html: str | None) -> None:
    boxed = box_lines(after)
    rendered = set(tokens_in(collapsed_text(html))) if html is not None else set()
    for comment in truth:
        if comment.organizer:
            continue
        for token in comment.tokens:
            result.participant_lines += 1
            if lines[token] in boxed:
                result.folded_wikitext.append(Finding(
                    comment.id, comment.shape, lines[token],
                    f"proposal {token} ({comment.status}, by {comment.author}) is inside a box"))
            if token in rendered:
                result.folded_html.append(Finding(
                    comment.id, comment.shape, lines[token],
                    f"proposal {token} renders inside mw-collapsible-content"))


def _offline(result: Judgement, truth: list[CommentRecord], lines: dict[int, int],
             analysis: dict[str, Any]) -> None:
    """Every line of a signed comment lies in an analyzed comment signed by its author, at the
    minute of its signature."""
    spans = [(c["line"], c["end_line"], c) for c in analysis.get("comments", [])]
    for comment in truth:
        if comment.status != "signed":
            continue
        wrong = []
        for token in comment.tokens:
            line = lines[token]
            found = next((c for start, end, c in spans if start <= line <= end), None)
            if found is None:
                wrong.append(f"line {line}: in no comment")
                continue
            when = found.get("timestamp")
            minute = format_date(datetime.fromisoformat(when.replace("Z", "+00:00")),
                                 ENGLISH) if when else None
            author = found.get("author")
            if (found.get("status") != "signed" or minute != comment.signed_minute
                    or author is None
                    or normalize_user(author) != normalize_user(comment.author)):
                wrong.append(f"line {line}: {found.get('status')} by {author} at {minute}")
        if comment.ambiguous_offline:
            result.ambiguous_total += 1
            result.ambiguous_right += not wrong
            continue
        result.offline_total += 1
        if not wrong:
            result.offline_right += 1
            continue
        result.offline_misses.append(Finding(
            comment.id, comment.shape, lines[comment.tokens[-1]],
            f"expected signed by {comment.author} at {comment.signed_minute} "
            f"({comment.signature} signature); analyze: " + "; ".join(wrong)))


def by_shape(findings: list[Finding]) -> str:
    counts = Counter(f.shape for f in findings)
    return ", ".join(f"{shape} {n}" for shape, n in counts.most_common())


def table(judgement: Judgement, figures: dict[str, str] | None = None) -> str:
    """The benchmark's table: each figure, its target, and whether it is met."""
    j = judgement
    met = j.targets()

    def row(label: str, value: str, target: str, key: str | None = None) -> str:
        state = "" if key is None else ("met" if met[key] else "MISSED")
        return f"{label:<52}{value:>14}  {target:<10}{state}"

    rows = [
        row("check", "figure", "target", None).replace("  target", "  target    result"),
        row("tags on signed comments", f"{len(j.tags_on_signed)} of {j.signed}", "0",
            "no tag on a signed comment"),
        row("unsigned comments tagged with right user and minute",
            f"{j.tagged_right}/{j.unsigned} {100 * j.tagged_share:.1f}%", ">= 99%",
            "unsigned comments tagged right"),
        row("  misses the attribute report explains", str(j.explained), ""),
        row("tags on lines of no comment", str(len(j.stray_tags)), "0",
            "no tag outside a comment"),
        row("participant lines in a box, wikitext",
            f"{len(j.folded_wikitext)} of {j.participant_lines}", "0",
            "no participant line in a box (wikitext)"),
        row("participant lines in a box, action=parse",
            f"{len(j.folded_html)} of {j.participant_lines}", "0",
            "no participant line in a box (rendered)"),
        row("edits made by the second run",
            "?" if j.second_run_edits is None else str(j.second_run_edits), "0",
            "second run makes no edit"),
        *(row(f"  {problem[:50]}", "", "") for problem in j.second_run_problems),
        row("offline analyze: signed comments right",
            f"{j.offline_right}/{j.offline_total} {100 * j.offline_share:.1f}%", ">= 99%",
            "offline analyze right on signed comments"),
        row("  ambiguous offline (a reply between paragraphs)",
            f"{j.ambiguous_right}/{j.ambiguous_total}", "(not counted)"),
    ]
    for label, value in (figures or {}).items():
        rows.append(row(label, value, ""))
    return "\n".join(rows)


def details(judgement: Judgement, limit: int = 40) -> str:
    """The offenders and misses, by kind, at most `limit` of each."""
    out: list[str] = []
    sections = (
        ("tags on signed comments", judgement.tags_on_signed),
        ("unsigned comments not tagged right", judgement.tag_misses),
        ("participant lines in a box (wikitext)", judgement.folded_wikitext),
        ("participant lines rendered in a box", judgement.folded_html),
        ("signed comments offline analyze gets wrong", judgement.offline_misses),
    )
    for title, findings in sections:
        if not findings:
            continue
        out.append(f"\n{title}: {len(findings)} (by shape: {by_shape(findings)})")
        out += [f"  {f}" for f in findings[:limit]]
        if len(findings) > limit:
            out.append(f"  ... and {len(findings) - limit} more")
    if judgement.second_run_problems:
        out.append("\nthe second run:")
        out += [f"  {p}" for p in judgement.second_run_problems]
    if judgement.stray_tags:
        out.append(f"\ntags on lines of no comment: {len(judgement.stray_tags)}")
        out += [f"  {t}" for t in judgement.stray_tags[:limit]]
    return "\n".join(out)
