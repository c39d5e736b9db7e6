"""The summary's sections about time: comments new since the last summary, comments per week, and
newcomers. Pure: the wiki layer gathers a SummaryHistory (the page history it lists, what the
previous Summary.json listed) and passes it in; without one, only the weekly chart is drawn.
Comments come as the history decided them (bot.text.history.contributions): an unsigned one
whose edit is known carries its author, minute and revision.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.text.model.analysis import TAGGED, UNSIGNED, Analysis, Comment
from bot.text.model.profile import is_ip, normalize_user

# The chart draws at most this many weeks (the latest); its table lists every week.
CHART_WEEKS = 53
# The smallest bar drawn for a week with comments, in percent of the chart's height.
MIN_BAR = 3


@dataclass(frozen=True)
class PageRevision:
    """One revision of the consultation page, as its history lists it."""

    revid: int
    user: str
    timestamp: datetime  # UTC


@dataclass(frozen=True)
class SummaryRevision:
    """A saved revision of the summary subpage, for a permanent link to it."""

    revid: int
    timestamp: datetime  # UTC


@dataclass(frozen=True)
class Account:
    """What the wiki says about a participant's account (with account ages on)."""

    registered: datetime | None  # None: older than MediaWiki's registration records


@dataclass(frozen=True)
class PreviousSummary:
    """What the summary saved last counted and listed as new, read back from its Summary.json."""

    comments: frozenset[str]  # keys of every comment it counted
    new: frozenset[str]  # keys of the comments it listed as new
    since: SummaryRevision | None  # the summary they were new since; None: since the opening


@dataclass(frozen=True)
class SummaryHistory:
    """Everything the summary needs from the wiki besides the page text, as plain data."""

    revisions: tuple[PageRevision, ...]  # oldest first, up to the revision the summary reflects
    opened: int | None = None  # the revision where the consultation opened; None: the first one
    previous: PreviousSummary | None = None
    current_summary: SummaryRevision | None = None  # the summary subpage as it is now
    accounts: Mapping[str, Account] | None = None  # None: account ages are off


@dataclass(frozen=True)
class NewComment:
    key: str
    section: str | None
    anchor: str | None
    author: str | None
    author_ip: bool
    unsigned: bool  # not signed: its author is known from the history or a tag, if at all
    time: datetime | None  # when it was added (signature, tag or revision time)
    revid: int | None  # the revision that added it, None when the history does not tell
    line: int
    excerpt: str = ""  # the comment as plain text (filled in by the summary)


@dataclass(frozen=True)
class NewSince:
    since: SummaryRevision | None  # None: every comment since the consultation opened
    comments: tuple[NewComment, ...]  # newest first


@dataclass(frozen=True)
class WeekCount:
    week: date  # its Monday
    comments: int
    height: int  # percent of the busiest week's bar


@dataclass(frozen=True)
class Activity:
    weeks: tuple[WeekCount, ...]  # every week from the first comment's to the last one's
    undated: int  # comments whose time is not known (unsigned, without the history)

    @property
    def busiest(self) -> WeekCount | None:
        return max(self.weeks, key=lambda w: (w.comments, w.week), default=None)

    @property
    def chart(self) -> tuple[WeekCount, ...]:
        return self.weeks[-CHART_WEEKS:]


@dataclass(frozen=True)
class Newcomer:
    name: str
    ip: bool
    first_edit: datetime
    first_revid: int
    comments: int
    registered: datetime | None  # with account ages on, when the account was created


@dataclass(frozen=True)
class Newcomers:
    opened: PageRevision  # the revision where the consultation opened
    newcomers: tuple[Newcomer, ...]  # first edit on the page after the opening, by first edit
    regulars: tuple[str, ...]  # edited the page at or before the opening
    not_in_history: tuple[str, ...]  # signed, but no revision of theirs is listed
    account_ages: bool

    @property
    def new_accounts(self) -> int:
        """Newcomers whose account was created since the consultation opened."""
        return sum(
            1 for n in self.newcomers
            if n.registered is not None and n.registered >= self.opened.timestamp
        )


def utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _minute(when: datetime) -> datetime:
    return utc(when).replace(second=0, microsecond=0)


def minute_text(when: datetime) -> str:
    """_minute(when).strftime("%Y-%m-%dT%H:%MZ"), formatted without strftime (3 times slower;
    its %Y writes years before 1000 without zeros, as %d does). A key per comment: `%` is
    twice as fast as an f-string here."""
    t = when if when.tzinfo is UTC else utc(when)
    return "%d-%02d-%02dT%02d:%02dZ" % (t.year, t.month, t.day, t.hour, t.minute)  # noqa: UP031


class _RevisionIndex:
    """The history, searchable by user and minute."""

    def __init__(self, revisions: Sequence[PageRevision]) -> None:
        self.by_minute: dict[tuple[str, datetime], PageRevision] = {}
        self.first_by_user: dict[str, PageRevision] = {}
        for revision in revisions:
            user = normalize_user(revision.user) if revision.user else ""
            self.by_minute.setdefault((user, _minute(revision.timestamp)), revision)
            self.first_by_user.setdefault(user, revision)

    def signed_at(self, user: str, when: datetime) -> PageRevision | None:
        """The revision in which `user` saved a signature dated `when` (to the minute).

        The signature's time is taken as the save starts; the revision's a moment later, so the
        next minute is tried too.
        """
        minute, user = _minute(when), normalize_user(user)
        return self.by_minute.get((user, minute)) or self.by_minute.get(
            (user, minute + timedelta(minutes=1))
        )

    def first_edit(self, user: str) -> PageRevision | None:
        return self.first_by_user.get(normalize_user(user))


def _revision(comment: Comment, index: _RevisionIndex) -> int | None:
    """The revision that added a comment: the one the history decided, or the one in which its
    signature's author saved it that minute."""
    if comment.revid is not None:
        return comment.revid
    if comment.author is not None and comment.timestamp is not None:
        revision = index.signed_at(comment.author, comment.timestamp)
        return revision.revid if revision else None
    return None


def comment_keys(comments: Sequence[Comment]) -> tuple[str, ...]:
    """A key per comment that stays the same from run to run, in page order.

    A comment with a known author and time is `author|time` (to the minute): the same once the
    bot tags an unsigned comment with the author and time the history found. Others are keyed
    by their text. Repeats get `#2`, `#3`.
    """
    keys: list[str] = []
    seen: dict[str, int] = {}
    for comment in comments:
        author, when = comment.author, comment.timestamp
        if author is not None and when is not None:
            key = f"{author}|{minute_text(when)}"
        else:
            words = " ".join(comment.text.split())
            digest = hashlib.sha256(words.encode("utf-8", "surrogatepass")).hexdigest()[:12]
            key = f"{author or ''}|text:{digest}"
        n = seen.get(key, 0) + 1
        seen[key] = n
        keys.append(key if n == 1 else f"{key}#{n}")
    return tuple(keys)


def new_since(
    analysis: Analysis, keys: Sequence[str], history: SummaryHistory
) -> NewSince:
    """The comments added since the last summary, anchored in what that summary listed.

    Nothing new since the saved summary: the same comments as it listed, new since the same
    summary (so the text does not change). Something new: the saved summary becomes "the last
    summary", and only what it did not count is new.
    """
    previous = history.previous
    if previous is None:
        baseline: frozenset[str] = frozenset()
        since = None
    elif set(keys) - previous.comments:
        baseline, since = previous.comments, history.current_summary
    else:
        baseline, since = previous.comments - previous.new, previous.since
    index = _RevisionIndex(history.revisions)
    found = []
    for position, (comment, key) in enumerate(zip(analysis.comments, keys, strict=True)):
        if key in baseline:
            continue
        when = utc(comment.timestamp) if comment.timestamp is not None else None
        author, revid = comment.author, _revision(comment, index)
        section = comment.section_index
        found.append((
            when is None, -(when.timestamp() if when else 0), position,
            NewComment(
                key=key, section=comment.section,
                anchor=analysis.sections[section].anchor if section is not None else None,
                author=author, author_ip=author is not None and is_ip(author),
                unsigned=comment.status in (UNSIGNED, TAGGED), time=when, revid=revid,
                line=comment.line,
            ),
        ))
    found.sort(key=lambda entry: entry[:3])
    return NewSince(since, tuple(entry[3] for entry in found))


def weekly_activity(comments: Sequence[Comment]) -> Activity | None:
    """Comments per week (weeks start on Monday, UTC), or None when no comment has a time."""
    days: dict[date, int] = {}
    undated = 0
    for comment in comments:
        when = comment.timestamp
        if when is None:
            undated += 1
            continue
        day = (when if when.tzinfo is UTC else utc(when)).date()
        days[day] = days.get(day, 0) + 1
    counts: dict[date, int] = {}
    for day, n in days.items():
        week = day - timedelta(days=day.weekday())
        counts[week] = counts.get(week, 0) + n
    if not counts:
        return None
    first, last = min(counts), max(counts)
    weeks = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    busiest = max(counts.values())
    return Activity(
        weeks=tuple(
            WeekCount(week, n, max(MIN_BAR, (200 * n + busiest) // (2 * busiest)) if n else 0)
            for week in weeks
            for n in [counts.get(week, 0)]
        ),
        undated=undated,
    )


def newcomers(comments: Iterable[Comment], history: SummaryHistory) -> Newcomers | None:
    """Participants whose first edit on the page came after the consultation opened.

    Those who edited the page at or before the opening revision are regulars; a signed name
    with no revision in the history (a copied signature, a renamed account) is neither.
    """
    if not history.revisions:
        return None
    opened = history.revisions[0]
    if history.opened is not None:
        listed = [r for r in history.revisions if r.revid <= history.opened]
        opened = listed[-1] if listed else opened
    index = _RevisionIndex(history.revisions)
    counts: dict[str, int] = {}
    for comment in comments:
        if comment.author is not None:
            counts[comment.author] = counts.get(comment.author, 0) + 1
    rows, regulars, missing = [], [], []
    for name in sorted(counts, key=lambda n: (n.casefold(), n)):
        first = index.first_edit(name)
        if first is None:
            missing.append(name)
        elif first.revid <= opened.revid:
            regulars.append(name)
        else:
            account = history.accounts.get(name) if history.accounts is not None else None
            rows.append(Newcomer(
                name=name, ip=is_ip(name), first_edit=first.timestamp, first_revid=first.revid,
                comments=counts[name], registered=account.registered if account else None,
            ))
    rows.sort(key=lambda n: (n.first_edit, n.first_revid))
    return Newcomers(
        opened=opened, newcomers=tuple(rows), regulars=tuple(regulars),
        not_in_history=tuple(missing), account_ages=history.accounts is not None,
    )


def previous_summary(data: object) -> PreviousSummary | None:
    """What a saved Summary.json listed, or None if it lists nothing usable.

    The page can be edited by anyone, so only well-formed strings, integers and times are taken.
    """
    if not isinstance(data, dict):
        return None
    keys = data.get("comment_keys")
    block = data.get("new_since")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        return None
    if not isinstance(block, dict) or not isinstance(block.get("comments"), list):
        return None
    new = [c.get("key") for c in block["comments"] if isinstance(c, dict)]
    if not all(isinstance(k, str) for k in new):
        return None
    since = None
    revid, time = block.get("summary_revid"), parse_time(block.get("summary_time"))
    if isinstance(revid, int) and not isinstance(revid, bool) and revid > 0 and time is not None:
        since = SummaryRevision(revid, time)
    return PreviousSummary(frozenset(keys), frozenset(new), since)


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return utc(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return None
