"""Entry point of the subcommands that use the wiki: run, serve, attribute and profile.

pywikibot's global options (-simulate, -dir:, -user:, -family:, -lang:, -site:, -pt: ...) are taken
by pywikibot.handle_args; the rest are ours. The Site is created here, at run time, never at import.
"""

from __future__ import annotations

import argparse
import logging
import threading
from pathlib import Path

from bot.config import Config, PageOptions, load_config, title_key
from bot.errors import EXIT_OK, EXIT_PAGE_FAILED, EXIT_USAGE, BotError, InputError
from bot.ops.redact import RedactingFilter, Redactor, install
from bot.text.model.profile import SiteProfile, load_profile
from bot.titles import title_problem

DEFAULT_CONFIG = "consultation-bot.toml"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(message)


def _parser(command: str) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=f"consultation-bot {command}",
        allow_abbrev=False,
        description="pywikibot's global options (-simulate, -dir:, -user:, -family:, -lang:, "
        "-pt:, ...) are accepted too.",
    )
    if command == "profile":
        parser.description = ("Print the wiki's site profile as JSON, as --profile reads it. "
                              + str(parser.description))
        return parser
    parser.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH",
                        help=f"TOML configuration (default: {DEFAULT_CONFIG})")
    parser.add_argument("--page", action="append", metavar="TITLE",
                        help="only this page (repeatable; also -page:TITLE, as in pywikibot): a "
                        "configured page, or one that transcludes bot.optin_template")
    if command in ("run", "serve"):
        parser.add_argument("--any-page", action="store_true",
                            help="let --page name any page (it gets the [defaults])")
    parser.add_argument("--profile", metavar="PATH",
                        help="site profile JSON (default: read from the wiki)")
    if command in ("run", "serve"):
        parser.add_argument("--dry-run", action="store_true",
                            help="show the diffs that would be saved; send no write request")
    return parser


def select_pages(config: Config, titles: list[str] | None) -> list[PageOptions]:
    """For `attribute`: the configured pages, or the named ones (any page, read-only)."""
    if not titles:
        return list(config.pages)
    configured = {title_key(p.title): p for p in config.pages}
    from dataclasses import replace

    return [configured.get(title_key(t)) or replace(config.defaults, title=t) for t in titles]


def _page_options(argv: list[str]) -> list[str]:
    """pywikibot's `-page:Title` form of `--page Title`."""
    found = []
    for arg in argv:
        if arg.startswith("-page:"):
            found += ["--page", arg.removeprefix("-page:")]
        else:
            found.append(arg)
    return found


def _check_titles(titles: list[str]) -> None:
    for title in titles:
        problem = title_problem(title)
        if problem:
            raise InputError(f"--page: {title[:100]!r} is not a page title: {problem}")


def wiki_main(command: str, argv: list[str]) -> int:
    if {"-h", "--help", "-help"} & set(argv):
        _parser(command).print_help()
        return EXIT_OK
    # Our options first, so a bad configuration is reported before anything touches the wiki.
    args, pywikibot_args = _parser(command).parse_known_args(_page_options(argv))
    ours = [a for a in pywikibot_args if a.startswith("--")]
    if ours:
        raise InputError(f"unrecognized arguments: {' '.join(ours)}")
    args.pywikibot_args = pywikibot_args
    config, profile = Config(), None
    if command != "profile":
        _check_titles(args.page or [])
        config = load_config(args.config)
        profile = load_profile(args.profile) if args.profile else None
        if not (config.pages or args.page or config.bot.optin_template):
            raise InputError(
                f"{args.config}: no [[pages]] configured, no bot.optin_template and no --page "
                "given"
            )
    # Output is scrubbed of credentials before pywikibot can print anything; the secrets are
    # added once pywikibot's configuration says where the password file is.
    redactor = Redactor()
    install(redactor)
    from bot.ops.signals import StopNow, graceful_stop, stop_signal

    # From here on SIGTERM is heard in every wait, pywikibot's first requests included.
    with graceful_stop() as stop:
        try:
            return _with_pywikibot(command, args, config, profile=profile, redactor=redactor,
                                   stop=stop)
        except StopNow:
            print(f"stopped by {stop_signal()} before the pass began", flush=True)
            return EXIT_OK


def _with_pywikibot(
    command: str, args: argparse.Namespace, config: Config, *, profile: SiteProfile | None,
    redactor: Redactor, stop: threading.Event,
) -> int:
    """The wiki commands, once our own options and the configuration are known to be good."""
    try:
        import pywikibot
    except RuntimeError as exc:  # its configuration directory (-dir:, PYWIKIBOT_DIR) is missing
        raise InputError(f"pywikibot configuration: {_first_line(exc)}") from None

    redactor.add(_secrets(pywikibot.config))
    check_password_file(pywikibot.config)
    from bot.wiki.limits import apply_limits

    apply_limits(config.bot)  # before handle_args: it already sends requests
    # On the logger too: handle_args replaces the handlers, then already sends a request.
    pywiki = logging.getLogger("pywiki")
    pywiki.addFilter(RedactingFilter(redactor))
    pywiki.addFilter(_LastLineOfTraceback())
    unknown = _handle_pywikibot_args(args.pywikibot_args)
    install(redactor)  # pywikibot's log handlers exist now
    if unknown:
        raise InputError(f"unrecognized arguments: {' '.join(unknown)}")
    if command == "profile":
        return print_profile()
    if command == "attribute":
        return attribute_pages(config, select_pages(config, args.page), profile)

    from bot.wiki.passes import locked_pass

    requested = tuple(args.page or ())
    if command == "run":
        return locked_pass(config, None, profile, dry_run=args.dry_run,
                           requested=requested, any_page=args.any_page)
    from bot.ops.schedule import serve

    def one_pass() -> int:
        # The configuration is read again for every pass: an operator's change needs no
        # restart, and a broken file stops that pass only (logged), not the service.
        fresh = load_config(args.config)
        return locked_pass(fresh, None, profile, dry_run=args.dry_run,
                           requested=requested, any_page=args.any_page)

    return serve(one_pass, config.bot.interval_minutes, stop=stop)


def _handle_pywikibot_args(argv: list[str]) -> list[str]:
    """pywikibot's global options; returns the arguments it did not know.

    pywikibot.handle_args also creates the Site, which asks the wiki who is logged in: a wiki that
    cannot be reached, or a configuration that names no known wiki, is one error line here.
    """
    import pywikibot
    from pywikibot import exceptions as pwb_errors

    # handle_args reads the process's own arguments when given an empty list: those hold our
    # options too, so pywikibot's copy of them is set to exactly its own.
    pywikibot.argvu = [pywikibot.argvu[0] if pywikibot.argvu else "consultation-bot", *argv]
    try:
        return pywikibot.handle_args(argv)
    except EOFError:  # pywikibot asked for a password and there is no terminal to answer
        raise InputError(_NO_LOGIN_ENTRY) from None
    except SystemExit as exc:  # pywikibot exits on an unknown family or site
        raise InputError("pywikibot configuration: unknown family or site") from exc
    except (pwb_errors.UnknownSiteError, pwb_errors.UnknownFamilyError) as exc:
        raise InputError(f"pywikibot configuration: {_first_line(exc)}") from None
    except (pwb_errors.Error, OSError) as exc:
        raise BotError(f"cannot reach the wiki: {_first_line(exc)}") from None


_NO_LOGIN_ENTRY = (
    "pywikibot asked for the account's password, with no terminal to answer it: give the "
    "account a BotPassword line in the file named by password_file in user-config.py"
)


class _LastLineOfTraceback(logging.Filter):
    """pywikibot logs the whole traceback of a failed request it retries; operators get its last
    line (the error itself). With -verbose the traceback stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        import pywikibot

        message = record.getMessage()
        if message.startswith("Traceback (most recent call last):") and not (
            pywikibot.config.verbose_output
        ):
            lines = [line for line in message.splitlines() if line.strip()]
            record.msg, record.args = f"request failed: {lines[-1].strip()}", ()
        return True


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


def check_password_file(pwb_config: object) -> None:
    """pywikibot's password file, checked as pywikibot reads it, so that a malformed line is one
    error line (pywikibot raises a bare ValueError at login). No content is ever shown."""
    from bot.ops.redact import password_file_problem

    name = getattr(pwb_config, "password_file", None)
    if not name:
        return
    path = Path(getattr(pwb_config, "base_dir", ""), name)
    if not path.is_file():
        path = Path(name)
    if not path.is_file():
        raise InputError(f"pywikibot's password file {name!r} does not exist (password_file in "
                         "user-config.py)")
    problem = password_file_problem(path)
    if problem:
        raise InputError(f"{path}: {problem}")


def _secrets(pwb_config: object) -> list[str]:
    """The credentials pywikibot is configured with: the password file's and OAuth tokens."""
    from bot.ops.redact import secrets_from_password_file

    found: list[str] = []
    password_file = getattr(pwb_config, "password_file", None)
    if password_file:
        found += secrets_from_password_file(password_file)
    for tokens in (getattr(pwb_config, "authenticate", None) or {}).values():
        if isinstance(tokens, tuple | list):
            found += [t for t in tokens if isinstance(t, str) and t]
    return found


def connect() -> object:
    """The configured Site, logged in. Problems of configuration or login are InputErrors."""
    import pywikibot
    from pywikibot import exceptions as pwb_errors

    try:
        site = pywikibot.Site()
        site.login()
    except EOFError:
        raise InputError(_NO_LOGIN_ENTRY) from None
    except (ValueError, FileNotFoundError) as exc:  # pywikibot's reading of the password file
        raise InputError(f"pywikibot's password file: {_first_line(exc)}") from None
    except (pwb_errors.NoUsernameError, pwb_errors.UnknownSiteError,
            pwb_errors.UnknownFamilyError) as exc:
        raise InputError(f"pywikibot configuration: {_first_line(exc)}") from None
    except (pwb_errors.Error, OSError) as exc:
        raise BotError(f"cannot log in: {_first_line(exc)}") from None
    if not site.logged_in():
        raise InputError("cannot log in: check user-config.py and the BotPassword")
    return site


def print_profile() -> int:
    """The `profile` command: the wiki's site profile, read from it now, as JSON."""
    import json

    from bot.text.model.profile import profile_to_dict
    from bot.wiki.profile import read_profile
    from bot.wiki.site import Wiki

    profile = read_profile(Wiki(connect()))
    print(json.dumps(profile_to_dict(profile), ensure_ascii=False, indent=1))
    return EXIT_OK


def attribute_pages(
    config: Config, pages: list[PageOptions], profile: SiteProfile | None
) -> int:
    """The read-only `attribute` command: who would be tagged, and why others would not."""
    from dataclasses import replace
    from datetime import timedelta

    from bot.state import StateStore, checked
    from bot.wiki.attribute import describe_attributions
    from bot.wiki.profile import cached_profile
    from bot.wiki.run import utc_now
    from bot.wiki.site import Wiki

    wiki = Wiki(connect())
    if profile is None:
        profile = cached_profile(
            wiki, config.resolve(config.bot.state_dir),
            timedelta(hours=config.bot.profile_ttl_hours), utc_now(),
        )
    store = StateStore(config.resolve(config.bot.state_dir))
    status = EXIT_OK
    for given in pages:
        options = replace(given, title=wiki.canonical_title(given.title))
        snapshot = wiki.read(options.title)
        if not snapshot.exists:
            print(f"[[{options.title}]]: error: the page does not exist", flush=True)
            status = EXIT_PAGE_FAILED
            continue
        state, warning = store.load(snapshot.title)
        if warning is None:
            state, warning = checked(state, snapshot.revid, snapshot.text)
        if warning:
            print(f"[[{options.title}]]: warning: {warning}", flush=True)
        for line in describe_attributions(wiki, snapshot, options, profile, state, now=utc_now()):
            print(line, flush=True)
    return status


__all__ = ["EXIT_USAGE", "wiki_main"]
