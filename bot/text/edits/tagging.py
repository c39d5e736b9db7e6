"""Append unsigned tags to comments attributed from the page history, as SineBot would.

tag_comments() only ever appends to the last line of a comment (or of a part of it written by
another editor); every original character stays where it was. The clock is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.render import render
from bot.text.history.attribution import Attribution, Part, split_by_history
from bot.text.model.analysis import SIGNED, TAGGED, UNDATED, UNSIGNED, Analysis
from bot.text.model.dates import format_date
from bot.text.model.masking import masked_spans
from bot.text.model.profile import SiteProfile, is_ip, normalize_title

TEMPLATE_FILE = "unsigned.wikitext.j2"

# Characters that could end or split a template parameter, open markup, or expand at save (~~~).
_PARAM = str.maketrans(
    {c: f"&#{ord(c)};" for c in "&<>[]{}|=~'"} | {chr(c): " " for c in (*range(0x20), 0x7F)}
)


@dataclass(frozen=True)
class TaggingPolicy:
    """How to tag. Template names and the parameter order left empty are the wiki's own
    (the profile's tag_templates, e.g. {{unsigniert}} on a German wiki)."""

    grace: timedelta = timedelta(minutes=30)
    opt_out: frozenset[str] = frozenset()
    tag_undated: bool = False
    template: str = ""
    ip_template: str = ""
    order: tuple[str, ...] = ()
    subst: bool = False
    undated_template: str = ""


@dataclass(frozen=True)
class TagMade:
    line: int  # 1-based line the tag was appended to
    comment_line: int  # first line of the comment it belongs to
    kind: str  # "unsigned" | "ip" | "undated"
    user: str
    timestamp: datetime
    revid: int
    wikitext: str


@dataclass(frozen=True)
class Skipped:
    line: int  # 1-based line a tag would have gone on
    comment_line: int
    reason: str
    user: str | None = None


@dataclass(frozen=True)
class Tagging:
    text: str
    tagged: tuple[TagMade, ...]
    skipped: tuple[Skipped, ...]


# Skip reasons, stable for logs and tests.
ALREADY_TAGGED = "already tagged"
NOT_ATTRIBUTED = "not attributed"
ORGANIZER = "organizer text"
HIDDEN_USER = "user hidden"
OPTED_OUT = "opted out"
GRACE = "grace period"
UNDATED_OFF = "undated tagging off"
HIDDEN_END = "line ends inside hidden markup or a template"


def template_param(value: str) -> str:
    """A value that stays one literal template parameter: | = {{ }} [[ ]] ~~~ cannot act."""
    text = value.translate(_PARAM)
    # Leading and trailing spaces of positional parameters survive; keep them visible as text.
    return text.strip()


def template_names(policy: TaggingPolicy, profile: SiteProfile) -> dict[str, str]:
    """kind ("unsigned", "ip", "undated") -> the template the bot tags it with."""
    chosen = {"unsigned": policy.template, "ip": policy.ip_template,
              "undated": policy.undated_template}
    return {kind: name or profile.tag_template(kind) for kind, name in chosen.items()}


def render_tag(
    kind: str, attribution: Attribution, policy: TaggingPolicy, profile: SiteProfile
) -> str:
    name = template_names(policy, profile)[kind if kind in ("unsigned", "ip") else "undated"]
    return render(
        TEMPLATE_FILE,
        name=name,
        subst=policy.subst,
        order=policy.order or profile.tag_order(name),
        user=None if kind == "undated" else template_param(attribution.user),
        date=template_param(format_date(attribution.timestamp, profile)),
    ).strip()


def _tag_names(policy: TaggingPolicy, profile: SiteProfile) -> frozenset[str]:
    names = set(template_names(policy, profile).values())
    names.update(name for name, _ in profile.unsigned_templates)
    return frozenset(normalize_title(n).casefold() for n in names)


_TEMPLATE_CALL = re.compile(
    r"\{\{\s*(?:(?:safe)?subst\s*:\s*)?(?:template\s*:\s*)?([^{}|\n]+?)\s*[|}]", re.IGNORECASE
)


def _carries_tag(fragment: str, names: frozenset[str], at_end: bool) -> bool:
    """Whether the fragment ends (or, for the next line, begins) with an unsigned-family tag."""
    fragment = fragment.strip()
    if at_end:
        if not fragment.endswith("}}"):
            return False
        opened = fragment.rfind("{{")
        fragment = fragment[opened:] if opened >= 0 else ""
    else:
        fragment = re.sub(r"^[*#:;\s]*", "", fragment)
        # Only a tag standing alone on the next line belongs to the comment above.
        if not fragment.startswith("{{") or not fragment.endswith("}}"):
            return False
    match = _TEMPLATE_CALL.match(fragment)
    return bool(match) and normalize_title(match.group(1)).casefold() in names


def _ends_hidden(text: str, offsets: list[int], number: int, spans: list[tuple[int, int]]) -> bool:
    """Whether appending at the end of line `number` would land inside hidden or open markup."""
    line_start = offsets[number - 1]
    line_end = offsets[number] - 1 if number < len(offsets) else len(text)
    for start, stop in spans:
        if start < line_end < stop:
            return True
        body = text[start:stop]
        if start < line_end and stop == len(text) and body.startswith("<!--") and not (
            body.endswith("-->")
        ):
            return True
    line = text[line_start:line_end]
    return line.count("{{") > line.count("}}")


def tag_comments(  # noqa: PLR0917 - the wiki layer calls it positionally
    text: str,
    analysis: Analysis,
    attributions: Mapping[int, Attribution | None],
    now: datetime,
    policy: TaggingPolicy,
    profile: SiteProfile,
) -> Tagging:
    """Append a tag to every unsigned comment (or part) that the history attributes.

    `attributions` maps 1-based line numbers to who added the line (see attribute()); `analysis`
    is analyze(text). Comments younger than the grace period, by opted-out users, already tagged
    or (unless policy.tag_undated) undated are skipped, with a reason each.
    """
    lines = text.split("\n")
    offsets = [0]
    for line in lines[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    spans = masked_spans(text)
    names = _tag_names(policy, profile)
    opted_out = frozenset(normalize_title(u) for u in policy.opt_out)
    made: list[TagMade] = []
    skipped: list[Skipped] = []

    def consider(part: Part, kind: str, comment_line: int) -> None:
        number = part.end_line
        found = part.attribution

        def skip(reason: str) -> None:
            skipped.append(Skipped(number, comment_line, reason, found.user if found else None))

        if not part.attributed:
            return skip(NOT_ATTRIBUTED)
        if found is None:
            return skip(ORGANIZER)
        if not found.user:
            return skip(HIDDEN_USER)
        if normalize_title(found.user) in opted_out:
            return skip(OPTED_OUT)
        if now - found.timestamp < policy.grace:
            return skip(GRACE)
        following = lines[number] if number < len(lines) else ""
        if _carries_tag(lines[number - 1], names, True) or _carries_tag(following, names, False):
            return skip(ALREADY_TAGGED)
        if _ends_hidden(text, offsets, number, spans):
            return skip(HIDDEN_END)
        if kind == "unsigned" and (found.anon or is_ip(found.user)):
            kind = "ip"
        wikitext = render_tag(kind, found, policy, profile)
        made.append(
            TagMade(number, comment_line, kind, found.user, found.timestamp, found.revid, wikitext)
        )
        return None

    for comment in analysis.comments:
        if comment.status == TAGGED:
            skipped.append(Skipped(comment.end_line, comment.line, ALREADY_TAGGED, comment.author))
            continue
        if comment.status not in (UNSIGNED, UNDATED, SIGNED):
            continue
        for part in split_by_history(comment, attributions):
            if not part.signed:
                consider(part, "unsigned", comment.line)
            elif comment.status == UNDATED:
                if policy.tag_undated:
                    consider(part, "undated", comment.line)
                else:
                    skipped.append(Skipped(part.end_line, comment.line, UNDATED_OFF, None))

    # Bottom up, although appending within a line never moves other lines.
    for tag in sorted(made, key=lambda t: t.line, reverse=True):
        line = lines[tag.line - 1]
        separator = "" if line[-1:] in (" ", "\t") else " "
        lines[tag.line - 1] = line + separator + tag.wikitext
    made.sort(key=lambda t: t.line)
    return Tagging("\n".join(lines), tuple(made), tuple(skipped))
