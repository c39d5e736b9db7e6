"""Render the wikitext the bot writes from the jinja2 templates in `templates/`.

Values taken from a wiki page (titles, user names, comment text) go through the `inert` filter
(or `link_target` inside [[...]]), which turns every character that wikitext could act on into
an HTML character reference: the text shows literally and changes nothing else on the page.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# Characters that can start markup anywhere in a line, in a table cell or in a link.
_INERT = {
    c: f"&#{ord(c)};"
    for c in "&<>[]{}|~'=_:*#;!-\"/\\"
}
_INERT["\n"] = " "
_INERT["\r"] = " "
_INERT["\t"] = " "
_INERT_TABLE = str.maketrans(_INERT)
# Inside a link target MediaWiki decodes character references, so the same escaping keeps a
# title from closing the link or adding a pipe, while the link still points at the right page.
_TARGET_TABLE = str.maketrans({c: v for c, v in _INERT.items() if c not in ":/-_'!\"\\"})


def inert(value: object) -> str:
    """Text that renders literally in wikitext, on one line, anywhere (table cells included)."""
    return str(value).translate(_INERT_TABLE)


def link_target(value: object) -> str:
    """A page title or fragment made safe to place inside [[...|...]]."""
    return str(value).translate(_TARGET_TABLE)


def excerpt(value: object, length: int = 80) -> str:
    """A one-line excerpt of at most `length` characters, cut at a word boundary."""
    text = " ".join(str(value).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0] or text[: length - 1]
    return cut + "…"


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
