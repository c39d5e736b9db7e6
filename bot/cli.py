"""The `consultation-bot` command: parses arguments and hands each subcommand to its module.

Offline subcommands (analyze, convert, unconvert, summary) work on a file or standard input.
Wiki subcommands (run, attribute, serve, profile) import pywikibot only when called.
Exit statuses are listed in bot.errors.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bot.errors import EXIT_USAGE, BotError, InputError
from bot.text.model.analysis import Analysis, analysis_items, analyze
from bot.text.model.memory import read_once
from bot.text.model.profile import ENGLISH, SiteProfile, load_profile
from bot.text.model.prompts import DEFAULT_PROMPT_PHRASES

PROG = "consultation-bot"
WIKI_COMMANDS = ("run", "attribute", "serve", "profile")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, no usage dump: the user asked for `--help` if they want it.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def read_input(path: str) -> str:
    """The text of a file (or standard input for '-'), which must be UTF-8."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    # As MediaWiki stores a page: no byte order mark, line ends as LF.
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _phrases(args: argparse.Namespace) -> tuple[str, ...]:
    """The prompt phrases: the built-in ones and the operator's --placeholder patterns."""
    extra = tuple(getattr(args, "placeholder", None) or ())
    for pattern in extra:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise InputError(f"--placeholder: invalid regular expression: {exc}") from None
    return DEFAULT_PROMPT_PHRASES + extra


def _profile(args: argparse.Namespace) -> SiteProfile:
    return load_profile(args.profile) if getattr(args, "profile", None) else ENGLISH


def _print_report(analysis: Analysis) -> None:
    by_section: dict[int | None, list] = {}
    for comment in analysis.comments:
        by_section.setdefault(comment.section_index, []).append(comment)
    prompts: dict[int | None, list] = {}
    for placeholder in analysis.placeholders:
        prompts.setdefault(placeholder.section_index, []).append(placeholder)
    entries: list[tuple[int | None, str]] = [(None, "(before the first heading)")]
    entries += [
        (i, f"{'=' * s.level} {s.title} {'=' * s.level}  (line {s.line}, #{s.anchor})")
        for i, s in enumerate(analysis.sections)
    ]
    for index, header in entries:
        comments, marks = by_section.get(index, []), prompts.get(index, [])
        if index is None and not comments and not marks:
            continue
        print(header)
        for p in marks:
            state = "filled prompt" if p.filled else "prompt"
            print(f"  line {p.line}: {state}")
        for c in comments:
            who = c.author or "?"
            when = c.timestamp.strftime("%Y-%m-%d %H:%M") if c.timestamp else "no date"
            extra = " (typed into a prompt)" if c.placeholder else ""
            lines = f"line {c.line}" if c.line == c.end_line else f"lines {c.line}-{c.end_line}"
            print(f"  {lines}: {c.status} by {who}, {when}{extra}")
    counts = {s: 0 for s in ("signed", "unsigned", "undated", "tagged")}
    for c in analysis.comments:
        counts[c.status] += 1
    pristine = sum(1 for p in analysis.placeholders if not p.filled)
    print(
        f"{len(analysis.sections)} sections, {len(analysis.comments)} comments "
        f"({', '.join(f'{n} {s}' for s, n in counts.items())}), {pristine} open prompts"
    )


def cmd_analyze(args: argparse.Namespace) -> int:
    with read_once():  # one page, read once: nothing kept for another
        analysis = analyze(read_input(args.file), _profile(args), _phrases(args))
    if args.json:
        _write_json(analysis)
    else:
        _print_report(analysis)
    return 0


def _write_json(analysis: Analysis) -> None:
    """print(json.dumps(analysis_to_dict(analysis), ensure_ascii=False, indent=1)), written an
    item at a time: the JSON of a large page is never one string in memory."""
    write = sys.stdout.write
    write("{")
    for k, (name, items) in enumerate(analysis_items(analysis)):
        write(f'{"," if k else ""}\n {json.dumps(name)}: [')
        empty = True
        for item in items:
            # An item's own lines, indented two levels deeper (no JSON string holds a newline).
            text = json.dumps(item, ensure_ascii=False, indent=1).replace("\n", "\n  ")
            write(f"{'' if empty else ','}\n  {text}")
            empty = False
        write("]" if empty else "\n ]")
    write("\n}\n")


def _print_diff(old: str, new: str, name: str) -> None:
    from bot.text.edits.diff import unified_diff

    diff = unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"{name} (before)", tofile=f"{name} (after)",
    )
    for line in diff:
        # As diff(1) writes it, so that patch(1) can apply the output.
        sys.stdout.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")


def _check_template(args: argparse.Namespace) -> None:
    """An operator's --template file must be UTF-8 jinja2 (one error line, not a traceback)."""
    if getattr(args, "template", None) and Path(args.template).is_file():
        from bot.config import check_template

        check_template("--template", args.template)


def cmd_summary(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.text.reports.summary import build_summary, render_summary, summary_to_dict

    as_of = None
    if args.as_of is not None:
        try:
            as_of = datetime.strptime(args.as_of, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise InputError(
                f"--as-of: expected YYYY-MM-DDTHH:MM:SSZ (UTC), got {args.as_of!r}"
            ) from None
    if not args.title.strip():
        raise InputError("--title: expected the consultation page's title")
    _check_template(args)
    from bot.render import labels_in  # jinja2: only for the commands that render

    profile = _profile(args)
    with read_once():
        analysis = analyze(read_input(args.file), profile, _phrases(args))
    summary = build_summary(analysis, args.title, as_of, profile)
    if args.json:
        print(json.dumps(summary_to_dict(summary), ensure_ascii=False, indent=1))
    else:
        with labels_in(profile.language, profile.language_fallbacks):
            sys.stdout.write(render_summary(summary, args.template))
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from bot.render import labels_in
    from bot.text.edits.collapse import CollapseOptions, convert

    try:
        re.compile(args.title_pattern or "")
    except re.error as exc:
        raise InputError(f"--title-pattern: invalid regular expression: {exc}") from None
    _check_template(args)
    options = CollapseOptions(
        levels=tuple(sorted(set(args.level))) if args.level else (3,),
        title_pattern=args.title_pattern, style=args.style, template=args.template,
    )
    old = read_input(args.file)
    profile = _profile(args)
    with labels_in(profile.language, profile.language_fallbacks), read_once():
        conversion = convert(old, options, profile, _phrases(args))
    for skip in conversion.skipped:
        print(f'{PROG}: not folded: "{skip.title}": {skip.reason}', file=sys.stderr)
    new = conversion.text
    if args.diff:
        _print_diff(old, new, args.file)
    else:
        sys.stdout.write(new)
    return 0


def cmd_unconvert(args: argparse.Namespace) -> int:
    from bot.text.edits.collapse import unconvert

    sys.stdout.write(unconvert(read_input(args.file)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Keep MediaWiki consultation pages tidy.")
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("analyze", help="report sections, comments, signatures and prompts")
    p.add_argument("file", metavar="FILE", help="wikitext file, or - for standard input")
    p.add_argument("--profile", metavar="PATH", help="site profile JSON (default: English)")
    p.add_argument("--json", action="store_true", help="print the model as JSON")
    p.add_argument("--placeholder", metavar="RE", action="append",
                   help="another prompt phrase, a regular expression (repeatable)")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("summary", help="print the summary subpage's wikitext (or JSON)")
    p.add_argument("file", metavar="FILE", help="wikitext file, or - for standard input")
    p.add_argument("--title", required=True, help="the consultation page's title, for links")
    p.add_argument("--json", action="store_true", help="print the summary data as JSON")
    p.add_argument("--as-of", metavar="YYYY-MM-DDTHH:MM:SSZ",
                   help="time of the newest revision, shown as 'as of' (default: no time)")
    p.add_argument("--profile", metavar="PATH", help="site profile JSON (default: English)")
    p.add_argument("--template", metavar="PATH", help="jinja2 template instead of the shipped one")
    p.add_argument("--placeholder", metavar="RE", action="append",
                   help="another prompt phrase, a regular expression (repeatable)")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("convert", help="fold question headings and their intros into boxes")
    p.add_argument("file", metavar="FILE", help="wikitext file, or - for standard input")
    p.add_argument("--level", type=int, action="append", choices=range(1, 7), metavar="N",
                   help="fold headings of this level (repeatable; default: 3)")
    p.add_argument("--title-pattern", metavar="RE",
                   help="fold only headings whose plain title matches this regular expression")
    p.add_argument("--style", choices=("replace-heading", "keep-heading"),
                   default="replace-heading", help="replace the heading (default) or keep it")
    p.add_argument("--template", metavar="PATH", help="jinja2 box template (default: shipped)")
    p.add_argument("--profile", metavar="PATH", help="site profile JSON (default: English)")
    p.add_argument("--diff", action="store_true", help="print a unified diff instead of the page")
    p.add_argument("--placeholder", metavar="RE", action="append",
                   help="another prompt phrase, a regular expression (repeatable)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("unconvert", help="turn the bot's boxes back into headings")
    p.add_argument("file", metavar="FILE", help="wikitext file, or - for standard input")
    p.set_defaults(func=cmd_unconvert)

    for name in WIKI_COMMANDS:
        p = sub.add_parser(name, help=f"{name} on the wiki (see `{PROG} {name} --help`)",
                           add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _version() -> str:
    from bot import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in WIKI_COMMANDS:
            from bot.wiki.main import wiki_main

            return wiki_main(argv[0], argv[1:])
        args = build_parser().parse_args(argv)
        return args.func(args)
    except BotError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except RecursionError:
        print(f"{PROG}: error: the input is nested too deeply to be read", file=sys.stderr)
        return EXIT_USAGE
