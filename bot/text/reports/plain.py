"""What a reader sees of simple wikitext, read straight from mwparserfromhell's tokens: the
summary's excerpts (bot.text.reports.summary.plain_text) without building the node tree, which
costs nine tenths of parsing. Anything but the few shapes below is left to the tree (None).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from mwparserfromhell.parser import tokens as t

# Stands where markup was dropped (a template, an HTML comment, a category or image link), as
# in summary._stripped.
DROPPED = "\x00"
# Links that show nothing in the text where they stand (category, image), English names only.
HIDDEN_LINK = re.compile(r"\s*(?:category|file|image)\s*:", re.IGNORECASE)
# The tags mwparserfromhell makes of '' and ''' (both visible).
_STYLE = {"''": "i", "'''": "b"}
# What a template whose arguments are plain text is made of.
_FLAT_TEMPLATE = frozenset({t.Text, t.TemplateParamSeparator, t.TemplateParamEquals})

Tokenize = Callable[[str], Sequence[object]]


class _NotSimple(Exception):
    """A token the fast reading does not know: the tree decides."""


def plain_from_tokens(tokens: Sequence[object], tokenize: Tokenize) -> str | None:
    """For a text without line breaks: what mwparserfromhell's strip_code(normalize=True,
    collapse=True, keep_template_params=False) gives for its tokens, once the top-level
    templates, HTML comments and hidden links are replaced by DROPPED and every link without a
    label shows its target (stripped, without a leading colon, parsed again: `tokenize`). None
    when the tokens hold anything but text, flat templates, HTML comments, links of plain text,
    external links of plain text, and '' or ''' around such pieces.
    """
    parts: list[str] = []
    try:
        end = _read(tokens, 0, parts, top=True, close=None, tokenize=tokenize)
    except (_NotSimple, IndexError):
        return None
    text = "".join(parts)
    # strip_code takes line breaks off the ends of every piece: texts with none are read here.
    return None if end != len(tokens) or "\n" in text else text


def _read(tokens: Sequence[object], i: int, parts: list[str], *, top: bool,
          close: type | None, tokenize: Tokenize) -> int:
    """Read from tokens[i] to the first token of type `close` (its index) or to the end."""
    n = len(tokens)
    while i < n:
        token = tokens[i]
        kind = type(token)
        if kind is t.Text:
            parts.append(token.text)
        elif kind is close:
            return i
        elif kind is t.TemplateOpen:
            i += 1
            while type(tokens[i]) in _FLAT_TEMPLATE:
                i += 1
            _expect(tokens[i], t.TemplateClose)
            if top:  # a template inside other markup shows nothing (Template.__strip__)
                parts.append(DROPPED)
        elif kind is t.CommentStart:
            i += 1
            while type(tokens[i]) is t.Text:
                i += 1
            _expect(tokens[i], t.CommentEnd)
            if top:
                parts.append(DROPPED)
        elif kind is t.WikilinkOpen:
            i = _wikilink(tokens, i + 1, parts, top, tokenize)
        elif kind is t.ExternalLinkOpen:
            url, title, i = _texts(tokens, i + 1, t.ExternalLinkSeparator, t.ExternalLinkClose)
            # ExternalLink.__strip__: a bracketed link shows its title (if any), a bare one its URL.
            parts.append((title or "") if token.brackets else url)
        elif kind is t.TagOpenOpen and getattr(token, "wiki_markup", None) in _STYLE:
            name = _STYLE[token.wiki_markup]
            _expect_text(tokens[i + 1], name)
            _expect(tokens[i + 2], t.TagCloseOpen)
            i = _read(
                tokens, i + 3, parts, top=False, close=t.TagOpenClose, tokenize=tokenize
            )
            _expect_text(tokens[i + 1], name)
            _expect(tokens[i + 2], t.TagCloseClose)
            i += 2
        else:
            raise _NotSimple
        i += 1
    if close is not None:
        raise _NotSimple
    return i


def _wikilink(tokens: Sequence[object], i: int, parts: list[str], top: bool,
              tokenize: Tokenize) -> int:
    title, text, i = _texts(tokens, i, t.WikilinkSeparator, t.WikilinkClose)
    if top and HIDDEN_LINK.match(title):
        parts.append(DROPPED)
    elif text is not None:
        parts.append(text)
    else:  # shown as its target, without the colon that makes it a link
        shown = tokenize(title.strip().removeprefix(":"))
        if any(type(token) is not t.Text for token in shown):
            raise _NotSimple
        parts.append("".join(token.text for token in shown))
    return i


def _texts(tokens: Sequence[object], i: int, separator: type,
           close: type) -> tuple[str, str | None, int]:
    """The plain text before and after the separator (None without one) up to `close`."""
    before: list[str] = []
    after: list[str] | None = None
    while True:
        kind = type(tokens[i])
        if kind is t.Text:
            (before if after is None else after).append(tokens[i].text)
        elif kind is separator and after is None:
            after = []
        elif kind is close:
            return "".join(before), None if after is None else "".join(after), i
        else:
            raise _NotSimple
        i += 1


def _expect(token: object, kind: type) -> None:
    if type(token) is not kind:
        raise _NotSimple


def _expect_text(token: object, text: str) -> None:
    if type(token) is not t.Text or token.text != text:
        raise _NotSimple
