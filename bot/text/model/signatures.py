"""Find signatures in one line of (masked) wikitext: user links, timestamps and unsigned tags.

A signature is the nearest link to User:, User talk: or Special:Contributions/ before a timestamp
in the wiki's signature format; a tag is an unsigned-family template such as {{unsigned|U|date}}.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import unquote

from bot.text.model.dates import find_timestamps
from bot.text.model.profile import SiteProfile, normalize_title, normalize_user

# MediaWiki caps a signature's wikitext at 255 characters, and ~~~~ puts one space between it and
# the timestamp: a user link further away than that is part of the comment (a mention).
SIGNATURE_REACH = 255 + 1

_LINK = re.compile(r"\[\[([^\[\]{}|\n]*)(?:\|((?:[^\[\]\n]|\[(?!\[)|\](?!\]))*))?\]\]")
_TEMPLATE = re.compile(r"\{\{\s*([^{}|\n]+?)\s*((?:\|[^{}]*)?)\}\}")
_TAG = re.compile(r"<[^<>\n]*>")
# What may follow a user link at the end of a line without a timestamp (~~~): more links, markup.
_SIGNATURE_TAIL_NOISE = re.compile(r"[\s()\[\]|·•\-–—,.;:!'/]|&nbsp;|&#160;")


# An interlanguage prefix: en, de, simple, zh-yue, be-x-old, zh-classical ...
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,10}){0,2}|simple")


@dataclass(frozen=True)
class UserLink:
    start: int
    end: int
    user: str


@dataclass(frozen=True)
class Signature:
    """What ends a comment: a signature, an unsigned tag, or a bare timestamp."""

    status: str  # "signed" | "undated" | "tagged" | "unsigned" (bare timestamp)
    author: str | None
    timestamp: datetime | None
    start: int
    end: int


def _fold(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text).strip().casefold()


@lru_cache(maxsize=32)
def _namespace_sets(profile: SiteProfile) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    user = frozenset(_fold(n) for n in profile.user_namespaces + profile.user_talk_namespaces)
    special = frozenset(_fold(n) for n in profile.special_namespaces)
    contribs = frozenset(_fold(n) for n in profile.contributions_pages)
    return user, special, contribs


def user_from_target(target: str, profile: SiteProfile) -> str | None:
    """The user a link target points to (User:, User talk:, Special:Contributions/), if any."""
    target = html.unescape(target)
    if "%" in target:
        target = unquote(target)
    target = target.strip().lstrip(":").strip()
    user_ns, special_ns, contribs = _namespace_sets(profile)
    prefixes = {_fold(p) for p in profile.interwiki_prefixes}
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
    known = profile.unsigned_template_params()
    tags = []
    for match in _TEMPLATE.finditer(line):
        name = re.sub(r"(?i)^(safe)?subst\s*:\s*", "", match.group(1))
        name = normalize_title(re.sub(r"(?i)^template\s*:", "", name))
        order = known.get(name)
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


def find_signature(line: str, profile: SiteProfile) -> Signature | None:
    """The last signature, tag or bare timestamp on a masked line, or None."""
    events: list[Signature] = _tags(line, profile)
    links = user_links(line, profile)
    previous_end = 0
    for start, end, when in find_timestamps(line, profile):
        candidates = [
            link for link in links
            if link.end <= start and link.start >= max(previous_end, start - SIGNATURE_REACH)
        ]
        if candidates:
            author = candidates[-1].user
            first = min(link.start for link in candidates if link.user == author)
            events.append(Signature("signed", author, when, first, end))
        else:
            events.append(Signature("unsigned", None, when, start, end))
        previous_end = end
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
