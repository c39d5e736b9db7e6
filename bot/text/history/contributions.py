"""The page model as the history decides it: which lines are comments, who wrote them, which are
signed, and which lines participants wrote (never folded into a box).

decide() takes the offline analysis and each line's authorship (bot.text.history.attribution) and
gives tagging, folding and the summary one answer. A contribution is what one edit added: its
lines are signed when that edit signed, whatever list markers its paragraphs carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from operator import attrgetter

from bot.text.history.attribution import QUESTION_REWRITTEN, Attribution, Authorship, Doubt
from bot.text.history.signing import SAME_SAVE
from bot.text.model.analysis import (
    SIGNED,
    TAGGED,
    UNDATED,
    UNSIGNED,
    Analysis,
    Comment,
    list_prefix,
)
from bot.text.model.masking import mask
from bot.text.model.profile import normalize_user
from bot.text.model.signatures import SIGNATURE_GAP

ORGANIZERS_TEXT = "the organizers' text (the baseline revision's, or an organizer's)"


def signature_names_another(signer: str, saved_by: str) -> str:
    # A signature dated at the save of a line someone else made was written by that save: a
    # mention before ~~~~~, a renamed account's old name, or a name typed in.
    return f"its signature names {signer}, but {saved_by} saved it"


@dataclass(frozen=True)
class Decision:
    analysis: Analysis  # the offline model with its comments as the history says
    participant_lines: frozenset[int]  # 1-based lines a participant wrote, or whose writer is
    #                                    in doubt: never folded into a box


_COMMENT_FIELDS = tuple(f.name for f in fields(Comment))
_FIELD_INDEX = {name: i for i, name in enumerate(_COMMENT_FIELDS)}
_FIELD_VALUES = attrgetter(*_COMMENT_FIELDS)


def _replace(comment: Comment, **changes: object) -> Comment:
    """dataclasses.replace() for the many comments of a page: the comment itself when nothing
    changes, else a new one made without replace()'s look at every field."""
    for name, value in changes.items():
        if getattr(comment, name) != value:
            break
    else:
        return comment
    values = list(_FIELD_VALUES(comment))
    for name, value in changes.items():
        values[_FIELD_INDEX[name]] = value
    return Comment(*values)


_MISSING = object()  # a line the history was not asked about (blank, or a one-line signature)
_ORGANIZER = object()


def decide(
    analysis: Analysis, authorship: Mapping[int, Authorship], organizers: Iterable[str] = ()
) -> Decision:
    """The history's verdict on every comment; without history the analysis is returned as is.

    `organizers` are users whose text is question text (the bot's own account belongs there).
    """
    team = frozenset(normalize_user(u) for u in organizers)
    lines = analysis.text.split("\n")
    in_team: dict[str, bool] = {}  # by user name as the history gives it

    def of_team(user: str) -> bool:
        found = in_team.get(user)
        if found is None:
            found = in_team[user] = bool(team) and normalize_user(user) in team
        return found

    def judge(found: Authorship) -> object:
        if found is None:
            return _ORGANIZER
        if isinstance(found, Doubt):
            if found.reason == QUESTION_REWRITTEN and of_team(found.user):
                return _ORGANIZER
            return found
        assert isinstance(found, Attribution)
        return _ORGANIZER if of_team(found.user) else found

    owners = {number: judge(found) for number, found in authorship.items()}

    def owner(number: int) -> object:
        return owners.get(number, _MISSING)

    participant = frozenset(
        n for n, found in owners.items() if isinstance(found, Attribution | Doubt)
    )
    if not authorship:
        return Decision(analysis, participant)
    decided: list[Comment] = []
    in_comments: set[int] = set()
    for comment in analysis.comments:
        in_comments.update(range(comment.line, comment.end_line + 1))
        decided += _comment(comment, owner, lines)
    decided += _question_text(analysis, owner, lines, in_comments)
    decided.sort(key=lambda c: c.line)
    merged = _merge_paragraphs(decided, lines)
    return Decision(replace(analysis, comments=tuple(merged)), participant)


def _runs(comment: Comment, owner) -> list[tuple[object, list[int]]]:
    """The comment's lines in runs added by one edit; lines the history was not asked about
    join the run around them."""
    runs: list[tuple[object, list[int]]] = []
    for number in range(comment.line, comment.end_line + 1):
        found = owner(number)
        if found is _MISSING:
            if runs:
                runs[-1][1].append(number)
            else:
                runs.append((_MISSING, [number]))
            continue
        if runs and runs[-1][0] is _MISSING:
            runs[-1] = (found, [*runs[-1][1], number])
        elif runs and _same_edit(runs[-1][0], found):
            runs[-1][1].append(number)
        else:
            runs.append((found, [number]))
    return runs


def _maybe_mention(comment: Comment) -> bool:
    """Whether the comment's signature may be a mention before a bare timestamp: prose stands
    between the user link and the timestamp (what ~~~~ writes there is short)."""
    return comment.status == SIGNED and (comment.signature_gap or 0) >= SIGNATURE_GAP


def _same_edit(a: object, b: object) -> bool:
    if isinstance(a, Attribution) and isinstance(b, Attribution):
        return a.revid == b.revid
    if isinstance(a, Doubt) and isinstance(b, Doubt):
        return a == b
    return a is b


def _minute(when: datetime) -> datetime:
    return when.replace(second=0, microsecond=0)


def _comment(comment: Comment, owner, lines: list[str]) -> list[Comment]:
    """One offline comment as the history sees it: one comment per contribution."""
    runs = _runs(comment, owner)
    if len(runs) == 1 and runs[0][0] is _MISSING:
        return [comment]  # no history: the offline reading stands
    if all(found is _ORGANIZER for found, _ in runs):
        # It reads as a comment, but the baseline revision or an organizer wrote it: it stays
        # what it reads as, and is never tagged (who typed it is not who wrote it).
        return [_replace(comment, doubt=ORGANIZERS_TEXT) if comment.status == UNSIGNED
                else comment]
    signed = comment.status in (SIGNED, UNDATED, TAGGED)  # its last line names its author
    out: list[Comment] = []
    for k, (found, numbers) in enumerate(runs):
        part = _part(comment, numbers, lines)
        if part is None:
            continue  # only blank lines
        if signed and k == len(runs) - 1:
            doubt = None
            if (
                comment.status == SIGNED and isinstance(found, Attribution)
                and comment.author is not None and comment.timestamp is not None
                and normalize_user(found.user) != normalize_user(comment.author)
                and abs(comment.timestamp - _minute(found.timestamp)) <= SAME_SAVE
            ):
                if _maybe_mention(comment):
                    # Prose between the user link and a timestamp its own editor wrote: a
                    # mention before ~~~~~. The comment is what its edit made of it.
                    out.append(_judged(part, found))
                    continue
                # Signature-like: a renamed account's old name, or another account's.
                doubt = signature_names_another(comment.author, found.user)
            if doubt is None:
                signer = part  # _part() keeps the comment's status, author and time
                if isinstance(found, Attribution):
                    signer = _replace(signer, revid=found.revid, anon=found.anon)
                if (
                    comment.status == UNDATED and isinstance(found, Attribution)
                    and comment.author is not None
                    and normalize_user(found.user) == normalize_user(comment.author)
                ):
                    # ~~~ writes no time: the edit that wrote the signature has it.
                    signer = _replace(signer, timestamp=_minute(found.timestamp),
                                      revid=found.revid, anon=found.anon)
                out.append(signer)
            else:
                out.append(_replace(part, status=UNSIGNED, author=None, timestamp=None,
                                    doubt=doubt))
            continue
        if found is _ORGANIZER:
            continue  # question text the offline reading joined to a comment
        out.append(_judged(part, found))
    return out


def _part(comment: Comment, numbers: list[int], lines: list[str]) -> Comment | None:
    """The lines of a run as a comment of its own (trailing blank lines left out)."""
    while numbers and not lines[numbers[-1] - 1].strip():
        numbers = numbers[:-1]
    if not numbers:
        return None
    first, last = numbers[0], numbers[-1]
    if first == comment.line and last == comment.end_line:
        # All of the comment: its text is these lines already (the list prefix is read
        # unmasked here, as for every part).
        return _replace(comment, indent=len(list_prefix(lines[first - 1])))
    return _replace(
        comment, line=first, end_line=last, text="\n".join(lines[first - 1 : last]),
        indent=len(list_prefix(lines[first - 1])),
        placeholder=comment.placeholder and first == comment.line,
        residue=comment.residue if first == comment.line else None,
    )


def _judged(part: Comment, found: object) -> Comment:
    """A part whose signature, if any, is not on its lines: the history says what it is."""
    if isinstance(found, Doubt):
        return _replace(part, status=UNSIGNED, author=None, timestamp=None, doubt=found.reason)
    if isinstance(found, Attribution):
        return _replace(
            part, status=SIGNED if found.signed else UNSIGNED,
            author=normalize_user(found.user), timestamp=_minute(found.timestamp),
            revid=found.revid, anon=found.anon, by_edit=found.signed,
        )
    return _replace(part, status=UNSIGNED, author=None, timestamp=None)


def lines_to_attribute(analysis: Analysis) -> list[int]:
    """The lines (1-based) whose writer decide() needs: every line with text outside boxes,
    but headings, pristine prompts, and one-line comments whose signature names their author.
    (A tagged line is asked too: the edit that made it joins it to the same edit's untagged
    lines above, which its tag covers.)"""
    lines = mask(analysis.text).split("\n")  # a line all in <!-- --> shows nothing
    skip = {s.line for s in analysis.sections}
    skip.update(p.line for p in analysis.placeholders if not p.filled)
    for first, last in analysis.boxes:
        skip.update(range(first, last + 1))
    for comment in analysis.comments:
        if comment.line == comment.end_line and comment.status == SIGNED and not (
            _maybe_mention(comment)
        ):
            skip.add(comment.line)
    return [n for n, line in enumerate(lines, start=1) if line.strip() and n not in skip]


def _question_text(
    analysis: Analysis, owner, lines: list[str], in_comments: set[int]
) -> list[Comment]:
    """Lines the offline reading calls question text that a participant wrote: their comments.

    Consecutive lines of one edit make one comment; a line in doubt is no comment (it is never
    folded either).
    """
    boxed = {n for first, last in analysis.boxes for n in range(first, last + 1)}
    runs: list[tuple[object, list[int]]] = []
    for first, last in analysis.organizer_ranges:
        previous = None
        for number in range(first, last + 1):
            found = owner(number)
            if (
                number in in_comments or number in boxed or not isinstance(found, Attribution)
                or not lines[number - 1].strip()
            ):
                previous = None
                continue
            if previous == number - 1 and _same_edit(runs[-1][0], found):
                runs[-1][1].append(number)
            else:
                runs.append((found, [number]))
            previous = number
    out = []
    for found, numbers in runs:
        section, index = _section_of(analysis, numbers[0])
        base = Comment(
            section=section, section_index=index, line=numbers[0], end_line=numbers[-1],
            indent=len(list_prefix(lines[numbers[0] - 1])), author=None, timestamp=None,
            status=UNSIGNED, placeholder=False,
            text="\n".join(lines[numbers[0] - 1 : numbers[-1]]),
        )
        out.append(_judged(base, found))
    return out


def _section_of(analysis: Analysis, line: int) -> tuple[str | None, int | None]:
    index = None
    for k, section in enumerate(analysis.sections):
        if section.line < line:
            index = k
    return (analysis.sections[index].title if index is not None else None), index


def _merge_paragraphs(comments: list[Comment], lines: list[str]) -> list[Comment]:
    """Parts of one contribution that the offline reading cut apart, joined into the lower one.

    A paragraph its author signed in the same edit joins the signed comment right below it (one
    participant's comment of several paragraphs), and unsigned lines join the unsigned or tagged
    lines right below them that the same edit added (one edit, one tag). Unsigned lines of
    different edits stay apart: each edit's gets its own tag. Joining looks only at edits,
    authors and adjacent lines, never at list markers, so tags the bot appended do not change it
    on the next run.
    """
    out: list[Comment] = []
    for comment in comments:
        previous = out[-1] if out else None
        if previous is not None and _joins(previous, comment, lines):
            out[-1] = _replace(
                comment, line=previous.line, indent=previous.indent,
                text="\n".join(lines[previous.line - 1 : comment.end_line]),
                placeholder=previous.placeholder, residue=previous.residue,
            )
            continue
        out.append(comment)
    return out


def _joins(previous: Comment, later: Comment, lines: list[str]) -> bool:
    if not (
        previous.author is not None and later.author is not None
        and normalize_user(previous.author) == normalize_user(later.author)
        and previous.section_index == later.section_index
        and previous.doubt is None and later.doubt is None
        and all(not lines[n - 1].strip() for n in range(previous.end_line + 1, later.line))
    ):
        return False
    if previous.by_edit:
        return later.status in (SIGNED, UNDATED) and not later.by_edit
    return (
        previous.status == UNSIGNED and later.status in (UNSIGNED, TAGGED)
        and previous.revid is not None and previous.revid == later.revid
    )
