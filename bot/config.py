"""The operator's TOML configuration: which pages the bot maintains, and how.

Loaded with the standard library's tomllib and validated on load: an unknown key, a value of the
wrong type or out of range, a title MediaWiki would refuse, or a template file that cannot be used
is one InputError line naming the key (exit status 2). Options are frozen dataclasses.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from bot.errors import InputError
from bot.titles import subpage_problem, title_problem

COLLAPSE_STYLES = ("replace-heading", "keep-heading")


@dataclass(frozen=True)
class PageOptions:
    """What the bot does on one consultation page. Every key may appear in [defaults] too."""

    title: str = ""
    collapse: bool = True
    collapse_style: str = "replace-heading"
    collapse_levels: tuple[int, ...] = (3,)
    collapse_title_pattern: str = ""
    collapse_template: str = ""  # an operator's own box template file
    summary: bool = True
    summary_subpage: str = "Summary"
    summary_json: bool = True  # also save <page>/<summary_subpage>.json (JSON content model)
    summary_template: str = ""
    summary_account_ages: bool = False  # ask the wiki when newcomers' accounts were created
    placeholder_patterns: tuple[str, ...] = ()  # extra prompt phrases (regular expressions)
    tag_unsigned: bool = False
    tag_undated: bool = False
    grace_minutes: int = 30
    opt_out: tuple[str, ...] = ()
    # Empty: the wiki's own templates and their parameter order (the site profile's).
    unsigned_template: str = ""
    unsigned_ip_template: str = ""
    undated_template: str = ""
    unsigned_order: tuple[str, ...] = ()
    unsigned_subst: bool = False
    baseline_revision: int = 0  # 0: the page's first revision is the organizers' text
    organizers: tuple[str, ...] = ()  # users whose text is question text, never a comment


@dataclass(frozen=True)
class BotOptions:
    """Options of the whole bot ([bot] table)."""

    state_dir: str = "state"
    report: str = ""  # where to write the JSON run report; empty: none
    shutoff_page: str = ""  # on-wiki emergency shutoff page; empty: none
    shutoff_run_value: str = "run"
    status_page: str = ""  # on-wiki status page; empty: none
    optin_template: str = ""  # pages transcluding this template are maintained too
    interval_minutes: int = 60
    lock_file: str = "consultation-bot.lock"
    lock_wait_seconds: int = 60
    max_conflict_retries: int = 3
    # Bounds on pywikibot's own settings (the smaller of the two is used), so that a pass gives up
    # within two minutes when the wiki is down: at most 4 attempts per request, waits of 5, 10
    # and 20 s between them, 15 s for an answer (5 s to connect).
    max_retries: int = 3
    retry_wait_seconds: int = 5
    retry_max_seconds: int = 20
    timeout_seconds: int = 15
    page_budget_seconds: int = 60  # CPU time to plan one page; a page over it is skipped
    profile_ttl_hours: int = 24  # how long the site profile read from the wiki is kept


@dataclass(frozen=True)
class Config:
    bot: BotOptions = field(default_factory=BotOptions)
    defaults: PageOptions = field(default_factory=PageOptions)
    pages: tuple[PageOptions, ...] = ()
    path: str = ""  # the file it came from; relative paths in it are relative to its folder

    def resolve(self, relative: str) -> Path:
        base = Path(self.path).parent if self.path else Path.cwd()
        return base / relative


# Every integer has a range: a value past it would overflow a date or a timer, or stall the bot.
_YEAR_MINUTES = 366 * 24 * 60
INT_RANGES: dict[str, tuple[int, int]] = {
    "grace_minutes": (0, 10 * _YEAR_MINUTES),
    "baseline_revision": (0, 2**53),
    "interval_minutes": (1, _YEAR_MINUTES),
    "lock_wait_seconds": (0, 24 * 3600),
    "max_conflict_retries": (0, 20),
    "max_retries": (0, 20),
    "retry_wait_seconds": (0, 600),
    "retry_max_seconds": (0, 3600),
    "timeout_seconds": (1, 600),
    "page_budget_seconds": (1, 24 * 3600),
    "profile_ttl_hours": (0, 366 * 24),
}


def _check(where: str, key: str, value: Any, kind: Any) -> Any:
    """Convert a TOML value to the dataclass field's type, or raise InputError."""
    name = f"{where}.{key}" if where else key
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise InputError(f"{name}: expected true or false, got {type(value).__name__}")
    if kind is int:
        low, high = INT_RANGES.get(key, (0, 2**31 - 1))
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        raise InputError(f"{name}: expected an integer from {low} to {high}")
    if kind is str:
        if isinstance(value, str):
            return value
        raise InputError(f"{name}: expected a string, got {type(value).__name__}")
    item = int if kind == "tuple[int, ...]" else str
    if isinstance(value, list) and all(
        isinstance(v, item) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    raise InputError(f"{name}: expected a list of {'integers' if item is int else 'strings'}")


def _build(cls: type, where: str, table: Any, base: Any = None) -> Any:
    if not isinstance(table, dict):
        raise InputError(f"{where}: expected a table")
    types = {f.name: _field_kind(f.type) for f in fields(cls)}
    values = {}
    for key, value in table.items():
        if key not in types or key == "path":
            raise InputError(f"{where}.{key}: unknown key" if where else f"{key}: unknown key")
        values[key] = _check(where, key, value, types[key])
    return replace(base, **values) if base is not None else cls(**values)


def _field_kind(annotation: Any) -> Any:
    return {"bool": bool, "int": int, "str": str}.get(annotation, annotation)


def page_problems(where: str, page: PageOptions) -> list[str]:
    """What is wrong with a page's options that the types alone do not show (for opt-ins too)."""
    problems = []
    if page.title.strip():
        problem = title_problem(page.title)
        if problem:
            problems.append(f"{where}.title: {page.title[:80]!r} is not a page title: {problem}")
    problem = subpage_problem(page.summary_subpage)
    if problem:
        problems.append(f"{where}.summary_subpage: {page.summary_subpage[:80]!r} is not a "
                        f"subpage name: {problem}")
    elif page.title.strip() and not title_problem(page.title):
        subpage = f"{page.title}/{page.summary_subpage}.json"
        if title_problem(subpage):
            problems.append(f"{where}.summary_subpage: the summary's title would not be a page "
                            f"title: {title_problem(subpage)}")
    for key in ("unsigned_template", "unsigned_ip_template", "undated_template"):
        name = getattr(page, key)
        problem = title_problem(name) if name else ""  # "": the wiki's own
        if problem:
            problems.append(f"{where}.{key}: {name[:80]!r} is not a template name: {problem}")
    low, high = INT_RANGES["grace_minutes"]
    if not low <= page.grace_minutes <= high:
        problems.append(f"{where}.grace_minutes: expected an integer from {low} to {high}")
    return problems


def _validate_page(where: str, page: PageOptions) -> None:
    if not page.title.strip():
        raise InputError(f"{where}.title: every page needs a title")
    problems = page_problems(where, page)
    if problems:
        raise InputError(problems[0])
    if page.collapse_style not in COLLAPSE_STYLES:
        raise InputError(f"{where}.collapse_style: expected one of {', '.join(COLLAPSE_STYLES)}")
    if not page.collapse_levels or any(not 1 <= n <= 6 for n in page.collapse_levels):
        raise InputError(f"{where}.collapse_levels: levels are 1 to 6")
    if page.unsigned_order and sorted(page.unsigned_order) != ["date", "user"]:
        raise InputError(f'{where}.unsigned_order: expected ["user", "date"] in some order')
    for key, pattern in [("collapse_title_pattern", page.collapse_title_pattern)] + [
        ("placeholder_patterns", p) for p in page.placeholder_patterns
    ]:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise InputError(f"{where}.{key}: invalid regular expression: {exc}") from None
    for key, path in (("collapse_template", page.collapse_template),
                      ("summary_template", page.summary_template)):
        if path:
            check_template(f"{where}.{key}", path)


def check_template(where: str, path: str) -> None:
    """An operator's template must be readable jinja2, or the pass would stop at that page."""
    import jinja2

    from bot.render import environment

    try:
        source = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise InputError(f"{where}: cannot read {path}: {reason}") from None
    try:
        environment().from_string(source)  # compiles: syntax and unknown filters
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"{where}: {path} line {exc.lineno}: {exc.message}") from None


def title_key(title: str) -> str:
    """A title as MediaWiki compares it: underscores are spaces, the first letter upper case, and
    after a namespace prefix (any case) too. A main-namespace title with a colon may be folded
    with another one: for finding a page listed twice, a rare false alarm beats a double run."""
    title = " ".join(title.replace("_", " ").split())
    head, colon, rest = title.partition(":")
    if colon and rest.strip():
        rest = rest.strip()
        return f"{head.strip().casefold()}:{rest[:1].upper()}{rest[1:]}"
    return title[:1].upper() + title[1:]


def config_from_dict(data: dict[str, Any], source: str = "") -> Config:
    unknown = set(data) - {"bot", "defaults", "pages"}
    if unknown:
        raise InputError(f"{sorted(unknown)[0]}: unknown key")
    bot = _build(BotOptions, "bot", data.get("bot", {}))
    for key in ("shutoff_page", "status_page", "optin_template"):
        value = getattr(bot, key)
        problem = title_problem(value) if value else ""
        if problem:
            raise InputError(f"bot.{key}: {value[:80]!r} is not a page title: {problem}")
    defaults = _build(PageOptions, "defaults", data.get("defaults", {}))
    if defaults.title:
        raise InputError("defaults.title: a title belongs in a [[pages]] entry")
    problems = page_problems("defaults", defaults)
    if problems:
        raise InputError(problems[0])
    pages_data = data.get("pages", [])
    if not isinstance(pages_data, list):
        raise InputError("pages: expected [[pages]] entries")
    pages = []
    for i, table in enumerate(pages_data):
        page = _build(PageOptions, f"pages[{i}]", table, defaults)
        _validate_page(f"pages[{i}]", page)
        pages.append(page)
    seen: dict[str, str] = {}
    for page in pages:
        key = title_key(page.title)
        if key in seen:
            raise InputError(f"pages: {page.title!r} is listed twice (as {seen[key]!r} too)")
        seen[key] = page.title
    return Config(bot=bot, defaults=defaults, pages=tuple(pages), path=source)


def load_config(path: str | Path) -> Config:
    """Read and validate a configuration file; every problem is one line with the file name."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read configuration: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: configuration is not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from None
    try:
        return config_from_dict(data, str(path))
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
