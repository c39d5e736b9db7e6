"""Entry point of the subcommands that use the wiki: run (and attribute, serve).

pywikibot's global options (-simulate, -dir:, -user:, -family:, -lang:, -site:, -pt: ...) are taken
by pywikibot.handle_args; the rest are ours. The Site is created here, at run time, never at import.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bot.config import Config, PageOptions, load_config
from bot.errors import EXIT_OK, EXIT_PAGE_FAILED, EXIT_USAGE, BotError, InputError
from bot.text.profile import ENGLISH, SiteProfile, load_profile

DEFAULT_CONFIG = "consultation-bot.toml"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(message)


def _parser(command: str) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=f"consultation-bot {command}",
        description="pywikibot's global options (-simulate, -dir:, -user:, -family:, -lang:, "
        "-pt:, ...) are accepted too.",
    )
    parser.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH",
                        help=f"TOML configuration (default: {DEFAULT_CONFIG})")
    parser.add_argument("--page", action="append", metavar="TITLE",
                        help="only this page (repeatable); a page not in the configuration "
                        "gets the [defaults]")
    parser.add_argument("--profile", metavar="PATH", help="site profile JSON (default: English)")
    if command == "run":
        parser.add_argument("--dry-run", action="store_true",
                            help="show the diffs that would be saved; send no write request")
    return parser


def select_pages(config: Config, titles: list[str] | None) -> list[PageOptions]:
    if not titles:
        return list(config.pages)
    configured = {p.title: p for p in config.pages}
    from dataclasses import replace

    return [configured.get(t) or replace(config.defaults, title=t) for t in titles]


def wiki_main(command: str, argv: list[str]) -> int:
    import pywikibot

    local = pywikibot.handle_args(argv)
    if "-h" in local or "--help" in local:
        _parser(command).print_help()
        return EXIT_OK
    args = _parser(command).parse_args(local)
    config = load_config(args.config)
    profile: SiteProfile = load_profile(args.profile) if args.profile else ENGLISH
    pages = select_pages(config, args.page)
    if not pages:
        raise InputError(f"{args.config}: no [[pages]] configured and no --page given")
    if command == "run":
        return run_pass(config, pages, profile, dry_run=args.dry_run)
    if command == "attribute":
        return attribute_pages(config, pages, profile)
    raise InputError(f"{command}: not available yet")


def connect() -> object:
    """The configured Site, logged in. Problems of configuration or login are InputErrors."""
    import pywikibot
    from pywikibot import exceptions as pwb_errors

    try:
        site = pywikibot.Site()
        site.login()
    except (pwb_errors.NoUsernameError, pwb_errors.UnknownSiteError,
            pwb_errors.UnknownFamilyError) as exc:
        raise InputError(f"pywikibot configuration: {str(exc).splitlines()[0]}") from None
    except pwb_errors.Error as exc:
        raise BotError(f"cannot log in: {str(exc).splitlines()[0]}") from None
    if not site.logged_in():
        raise InputError("cannot log in: check user-config.py and the BotPassword")
    return site


def run_pass(
    config: Config, pages: list[PageOptions], profile: SiteProfile, *, dry_run: bool,
    before_save=None,
) -> int:
    """One pass over the pages; returns the exit status."""
    import pywikibot

    from bot.state import StateStore
    from bot.wiki.run import ConsultationBot, PageMaintainer, utc_now
    from bot.wiki.site import RequestCounter, Wiki

    started = time.monotonic()
    dry_run = dry_run or bool(pywikibot.config.simulate)
    with RequestCounter().counting() as requests:
        site = connect()
        maintainer = PageMaintainer(
            Wiki(site, requests), config, profile, dry_run=dry_run, now=utc_now,
            before_save=before_save, state_store=StateStore(config.resolve(config.bot.state_dir)),
        )
        bot = ConsultationBot(maintainer, pages, site)
        bot.run()
    failed = [r for r in bot.reports if r.error]
    if config.bot.report:
        write_report(config, bot.reports, time.monotonic() - started, dry_run, requests.count)
    return EXIT_PAGE_FAILED if failed else EXIT_OK


def attribute_pages(config: Config, pages: list[PageOptions], profile: SiteProfile) -> int:
    """The read-only `attribute` command: who would be tagged, and why others would not."""
    from bot.state import StateStore
    from bot.wiki.attribute import describe_attributions
    from bot.wiki.run import utc_now
    from bot.wiki.site import Wiki

    wiki = Wiki(connect())
    store = StateStore(config.resolve(config.bot.state_dir))
    status = EXIT_OK
    for options in pages:
        snapshot = wiki.read(options.title)
        if not snapshot.exists:
            print(f"[[{options.title}]]: error: the page does not exist", flush=True)
            status = EXIT_PAGE_FAILED
            continue
        state, _ = store.load(snapshot.title)
        for line in describe_attributions(wiki, snapshot, options, profile, state, now=utc_now()):
            print(line, flush=True)
    return status


def write_report(
    config: Config, reports: list, seconds: float, dry_run: bool, api_requests: int
) -> None:
    path = Path(config.resolve(config.bot.report))
    data = {
        "dry_run": dry_run,
        "duration_seconds": round(seconds, 3),
        "api_requests": api_requests,
        "pages": [
            {"title": r.title, "actions": r.actions, "edits": r.edits, "error": r.error,
             "skipped": r.skipped, "attribution": r.attribution, "warnings": r.warnings}
            for r in reports
        ],
        "edits": sum(len(r.edits) for r in reports),
        "revision_fetches": sum(r.attribution.get("revision_fetches", 0) for r in reports),
        "errors": [f"[[{r.title}]]: {r.error}" for r in reports if r.error],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


__all__ = ["EXIT_USAGE", "wiki_main"]
