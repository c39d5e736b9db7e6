"""Find signatures in one line of (masked) wikitext: user links, timestamps and unsigned tags.

A signature is a link to User:, User talk: or Special:Contributions/ close before a timestamp in
the wiki's signature format, searched back from the timestamp over a bounded distance as
DiscussionTools does; a tag is an unsigned-family template such as {{unsigned|U|date}}.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import unquote

from bot.text.model.dates import find_timestamps
from bot.text.model.memory import keeping
from bot.text.model.profile import SiteProfile, normalize_title, normalize_user

# DiscussionTools (CommentParser::findSignature) searches back from a timestamp for a user link
# over at most this many characters of text as a reader sees it, markup not counted: what ~~~~
# writes between the user link and the timestamp ("(talk)", a nickname's styling) is far
# shorter, while a user named earlier in the comment is a mention, not its signature.
SIGNATURE_SCAN_LIMIT = 100
# A user link this far before its timestamp (in visible characters) still signs offline, but may
# be a mention followed by ~~~~~: in `run`, the history decides (bot.text.history).
SIGNATURE_GAP = 20
_TARGET_CACHE = 100_000

_LINK = re.compile(r"\[\[([^\[\]{}|\n]*)(?:\|((?:[^\[\]\n]|\[(?!\[)|\](?!\]))*))?\]\]")
_TEMPLATE = re.compile(r"\{\{\s*([^{}|\n]+?)\s*((?:\|[^{}]*)?)\}\}")
_SUBST = re.compile(r"(?i)^(safe)?subst\s*:\s*")
_TEMPLATE_NAMESPACE = re.compile(r"(?i)^template\s*:")
_TAG = re.compile(r"<[^<>\n]*>")
# Markup a reader does not see as text: tags, a link's target and brackets, bold and italic
# quotes, an external link's address, and all of a character reference but one character.
# A reference's "&" is left out of its match (no other piece starts with "&" or ends right
# after one), so that removing every match leaves one character for it, with no Python call per
# match.
_INVISIBLE = re.compile(
    r"<[^<>\n]*>|\[\[[^\[\]{}|\n]*\||\[\[|\]\]|'{2,}|\[(?:https?:)?//[^\s\]]*\s?|\]"
    r"|(?<=&)(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);"
)
_MARKUP_CHAR = re.compile(r"[<\[\]'&]")
# What may follow a user link at the end of a line without a timestamp (~~~): more links, markup.
_SIGNATURE_TAIL_NOISE = re.compile(r"[\s()\[\]|·•\-–—,.;:!'/]|&nbsp;|&#160;")


# An interlanguage prefix: en, de, simple, zh-yue, be-x-old, zh-classical ...
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,10}){0,2}|simple")


@dataclass(frozen=True, slots=True)  # many per page
class UserLink:
    start: int
    end: int
    user: str


@dataclass(frozen=True, slots=True)  # many per page
class Signature:
    """What ends a comment: a signature, an unsigned tag, or a bare timestamp."""

    status: str  # "signed" | "undated" | "tagged" | "unsigned" (bare timestamp)
    author: str | None
    timestamp: datetime | None
    start: int
    end: int
    # Signed: the characters a reader sees between the author's link and the timestamp. What
    # ~~~~ writes there is short; SIGNATURE_GAP or more may be a mention before a bare ~~~~~.
    gap: int | None = None


def _fold(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text).strip().casefold()


@dataclass(frozen=True)
class _Names:
    """A profile's names, folded for comparison (built once per profile)."""

    user: frozenset[str]
    special: frozenset[str]
    contributions: frozenset[str]
    prefixes: frozenset[str]
    templates: dict[str, tuple[str, ...]]  # unsigned-family template -> parameter order
    targets: dict[str, str | None]  # link target -> the user it names (user_from_target)
    orders: dict[str, tuple[str, ...] | None]  # a template call's name as written -> its order


@lru_cache(maxsize=32)
def _names(profile: SiteProfile) -> _Names:
    return _Names(
        user=frozenset(_fold(n) for n in profile.user_namespaces + profile.user_talk_namespaces),
        special=frozenset(_fold(n) for n in profile.special_namespaces),
        contributions=frozenset(_fold(n) for n in profile.contributions_pages),
        prefixes=frozenset(_fold(p) for p in profile.interwiki_prefixes),
        templates=profile.unsigned_template_params(),
        targets={},
        orders={},
    )


def user_from_target(target: str, profile: SiteProfile) -> str | None:
    """The user a link target points to (User:, User talk:, Special:Contributions/), if any."""
    return _user_of(target, profile, _names(profile).targets)


def _user_of(target: str, profile: SiteProfile, cache: dict[str, str | None]) -> str | None:
    """user_from_target, given the profile's cache (_names(profile).targets)."""
    if target in cache:
        return cache[target]
    user = _user_from_target(target, profile)
    if keeping():
        if len(cache) >= _TARGET_CACHE:
            cache.clear()  # hostile pages of endless distinct links must not grow it without end
        cache[target] = user
    return user


def _user_from_target(target: str, profile: SiteProfile) -> str | None:
    target = html.unescape(target)
    if "%" in target:
        target = unquote(target)
    target = target.strip().lstrip(":").strip()
    names = _names(profile)
    user_ns, special_ns, contribs, prefixes = (
        names.user, names.special, names.contributions, names.prefixes
    )
    while True:
        head, sep, rest = target.partition(":")
        if not sep:
            return None
        folded = _fold(head)
        if folded in user_ns or folded in special_ns:
            break
        if folded in prefixes or (prefixes and _LANGUAGE_CODE.fullmatch(folded)):
            target = rest.strip()
            continue
        break
    rest = rest.split("#", 1)[0]
    if folded in user_ns:
        if "/" in rest:
            return None  # a user subpage is not a signature link
        name = normalize_user(rest)
    elif folded in special_ns:
        page, slash, who = rest.partition("/")
        if not slash or _fold(page) not in contribs or "/" in who:
            return None  # not a contributions link, or one to an IP range: no one person
        name = normalize_user(who)
    else:
        return None
    return name or None


def user_links(line: str, profile: SiteProfile) -> list[UserLink]:
    links = []
    for match in _LINK.finditer(line):
        user = user_from_target(match.group(1), profile)
        if user is not None:
            links.append(UserLink(match.start(), match.end(), user))
    return links


def _tags(line: str, profile: SiteProfile) -> list[Signature]:
    if "{{" not in line:
        return []
    names = _names(profile)
    tags = []
    for match in _TEMPLATE.finditer(line):
        order = _template_order(match.group(1), names)
        if order is None:
            continue
        # A link in a parameter ({{unsigned|[[User:X|X]]|...}}) is its target: its own pipe
        # would split the parameters.
        params = _LINK.sub(lambda m: m.group(1), match.group(2)).split("|")[1:]
        positional = [p.strip() for p in params if "=" not in p]
        named = dict(
            (k.strip(), v.strip())
            for k, _, v in (p.partition("=") for p in params if "=" in p)
        )
        values = {}
        for index, role in enumerate(order, start=1):
            value = named.get(str(index))
            if value is None:
                value = positional[index - 1] if index <= len(positional) else ""
            values[role] = value
        user = values["user"]
        author = (user_from_target(user, profile) or user_from_target(f"User:{user}", profile)
                  if user else None)
        stamps = find_timestamps(values["date"], profile)
        when = stamps[-1][2] if stamps else None
        tags.append(Signature("tagged", author, when, match.start(), match.end()))
    return tags


def _template_order(written: str, names: _Names) -> tuple[str, ...] | None:
    """The parameter order of the unsigned-family template a call names, or None."""
    cache = names.orders
    if written in cache:
        return cache[written]
    name = normalize_title(_TEMPLATE_NAMESPACE.sub("", _SUBST.sub("", written)))
    order = names.templates.get(name)
    if keeping():
        if len(cache) >= _TARGET_CACHE:
            cache.clear()
        cache[written] = order
    return order


def _undated(line: str, links: list[UserLink]) -> Signature | None:
    """A user link ending the line with nothing but signature decoration after it (~~~)."""
    last = links[-1]
    tail = line[last.end :]
    for link in _LINK.finditer(tail):
        tail = tail.replace(link.group(0), " ", 1)
    tail = _TAG.sub(" ", tail)
    tail = _SIGNATURE_TAIL_NOISE.sub("", tail)
    if tail:
        return None
    first = last
    for link in reversed(links[:-1]):
        between = _SIGNATURE_TAIL_NOISE.sub("", _TAG.sub("", line[link.end : first.start]))
        if between or link.user != last.user:
            break
        first = link
    return Signature("undated", last.user, None, first.start, len(line.rstrip()))


def _visible(text: str) -> int:
    """How many characters of `text` a reader sees (markup not counted, a character reference
    one character)."""
    if _MARKUP_CHAR.search(text) is None:
        return len(text)
    return len(_INVISIBLE.sub("", text))


def _signed(
    line: str, links: list[UserLink], stamps: list[tuple[int, int, datetime]]
) -> list[Signature]:
    """Each timestamp with the signature that ends in it, or as a bare timestamp.

    From each timestamp the search goes back, never past the previous timestamp, to the closest
    user link within SIGNATURE_SCAN_LIMIT visible characters; earlier links to the same user
    within that reach belong to the signature too. The distance grows by the pieces between the
    links, each measured once, and every link is looked at for one timestamp only: a line of
    many signatures is read in linear time.
    """
    found: list[Signature] = []
    previous_end = 0
    j = 0  # links[:j] end before the current timestamp
    for stamp in stamps:
        while j < len(links) and links[j].end <= stamp[0]:
            j += 1
        found.append(_signature(line, reversed(links[:j]), stamp, previous_end))
        previous_end = stamp[1]
    return found


def _signature(
    line: str, links: Iterable[UserLink], stamp: tuple[int, int, datetime], previous_end: int
) -> Signature:
    """The signature ending in one timestamp (see _signed); `links` are the user links ending
    before it, closest first."""
    start, end, when = stamp
    author, first, gap = None, start, None
    distance, boundary = 0, start  # visible characters from `boundary` to the timestamp
    for link in links:
        if link.start < previous_end:
            break
        distance += _visible(line[link.end : boundary])
        if distance >= SIGNATURE_SCAN_LIMIT:
            break
        if author is None:
            author, gap = link.user, distance
        if link.user == author:
            first = link.start
        distance += _visible(line[link.start : link.end])
        boundary = link.start
    if author is None:
        return Signature("unsigned", None, when, start, end)
    return Signature("signed", author, when, first, end, gap)


def _links_back(line: str, profile: SiteProfile, floor: int, start: int) -> Iterator[UserLink]:
    """user_links(line) that start at `floor` or later and end by `start`, closest first, found
    only as far back as asked. A link holds "[[" only at its start, so each "[[" before `start`
    begins one link of the line or none, as a scan from the line's start would find."""
    bound = start + 1  # the next "[[" looked at ends before this
    cache = _names(profile).targets
    while (at := line.rfind("[[", floor, bound)) >= 0:
        match = _LINK.match(line, at, start)
        if match is not None:
            user = _user_of(match.group(1), profile, cache)
            if user is not None:
                yield UserLink(at, match.end(), user)
        bound = at + 1


def _last_signature(
    line: str, profile: SiteProfile, floor: int, stamp: tuple[int, int, datetime]
) -> Signature:
    """_signature(line, _links_back(line, profile, floor, stamp[0]), stamp, floor), written as
    one loop: most lines of a page end in a signature, and a generator and a UserLink per link
    cost a fifth of reading one."""
    start, end, when = stamp
    author, first, gap = None, start, None
    distance, boundary = 0, start
    cache = _names(profile).targets
    bound = start + 1  # the next "[[" looked at ends before this
    while (at := line.rfind("[[", floor, bound)) >= 0:
        bound = at + 1
        match = _LINK.match(line, at, start)
        if match is None:
            continue
        user = _user_of(match.group(1), profile, cache)
        if user is None:
            continue
        link_end = match.end()
        distance += _visible(line[link_end:boundary])
        if distance >= SIGNATURE_SCAN_LIMIT:
            break
        if author is None:
            author, gap = user, distance
        if user == author:
            first = at
        distance += _visible(line[at:link_end])
        boundary = at
    if author is None:
        return Signature("unsigned", None, when, start, end)
    return Signature("signed", author, when, first, end, gap)


def find_signature(line: str, profile: SiteProfile) -> Signature | None:
    """The last signature, tag or bare timestamp on a masked line, or None."""
    tags = _tags(line, profile)
    stamps = find_timestamps(line, profile)
    if stamps and line[stamps[-1][0]] not in "[]" and (
        not tags or stamps[-1][1] > max(tag.end for tag in tags)
    ):
        # The last timestamp ends the line's last signature: only its links are looked for.
        floor = stamps[-2][1] if len(stamps) > 1 else 0
        return _last_signature(line, profile, floor, stamps[-1])
    events: list[Signature] = tags
    links = user_links(line, profile) if "[[" in line else []
    events += _signed(line, links, stamps)
    if events:
        last = max(events, key=lambda s: s.end)
        if last.status == "tagged" and last.author is not None and last.timestamp is None:
            # {{unsigned|User}} right after User's own signature: the signature has the date.
            signed = [e for e in events if e.status == "signed" and e.end <= last.start]
            if (
                signed and signed[-1].author == last.author
                and not _SIGNATURE_TAIL_NOISE.sub("", line[signed[-1].end : last.start])
            ):
                return Signature("tagged", last.author, signed[-1].timestamp, last.start, last.end)
        return last
    if links:
        return _undated(line, links)
    return None
