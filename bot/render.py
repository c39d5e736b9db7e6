"""Render the wikitext the bot writes from the jinja2 templates in `templates/`.

Values taken from a wiki page (titles, user names, comment text) go through the `inert` filter
(or `link_target` inside [[...]]), which turns every character that wikitext could act on into
an HTML character reference: the text shows literally and changes nothing else on the page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

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


def _escape(value: object, table: dict[int, str]) -> str:
    return _MAGIC_LINK.sub(lambda m: f"&#{ord(m.group(1))};", str(value).translate(table))


def inert(value: object) -> str:
    """Text that renders literally in wikitext, on one line, anywhere (table cells included).

    Apply `excerpt` before `inert`, never after: a cut could split a character reference.
    """
    text = _escape(value, _INERT_TABLE)
    # A leading space would start a preformatted block if the value opens a line.
    return "&#32;" + text[1:] if text.startswith(" ") else text


def link_target(value: object) -> str:
    """A page title or fragment made safe to place inside [[...|...]] (after `[[:`, see above)."""
    return _escape(value, _TARGET_TABLE)


def excerpt(value: object, length: int = 80) -> str:
    """A one-line excerpt of at most `length` characters, cut at a word boundary."""
    text = " ".join(str(value).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if text[length - 1] != " ":  # the cut falls inside a word: leave that word out
        cut = cut.rsplit(" ", 1)[0] or cut
    return cut.rstrip() + "…"


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
    return env


def render(template: str, extra_dir: str | None = None, **values: object) -> str:
    """Render one template by file name, e.g. render("summary.wikitext.j2", ...)."""
    return environment(extra_dir).get_template(template).render(**values)


def render_file(path: str | Path, **values: object) -> str:
    """Render an operator-supplied template file given by path."""
    path = Path(path)
    return render(path.name, str(path.resolve().parent), **values)
