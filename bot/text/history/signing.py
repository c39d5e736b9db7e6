"""Whether an edit signed: did it add a link to its author's user page, talk page or
contributions in the section where it wrote a line (SineBot's per-edit verdict)? Or did it add,
at its own time, a signature naming someone else (a renamed account's old name, a mention before
`~~~~~`), which leaves the author in doubt?

Reads two revision texts, before and after the edit; the sections of a text are the lines between
its headings, and a section of one revision is matched to the other by its heading line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.text.model.masking import mask
from bot.text.model.profile import SiteProfile, normalize_user
from bot.text.model.sections import parse_heading
from bot.text.model.signatures import SIGNATURE_GAP, find_signature, user_links

# A signature dated this close to an edit's time was written by that edit's ~~~~ (its time is
# to the minute).
SAME_SAVE = timedelta(minutes=2)
OWN, OTHER = "own", "other"


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
        self._signatures: dict[tuple[str, int], Counter[tuple[str, datetime]]] = {}

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


    def signatures(self, key: tuple[str, int]) -> Counter[tuple[str, datetime]]:
        """The dated signatures of the section: (user, time) -> how many."""
        if key not in self._signatures:
            counts: Counter[tuple[str, datetime]] = Counter()
            section = self._by_key.get(key)
            if section is not None:
                for line in self.masked[section.start : section.end]:
                    if "[[" in line:
                        found = find_signature(line, self.profile)
                        if (
                            found is not None and found.status == "signed" and found.author
                            and (found.gap or 0) < SIGNATURE_GAP  # not a mention's prose
                        ):
                            counts[(found.author, found.timestamp)] += 1  # type: ignore[index]
            self._signatures[key] = counts
        return self._signatures[key]


def edit_signs(
    before: RevisionSections, after: RevisionSections, line: int, user: str, when: datetime
) -> str | None:
    """How the edit from `before` to `after` (by `user`, saved at `when`) signed in the section
    of `after` that holds `line` (0-based): OWN, OTHER or None.

    OWN: it added a link to `user`'s user page, talk page or contributions (what ~~~~ and ~~~
    write). OTHER: it did not, but it added a signature dated at its own time that names someone
    else: an account renamed since (old signatures keep the old name), another account of the
    same person, or a mention close before a bare ~~~~~. None: it did not sign. Someone else's
    older signature moved or copied into the section is no signature of this edit.
    """
    key = after.section_of(line).key
    name = normalize_user(user)
    if after.links(key)[name] > before.links(key)[name]:
        return OWN
    added = after.signatures(key) - before.signatures(key)
    minute = when.replace(second=0, microsecond=0)
    if any(
        normalize_user(author) != name and abs(stamp - minute) <= SAME_SAVE
        for author, stamp in added
    ):
        return OTHER
    return None
