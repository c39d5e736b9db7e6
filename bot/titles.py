"""Page titles as MediaWiki accepts them, checked before anything touches the wiki.

`title_problem` applies MediaWiki's own rules that need no wiki (MediaWikiTitleCodec, as pywikibot's
Link.parse mirrors them); the wiki's canonical spelling (namespace names, first-letter case) is
asked of pywikibot in bot/wiki/site.py.
"""

from __future__ import annotations

import re

MAX_TITLE_BYTES = 255

# $wgLegalTitleChars excludes these; %XX and character references cannot round-trip a link.
_ILLEGAL = re.compile(
    r"[\x00-\x1f\x23\x3c\x3e\x5b\x5d\x7b\x7c\x7d\x7f]|%[0-9A-Fa-f]{2}"
    r"|&[A-Za-z0-9\x80-\xff]+;|&#[0-9]+;|&#x[0-9A-Fa-f]+;"
)


def title_problem(title: str) -> str:
    """Why MediaWiki would refuse `title` as a page title, or "" when it may be one."""
    text = " ".join(title.replace("_", " ").split(" ")).strip(" ")
    if not text:
        return "it is empty"
    match = _ILLEGAL.search(text)
    if match:
        return f"it contains {match.group(0)!r}"
    if text.startswith(":"):
        return "it starts with ':'"
    name = text.split(":", 1)[-1].strip() if ":" in text else text
    if not name:
        return "it has a namespace but no name"
    if "." in name and (
        name in (".", "..") or name.startswith(("./", "../")) or "/./" in name
        or "/../" in name or name.endswith(("/.", "/.."))
    ):
        return "it contains a '.' or '..' path segment"
    if "~~~" in text:
        return "it contains '~~~'"
    if len(name.encode("utf-8")) > MAX_TITLE_BYTES:
        return f"it is longer than {MAX_TITLE_BYTES} bytes"
    return ""


def subpage_problem(name: str) -> str:
    """Why `name` cannot be a subpage name (the part after `Page/`), or ""."""
    if not name.strip(" _"):
        return "it is empty"
    if name.startswith("/") or name.endswith("/"):
        return "it starts or ends with '/'"
    return title_problem(f"X/{name}")
