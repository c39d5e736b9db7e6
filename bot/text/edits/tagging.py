"""Append unsigned tags to the comments the page history calls unsigned, as SineBot would.

tag_comments() reads the model decided by the history (bot.text.history.contributions) and only
ever appends to the last line of an unsigned comment; every original character stays where it
was, and untag() takes the tags out again exactly. The clock is passed in.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import jinja2

from bot.render import load
from bot.text.history.attribution import FOLLOW_UP
from bot.text.model.analysis import TAGGED, UNDATED, UNSIGNED, Analysis, Comment, read_line
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
    inserted: str  # exactly what was appended to the line: a separator if needed, the tag


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
    kind: str, user: str, when: datetime, policy: TaggingPolicy, profile: SiteProfile, *,
    template: tuple[str, tuple[str, ...]] | None = None, source: jinja2.Template | None = None,
) -> str:
    """The tag for a comment of `kind` by `user` at `when`; `template` is tag_template()'s
    answer for the kind and `source` the loaded TEMPLATE_FILE, when the caller has them."""
    name, order = template or tag_template(kind, policy, profile)
    source = source or load(TEMPLATE_FILE)
    date = template_param(format_date(when, profile))
    form = _tag_form(source, name, policy.subst, order, kind == "undated")
    if "\x00" in name or form.count(_USER) != (kind != "undated") or form.count(_DATE) != 1:
        # A template (an operator's edit of it, say) that does not place each value once as
        # given: rendered as it is.
        return source.render(name=name, subst=policy.subst, order=order,
                             user=None if kind == "undated" else template_param(user),
                             date=date).strip()
    if kind != "undated":
        form = form.replace(_USER, template_param(user))
    return form.replace(_DATE, date).strip()


def tag_template(
    kind: str, policy: TaggingPolicy, profile: SiteProfile
) -> tuple[str, tuple[str, ...]]:
    """The template a tag of `kind` uses, and the order of its parameters."""
    name = template_names(policy, profile)[kind if kind in ("unsigned", "ip") else "undated"]
    return name, tuple(policy.order or profile.tag_order(name))


# Stand-ins for the user and the date: no parameter value holds a control character.
_USER, _DATE = "\x00user\x00", "\x00date\x00"


@lru_cache(maxsize=64)
def _tag_form(
    source: jinja2.Template, name: str, subst: bool, order: tuple[str, ...], undated: bool
) -> str:
    """The tag template rendered once per template and parameter order, with stand-ins for the
    user and the date: the template places the values it is given as they are (they arrive
    escaped), so a tag is this with its values put in (tests/text/edits/test_tagging.py).
    jinja2 loads the file again once it changed on disk, as a new `source`: an operator's edit
    of it takes effect in a running `serve` at its next pass."""
    return source.render(name=name, subst=subst, order=order, user=None if undated else _USER,
                         date=_DATE)


def tag_names(policy: TaggingPolicy, profile: SiteProfile) -> tuple[str, ...]:
    """The unsigned-family templates, as written: the bot's own and the profile's."""
    names = set(template_names(policy, profile).values())
    names.update(name for name, _ in profile.unsigned_templates)
    return tuple(sorted(names))


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


class _Ends:
    """Where lines end relative to hidden markup (comments, nowiki, pre), in one pass."""

    def __init__(self, text: str, lines: list[str]) -> None:
        self.text = text
        self.ends: list[int] = []
        offset = 0
        for line in lines:
            offset += len(line)
            self.ends.append(offset)
            offset += 1
        self.spans = masked_spans(text)
        self.starts = [start for start, _ in self.spans]

    def hidden(self, number: int, line: str) -> bool:
        """Whether appending at the end of line `number` would land inside hidden or open
        markup (an unclosed comment hides all after it, as in MediaWiki)."""
        end = self.ends[number - 1]
        k = bisect_left(self.starts, end) - 1
        if k >= 0:
            start, stop = self.spans[k]
            if start < end < stop:
                return True
            body = self.text[start:stop]
            if stop == len(self.text) and body.startswith("<!--") and not body.endswith("-->"):
                return True
        return line.count("{{") > line.count("}}")


def tag_comments(
    text: str,
    decided: Analysis,
    now: datetime,
    policy: TaggingPolicy,
    profile: SiteProfile,
) -> Tagging:
    """Append a tag to every unsigned comment whose author the history found.

    `decided` is the model of `text` as the history decides it (contributions.decide). Comments
    younger than the grace period (never less than FOLLOW_UP: the author may still sign in a
    follow-up edit), by opted-out users, already tagged, in doubt, or (unless
    policy.tag_undated) undated are skipped, with a reason each.
    """
    lines = text.split("\n")
    ends = _Ends(text, lines)
    names = frozenset(normalize_title(n).casefold() for n in tag_names(policy, profile))
    opted_out = frozenset(normalize_title(u) for u in policy.opt_out)
    wait = max(policy.grace, FOLLOW_UP)
    made: list[TagMade] = []
    skipped: list[Skipped] = []
    templates: dict[str, tuple[str, tuple[str, ...]]] = {}  # kind -> tag_template()
    source = load(TEMPLATE_FILE)

    def consider(comment: Comment, kind: str) -> None:
        number = comment.end_line

        def skip(reason: str) -> None:
            skipped.append(Skipped(number, comment.line, reason, comment.author))

        if comment.doubt:
            return skip(comment.doubt)
        if comment.author is None or comment.timestamp is None or comment.revid is None:
            return skip(NOT_ATTRIBUTED)
        if normalize_title(comment.author) in opted_out:
            return skip(OPTED_OUT)
        if now - comment.timestamp < wait:
            return skip(GRACE)
        line = lines[number - 1]
        following = lines[number] if number < len(lines) else ""
        if _carries_tag(line, names, True) or _carries_tag(following, names, False):
            return skip(ALREADY_TAGGED)
        if ends.hidden(number, line):
            return skip(HIDDEN_END)
        if kind == "unsigned" and (comment.anon or is_ip(comment.author)):
            kind = "ip"
        template = templates.get(kind)
        if template is None:
            template = templates[kind] = tag_template(kind, policy, profile)
        wikitext = render_tag(kind, comment.author, comment.timestamp, policy, profile,
                              template=template, source=source)
        separator = "" if line[-1:] in (" ", "\t") else " "
        made.append(TagMade(
            number, comment.line, kind, comment.author, comment.timestamp, comment.revid,
            wikitext, separator + wikitext,
        ))
        return None

    for comment in decided.comments:
        if comment.status == TAGGED:
            skipped.append(Skipped(comment.end_line, comment.line, ALREADY_TAGGED, comment.author))
        elif comment.status == UNSIGNED:
            consider(comment, "unsigned")
        elif comment.status == UNDATED:
            if policy.tag_undated:
                consider(comment, "undated")
            else:
                skipped.append(Skipped(comment.end_line, comment.line, UNDATED_OFF, None))
    for tag in made:
        lines[tag.line - 1] += tag.inserted
    made.sort(key=lambda t: t.line)
    return Tagging("\n".join(lines), tuple(made), tuple(skipped))


# A tag that is one template call and nothing else: no markup, link, nesting or line break.
_PLAIN_TAG = re.compile(r"[ \t]?\{\{[^{}<>\[\]\n]*\}\}")


def tags_read_alike(
    analysis: Analysis, tagged: Sequence[TagMade], profile: SiteProfile,
    prompt_phrases: tuple[str, ...],
) -> bool:
    """Whether the page with these tags reads as `analysis` (the page's model without them)
    reads it, for what boxes are chosen by: the same sections, boxes and prompts, and the same
    lines in comments.

    So it does when each tag is one plain template call on a line of a comment the model reads
    (at or after the first prompt or comment of its question): there a tag only makes the
    comment end as signed. On a line the model calls question text, as the history may call it
    a participant's, a tag would make the paragraph above it part of a signed comment (a signed
    paragraph begins on earlier lines); on a prompt the operator's phrases might no longer
    match. Those pages are read again tagged.
    """
    if not tagged:
        return True
    comments = analysis.comments
    starts = [comment.line for comment in comments]
    prompts = {placeholder.line for placeholder in analysis.placeholders}
    for tag in tagged:
        if _PLAIN_TAG.fullmatch(tag.inserted) is None:
            return False
        k = bisect_right(starts, tag.line) - 1
        if k < 0 or comments[k].end_line < tag.line:
            return False
        if tag.line in prompts:
            line = comments[k].text.split("\n")[tag.line - comments[k].line]
            # Without < or > on it the line is its own masked line (no hidden span ends there,
            # and a tagged line does not end inside one).
            if "<" in line or ">" in line:
                return False
            if read_line(line + tag.inserted, profile, prompt_phrases)[0] is None:
                return False
    return True


def untag(text: str, tagged: Sequence[TagMade]) -> str | None:
    """The text with the given tags taken out again, exactly; None if one is not where it was
    appended (the text is not what tag_comments() made)."""
    lines = text.split("\n")
    for tag in tagged:
        if not 1 <= tag.line <= len(lines) or not lines[tag.line - 1].endswith(tag.inserted):
            return None
        lines[tag.line - 1] = lines[tag.line - 1][: -len(tag.inserted)]
    return "\n".join(lines)
