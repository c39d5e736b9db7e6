"""Opt-in by editors: a page that transcludes the configured template (like archivebot's
{{User:MiszaBot/config}}) is maintained, with the template's parameters as its options.

Editors may set only what changes the bot's work on that page and its own subpages (EDITABLE);
paths, templates the bot inserts, regular expressions and revision ids stay with the operator. A
bad parameter is a problem naming it, never guessed; with any problem the page is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import mwparserfromhell
from mwparserfromhell.nodes import Comment, Template, Text

from bot.config import COLLAPSE_STYLES, PageOptions
from bot.text.model.masking import mask

MAX_GRACE_MINUTES = 7 * 24 * 60
MIN_PLACEHOLDER_CHARS = 6
MAX_PLACEHOLDER_CHARS = 200
MAX_SUBPAGE_CHARS = 64
MAX_ORGANIZERS = 20
_USER_NAME = re.compile(r"[^#<>\[\]|{}/\x00-\x1f\x7f]{1,85}")
_TRUE, _FALSE = {"yes", "true", "1"}, {"no", "false", "0"}
# A plain subpage name: letters, digits, spaces and a little punctuation; never "/", "..", "#",
# ":", or characters that are invalid in titles or could start markup.
_SUBPAGE = re.compile(r"[^\W_][\w .,()'-]*")


class _Bad(ValueError):
    """A parameter value that cannot be used; the message says what was expected."""


@dataclass(frozen=True)
class OptIn:
    """What the template on a page asks for.

    Not opted in: options None, no problems. Opted in: the page's options. Opted in with bad
    parameters: options None and one line per problem (the page is not processed).
    """

    options: PageOptions | None
    problems: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.options is not None or bool(self.problems)


def _boolean(field: str) -> Callable[[str], dict[str, object]]:
    def parse(value: str) -> dict[str, object]:
        word = value.lower()
        if word in _TRUE:
            return {field: True}
        if word in _FALSE:
            return {field: False}
        raise _Bad("expected yes or no (or true/false, 1/0)")

    return parse


def _collapse_style(value: str) -> dict[str, object]:
    if value not in COLLAPSE_STYLES:
        raise _Bad(f"expected {' or '.join(COLLAPSE_STYLES)}")
    return {"collapse_style": value}


def _collapse_levels(value: str) -> dict[str, object]:
    parts = [p.strip() for p in value.split(",")]
    if not all(re.fullmatch(r"[1-6]", p) for p in parts):
        raise _Bad('expected heading levels from 1 to 6, separated by commas ("3,4")')
    return {"collapse_levels": tuple(sorted({int(p) for p in parts}))}


def _summary_subpage(value: str) -> dict[str, object]:
    if (
        len(value) > MAX_SUBPAGE_CHARS
        or not _SUBPAGE.fullmatch(value)
        or ".." in value
        or value.endswith(".")
    ):
        raise _Bad(
            "expected a plain subpage name (letters, digits, spaces, - , . ' ( ); "
            'no "/", "..", "#" or ":")'
        )
    return {"summary_subpage": value}


def _grace_minutes(value: str) -> dict[str, object]:
    if not re.fullmatch(r"[0-9]{1,6}", value) or int(value) > MAX_GRACE_MINUTES:
        raise _Bad(f"expected a whole number of minutes from 0 to {MAX_GRACE_MINUTES}")
    return {"grace_minutes": int(value)}


def _placeholder(value: str) -> dict[str, object]:
    if not MIN_PLACEHOLDER_CHARS <= len(value) <= MAX_PLACEHOLDER_CHARS:
        raise _Bad(
            f"expected a prompt phrase of {MIN_PLACEHOLDER_CHARS} to {MAX_PLACEHOLDER_CHARS} "
            "characters"
        )
    # Literal text, not a regular expression: any spacing between the words, like the defaults.
    return {"placeholder_patterns": (r"\s+".join(re.escape(w) for w in value.split()),)}


def _organizers(value: str) -> dict[str, object]:
    names = [" ".join(n.replace("_", " ").split()) for n in value.split(",")]
    names = [n for n in names if n]
    if not names or len(names) > MAX_ORGANIZERS or not all(
        _USER_NAME.fullmatch(n) for n in names
    ):
        raise _Bad(f"expected 1 to {MAX_ORGANIZERS} user names separated by commas")
    return {"organizers": tuple(names)}


# The parameters editors may set, and where each goes in PageOptions.
EDITABLE: dict[str, Callable[[str], dict[str, object]]] = {
    "collapse": _boolean("collapse"),
    "collapse_style": _collapse_style,
    "collapse_levels": _collapse_levels,
    "summary": _boolean("summary"),
    "summary_subpage": _summary_subpage,
    "summary_json": _boolean("summary_json"),
    "tag_unsigned": _boolean("tag_unsigned"),
    "tag_undated": _boolean("tag_undated"),
    "grace_minutes": _grace_minutes,
    "placeholder": _placeholder,
    "organizers": _organizers,
}


def template_key(name: str) -> str:
    """A template name as MediaWiki resolves it, for comparing: `Template:` optional, underscores
    and runs of spaces are one space, the namespace's case and the title's first letter do not
    count ("User:ConsultationBot/config" and "user:consultationBot/config" are the same page, and
    "ConsultationBot/config" is another one, in the Template namespace).
    """
    name = " ".join(name.replace("_", " ").split())
    if name.startswith(":"):  # {{:Title}}: a page outside the Template namespace
        name = name[1:].strip()
        if ":" not in name:
            return ":" + _ucfirst(name)
    namespace, colon, rest = name.partition(":")
    if colon and namespace.strip().casefold() == "template":
        name = rest.strip()
        namespace, colon, rest = name.partition(":")
    if colon:
        return f"{namespace.strip().casefold()}:{_ucfirst(rest.strip())}"
    return _ucfirst(name)


def _ucfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plain(code: mwparserfromhell.wikicode.Wikicode) -> str | None:
    """The text of a name or value without HTML comments; None when it holds other markup."""
    parts: list[str] = []
    for node in code.nodes:
        if isinstance(node, Comment):
            continue
        if not isinstance(node, Text):
            return None
        parts.append(str(node))
    return "".join(parts).strip()


def _shown(value: str) -> str:
    """A value quoted for a log line: one line, short."""
    value = " ".join(value.split())
    return repr(value if len(value) <= 40 else value[:39] + "…")


def read_optin(text: str, template: str, defaults: PageOptions, title: str) -> OptIn:
    """The options the opt-in `template` on the page `title` asks for, on top of `defaults`.

    `text` is the page's wikitext; templates inside comments, <nowiki>, <pre> and the like do not
    count (mwparserfromhell does not parse them as templates).
    """
    key = template_key(template)
    where = f"[[{title}]]: {{{{{template}}}}}"
    found: list[Template] = []
    for call in _calls(text, key):
        try:
            nodes = mwparserfromhell.parse(call).nodes
        except RecursionError:  # thousands of nested templates in its parameters
            return OptIn(None, (f"{where}: its parameters are nested too deep to read",))
        if len(nodes) == 1 and isinstance(nodes[0], Template):
            found.append(nodes[0])
    if not found:
        return OptIn(None)
    if len(found) > 1:
        return OptIn(None, (f"{where}: the template is on the page {len(found)} times; keep one",))
    return _apply(found[0], where, defaults, title)


_CALL = re.compile(r"\{\{([^{}|]{1,300}?)(?=\||\}\})")


def _calls(text: str, key: str) -> list[str]:
    """The wikitext of each call of the template whose template_key is `key`, found without
    parsing the whole page (a hostile page may be slow or too deep for the parser), outside
    comments, <nowiki>, <pre> and the like."""
    masked = mask(text)
    calls = []
    for match in _CALL.finditer(masked):
        if template_key(match.group(1)) != key:
            continue
        depth, position = 0, match.start()
        for brace in _BRACES.finditer(masked, match.start()):
            depth += 1 if brace.group(0) == "{{" else -1
            if depth == 0:
                position = brace.end()
                break
        if depth == 0:
            calls.append(text[match.start() : position])
    return calls


_BRACES = re.compile(r"\{\{|\}\}")


def _apply(found: Template, where: str, defaults: PageOptions, title: str) -> OptIn:
    problems: list[str] = []
    changes: dict[str, object] = {}
    seen: set[str] = set()
    for param in found.params:
        if not param.showkey:
            problems.append(
                f"{where}: unnamed parameter {_shown(str(param.value))}: use name=value"
            )
            continue
        name = _plain(param.name)
        if name is None:
            problems.append(f"{where}: {_shown(str(param.name))}: a parameter name is plain text")
            continue
        if name not in EDITABLE:
            problems.append(
                f"{where}: {_shown(name)}: unknown parameter (known: {', '.join(EDITABLE)})"
            )
            continue
        if name in seen:
            problems.append(f"{where}: {name}: given more than once")
            continue
        seen.add(name)
        value = _plain(param.value)
        if value is None:
            problems.append(f"{where}: {name}: expected plain text, not markup")
            continue
        try:
            changes.update(EDITABLE[name](value))
        except _Bad as bad:
            problems.append(f"{where}: {name}: {bad}, got {_shown(value)}")
    if problems:
        return OptIn(None, tuple(problems))
    if "placeholder_patterns" in changes:
        extra = changes["placeholder_patterns"]
        assert isinstance(extra, tuple)
        changes["placeholder_patterns"] = (*defaults.placeholder_patterns, *extra)
    return OptIn(replace(defaults, title=title, **changes))  # type: ignore[arg-type]
