"""What `serve` keeps in memory from one pass to the next: the pages a pass left with nothing
pending, with the latest revision of each page and summary subpage as it left them. The next pass
asks the wiki once for the latest revisions of all of them and maintains only the pages where one
moved (or whose options, site profile or templates changed); the others cost nothing more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import PageOptions
from bot.text.model.profile import SiteProfile
from bot.wiki.reads import latest_revisions
from bot.wiki.site import Wiki


@dataclass(frozen=True)
class Settled:
    fingerprint: str  # the options, profile and templates the page was maintained with
    revisions: dict[str, int]  # canonical title -> the latest revision when the pass left it


@dataclass
class PassMemory:
    pages: dict[str, Settled] = field(default_factory=dict)  # by canonical title

    def unchanged(
        self, wiki: Wiki, pages: Sequence[PageOptions], profile: SiteProfile
    ) -> set[str]:
        """The titles (as configured) of the pages that need nothing this pass: settled at an
        earlier pass with the same options, and no revision since. One request for up to 500
        titles (50 without apihighlimits), none when no page is settled."""
        candidates = {}
        for options in pages:
            kept = self.pages.get(wiki.canonical_title(options.title))
            if kept is not None and kept.fingerprint == fingerprint(options, profile):
                candidates[options.title] = kept
        if not candidates:
            return set()
        latest = latest_revisions(wiki, [t for k in candidates.values() for t in k.revisions])
        return {
            title for title, kept in candidates.items()
            if all(latest.get(t) == revid for t, revid in kept.revisions.items())
        }

    def keep(
        self, wiki: Wiki, maintained: Sequence[PageOptions], settled: dict[str, dict[str, int]],
        profile: SiteProfile,
    ) -> None:
        """After a pass: remember the maintained pages it settled, forget the others."""
        for options in maintained:
            title = wiki.canonical_title(options.title)
            if title in settled:
                self.pages[title] = Settled(fingerprint(options, profile), settled[title])
            else:
                self.pages.pop(title, None)


def fingerprint(options: PageOptions, profile: SiteProfile) -> str:
    """What a page's maintenance depends on besides its revisions: its options, the site
    profile, and the operator's template files."""
    digest = hashlib.sha256(repr((options, profile)).encode())
    for path in (options.collapse_template, options.summary_template):
        if path:
            try:
                digest.update(Path(path).read_bytes())
            except OSError:
                digest.update(b"\0unreadable")
    return digest.hexdigest()
