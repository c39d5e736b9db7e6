"""Errors the bot reports as one line, and the exit statuses they map to.

Exit statuses: 0 success (pages skipped by {{nobots}}, protection or the on-wiki shutoff page
included), 1 some page failed (others were still processed), 2 bad usage, bad configuration or bad
input (file, profile, page).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_PAGE_FAILED = 1
EXIT_USAGE = 2


class BotError(Exception):
    """An error shown to the user as one line; carries its exit status."""

    exit_status = EXIT_PAGE_FAILED


class InputError(BotError):
    """Bad input: an unreadable or malformed file, profile, configuration or argument."""

    exit_status = EXIT_USAGE
