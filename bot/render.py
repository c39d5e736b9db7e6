"""Render the wikitext the bot writes from the jinja2 templates in `templates/`.

Values taken from a wiki page (titles, user names, comment text) go through the `inert` filter
(or `link_target` inside [[...]]), which turns every character that wikitext could act on into
an HTML character reference: the text shows literally and changes nothing else on the page.

The bot's own words come from `label("key", ...)` in the templates: `templates/labels/<lang>.json`
in the wiki's content language (then its fallbacks, then English). The language is the one set
by `labels_in` around a pass (or given to render() as `language`); English otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LABELS_DIR = TEMPLATES_DIR / "labels"

# Characters that can start markup anywhere in a line, in a table cell or in a link.
_INERT = {
    c: f"&#{ord(c)};"
    for c in "&<>[]{}|~'=_:*#;!-\"/\\%"
}
# Line breaks and other control characters: a value always stays on its line.
_INERT.update({chr(c): " " for c in (*range(0x20), 0x7F)})
_INERT_TABLE = str.maketrans(_INERT)
# Inside a link target MediaWiki decodes character references before it reads the title, so the
# same escaping keeps a title from closing the link or adding a pipe, while the link still points
# at the right page; and when the title is invalid, MediaWiki shows the whole link as text, which
# then must be inert too. `%` is escaped because link targets are also percent-decoded (`%7C` is
# `|`), and `_` becomes a space (the same in titles and fragments) because `__NOTOC__` inside a
# link target still acts as a magic word. A reference cannot stop `Category:` or `File:` from
# acting, so templates write `[[:` + target.
_TARGET_TABLE = str.maketrans({**_INERT, "_": " "})
# ISBN, RFC and PMID magic links (on wikis that still enable them) need the plain letters.
_MAGIC_LINK = re.compile(r"\b(?=(?:ISBN|RFC|PMID)\b)([IRP])")


def _replacer(table: dict[int, str]) -> Callable[[str], str]:
    """text.translate(table), by a regex that stops only at the characters the table maps: a
    translation table of strings makes str.translate look up every character (3 times slower
    on the short texts the templates escape). A printable character that becomes a space (`_`
    in link targets, frequent in anchors) is replaced first, by str.replace: the same as
    translating all at once, since no replacement holds it and a space is kept."""
    spaced = [chr(c) for c, to in table.items() if to == " " and chr(c).isprintable()]
    pattern = re.compile(
        "[" + "".join(re.escape(chr(c)) for c in table if chr(c) not in spaced) + "]"
    )
    get = table.__getitem__

    def replace(text: str) -> str:
        for character in spaced:
            text = text.replace(character, " ")
        return pattern.sub(lambda m: get(ord(m.group())), text)

    return replace


_INERT_CHARS = _replacer(_INERT_TABLE)
_TARGET_CHARS = _replacer(_TARGET_TABLE)


def _escape(value: object, replace: Callable[[str], str]) -> str:
    text = replace(str(value))
    if "ISBN" not in text and "RFC" not in text and "PMID" not in text:
        return text  # what _MAGIC_LINK needs (its search costs more than these three)
    return _MAGIC_LINK.sub(lambda m: f"&#{ord(m.group(1))};", text)


def inert(value: object) -> str:
    """Text that renders literally in wikitext, on one line, anywhere (table cells included).

    Apply `excerpt` before `inert`, never after: a cut could split a character reference.
    """
    text = _escape(value, _INERT_CHARS)
    # A leading space would start a preformatted block if the value opens a line.
    return "&#32;" + text[1:] if text.startswith(" ") else text


def link_target(value: object) -> str:
    """A page title or fragment made safe to place inside [[...|...]] (after `[[:`, see above)."""
    return _escape(value, _TARGET_CHARS)


def excerpt(value: object, length: int = 80) -> str:
    """A one-line excerpt of at most `length` characters, cut at a word boundary."""
    text = " ".join(str(value).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if text[length - 1] != " ":  # the cut falls inside a word: leave that word out
        cut = cut.rsplit(" ", 1)[0] or cut
    return cut.rstrip() + "…"


# The languages whose labels are used, best first; English always ends the chain.
_LANGUAGES: ContextVar[tuple[str, ...]] = ContextVar("label_languages", default=("en",))
# Languages whose singular also counts 0 ("0 commentaire"), as CLDR's plural rules say.
_ZERO_IS_SINGULAR = frozenset({"fr", "pt", "hy", "kab", "ff"})
# Languages with a third form, for 2-4 apart from 12-14 ("2 komentarze", "5 komentarzy").
_FEW = frozenset({"pl"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def language_chain(language: str, fallbacks: Sequence[str] = ()) -> tuple[str, ...]:
    """The languages to look labels up in: the language, its fallbacks, its base, English."""
    chain = [language.lower(), *(f.lower() for f in fallbacks), language.lower().split("-")[0]]
    return tuple(dict.fromkeys([*(c for c in chain if c), "en"]))


@contextmanager
def labels_in(language: str, fallbacks: Sequence[str] = ()) -> Iterator[None]:
    """Render the bot's words in `language` (a wiki's content language) inside the block."""
    token = _LANGUAGES.set(language_chain(language, fallbacks))
    try:
        yield
    finally:
        _LANGUAGES.reset(token)


@lru_cache(maxsize=32)
def _catalog(language: str) -> dict[str, str | list[str]]:
    path = LABELS_DIR / f"{language}.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("@")}


def plural_forms(language: str) -> int:
    """How many forms a count label has in `language` (see plural_form)."""
    return 3 if language.split("-", maxsplit=1)[0] in _FEW else 2


def plural_form(language: str, n: int) -> int:
    """Which form of a count label `n` takes: 0 singular, 1 plural (or few), 2 many."""
    base = language.split("-", maxsplit=1)[0]
    if n == 1 or (n == 0 and base in _ZERO_IS_SINGULAR):
        return 0
    if base in _FEW:
        return 1 if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else 2
    return 1


def label(key: str, n: int | None = None, *, languages: Sequence[str] | None = None,
          **values: object) -> str:
    """The bot's words for `key` in the first language that has them. A list of forms is chosen
    by the count `n` (plural_form); `{name}` takes values[name] (and `{n}` the count) as it is:
    values must already be wikitext-safe."""
    chain = tuple(languages) if languages else _LANGUAGES.get()
    for language in (*chain, "en"):
        text = _catalog(language).get(key)
        if text is not None:
            break
    else:
        raise KeyError(f"no label {key!r}")
    if isinstance(text, list):
        text = text[plural_form(language, n or 0)]
    values = {"n": n, **values}
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


@jinja2.pass_context
def _label(context: jinja2.runtime.Context, key: str, n: int | None = None,
           **values: object) -> str:
    language = context.get("language")
    return label(key, n, languages=language_chain(language) if language else None, **values)


@lru_cache(maxsize=8)
def environment(extra_dir: str | None = None) -> jinja2.Environment:
    """The jinja2 environment; `extra_dir` (an operator's folder) wins over the shipped one."""
    dirs = [extra_dir, str(TEMPLATES_DIR)] if extra_dir else [str(TEMPLATES_DIR)]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs),
        autoescape=False,  # noqa: S701 - wikitext, not HTML: values are made inert explicitly
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["inert"] = inert
    env.filters["link_target"] = link_target
    env.filters["excerpt"] = excerpt
    env.globals["label"] = _label
    return env


def load(template: str, extra_dir: str | None = None) -> jinja2.Template:
    """One template by file name, compiled on its first use in a process."""
    return environment(extra_dir).get_template(template)


def render(template: str, extra_dir: str | None = None, **values: object) -> str:
    """Render one template by file name, e.g. render("summary.wikitext.j2", ...)."""
    return load(template, extra_dir).render(**values)


def load_file(path: str | Path) -> jinja2.Template:
    """An operator-supplied template file given by path (its folder wins over the shipped one)."""
    path = Path(path)
    return load(path.name, str(path.resolve().parent))


def render_file(path: str | Path, **values: object) -> str:
    """Render an operator-supplied template file given by path."""
    return load_file(path).render(**values)
