"""Whether an edit signed: did it add a link to its author's user page, talk page or
contributions in the section where it wrote a line (SineBot's per-edit verdict)?

Reads two revision texts, before and after the edit; the sections of a text are the lines between
its headings, and a section of one revision is matched to the other by its heading line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.text.model.masking import mask
from bot.text.model.profile import SiteProfile, normalize_user
from bot.text.model.sections import parse_heading
from bot.text.model.signatures import user_links


@dataclass(frozen=True)
class _Section:
    key: tuple[str, int]  # the heading line and its ordinal among equal ones ("", 0 above all)
    start: int  # 0-based first line (the heading's)
    end: int  # 0-based, exclusive


class RevisionSections:
    """The sections of one revision's text and the user links in each, computed on demand."""

    def __init__(self, text: str, profile: SiteProfile) -> None:
        self.profile = profile
        self.masked = mask(text).split("\n")
        starts: list[tuple[int, str]] = [(0, "")]
        for i, line in enumerate(self.masked):
            if line.startswith("=") and parse_heading(line) is not None:
                starts.append((i, line.strip()))
        seen: Counter[str] = Counter()
        self.sections: list[_Section] = []
        for k, (start, heading) in enumerate(starts):
            end = starts[k + 1][0] if k + 1 < len(starts) else len(self.masked)
            self.sections.append(_Section((heading, seen[heading]), start, end))
            seen[heading] += 1
        self._by_key = {s.key: s for s in self.sections}
        self._links: dict[tuple[str, int], Counter[str]] = {}

    def section_of(self, index: int) -> _Section:
        for section in reversed(self.sections):
            if section.start <= index:
                return section
        return self.sections[0]

    def links(self, key: tuple[str, int]) -> Counter[str]:
        """How many links to each user's pages the section has (none if it does not exist)."""
        if key not in self._links:
            counts: Counter[str] = Counter()
            section = self._by_key.get(key)
            if section is not None:
                for line in self.masked[section.start : section.end]:
                    if "[[" in line:
                        counts.update(link.user for link in user_links(line, self.profile))
            self._links[key] = counts
        return self._links[key]


def edit_signs(
    before: RevisionSections, after: RevisionSections, line: int, user: str
) -> bool:
    """Whether the edit from `before` to `after` added, in the section of `after` that holds
    `line` (0-based), a link to `user`'s user page, talk page or contributions.

    ~~~~ and ~~~ both write such a link; a bare timestamp (~~~~~) does not. Someone else's
    link, a mention of another user, does not sign the edit either.
    """
    key = after.section_of(line).key
    name = normalize_user(user)
    return after.links(key)[name] > before.links(key)[name]
