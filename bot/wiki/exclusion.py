"""The bot exclusion protocol ({{bots}}, {{nobots}}), with names compared as MediaWiki compares
user names.

pywikibot's botMayEdit compares the names in `{{bots|deny=...}}` with the account's name
character for character, so `deny=consultationBot` or `deny=Consultation_Bot` did not exclude
`ConsultationBot`, although MediaWiki takes them for the same user (first letter case-insensitive,
underscores as spaces). This is pywikibot's decision with that one difference; it works on the
templates and parameters pywikibot extracts (`Page.templatesWithParams`), or any other source of
them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from bot.text.model.profile import normalize_title

# The names a `{{bots|allowscript=...}}` / `denyscript=` list may use for this bot.
SCRIPT_NAMES = frozenset({"consultation-bot", "consultationbot", "consultation bot"})


def user_key(name: str) -> str:
    """A user name as MediaWiki stores it: underscores and runs of spaces are one space, no
    leading or trailing space, the first letter upper case (`ucfirst`)."""
    return normalize_title(unicodedata.normalize("NFC", name))


def bots_allow(
    templates: Iterable[tuple[str, Sequence[str]]],
    username: str,
    restricted: Iterable[str] = (),
) -> bool:
    """Whether the page's exclusion templates let `username` edit it.

    `templates` are (name without namespace, parameters as pywikibot gives them: positional
    first, named ones as `key=value`); `restricted` are the site's other templates that forbid
    bots (pywikibot's get_edit_restricted_templates, say {{in use}}).
    """
    me = user_key(username)
    blocked = {user_key(name) for name in restricted}

    def names(value: str) -> tuple[bool, set[str], set[str]]:
        raw = [part.strip() for part in value.split(",")]
        everyone = any(part.lower() == "all" for part in raw)
        return everyone, {user_key(part) for part in raw if part}, {p.lower() for p in raw}

    for name, params in templates:
        title = user_key(name)
        if title in blocked:
            return False
        if title not in ("Bots", "Nobots"):
            continue
        if params:
            key, sep, value = params[0].partition("=")
            if not sep:
                key, value = "", key
            key = key.strip().lower()
        else:
            key, value = "", ""
        everyone, users, scripts = names(value)
        if title == "Nobots":
            if not params or key:
                return False  # {{nobots}}; a keyed parameter is refused too, as pywikibot does
            if everyone or me in users or scripts & SCRIPT_NAMES:
                return False
            continue
        if not key or not value.strip():
            continue  # {{bots}} alone, or {{bots|x}}: not a restriction (pywikibot ignores it)
        if key == "allow" and not (everyone or me in users):
            return False
        if key == "deny" and (everyone or me in users):
            return False
        if key == "allowscript" and not (everyone or scripts & SCRIPT_NAMES):
            return False
        if key == "denyscript" and (everyone or scripts & SCRIPT_NAMES):
            return False
    return True
