"""The ground truth of a played scenario, per comment, as plain data (JSON in and out).

Revision ids, times and user names are those MediaWiki recorded for the scenario's steps
(tests/corpus/driver.py: records()), so an expected tag names the user and minute exactly as
the wiki's own signature would have.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SIGNED, UNDATED, BARE, UNSIGNED = "signed", "undated", "bare timestamp", "unsigned"


@dataclass(frozen=True)
class ParagraphTruth:
    token: int  # the paragraph's line holds "proposal <token>"
    revid: int  # the revision that added it
    minute: str  # that revision's time, as signatures write it
    marker: str


@dataclass(frozen=True)
class CommentRecord:
    id: int
    shape: str
    author: str  # as MediaWiki names the editor (IPv6 expanded, upper case)
    anon: bool
    organizer: bool  # the organizers' (their lines may be folded)
    status: str  # signed | undated | bare timestamp | unsigned
    signature: str  # the kind of the author's signature (default, nickname, talk only, ...)
    paragraphs: tuple[ParagraphTruth, ...]
    signed_revid: int | None  # the revision that wrote its signature or timestamp
    signed_minute: str | None
    expected_tag: tuple[str, str] | None  # (user, minute) for an unsigned comment
    ambiguous_offline: bool  # another editor's line between its paragraphs

    @property
    def tokens(self) -> tuple[int, ...]:
        return tuple(p.token for p in self.paragraphs)

    @property
    def signed(self) -> bool:
        """Carries its author's signature (a tag on it would be wrong)."""
        return self.status in (SIGNED, UNDATED)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["expected_tag"] = list(self.expected_tag) if self.expected_tag else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommentRecord:
        data = dict(data)
        data["paragraphs"] = tuple(ParagraphTruth(**p) for p in data["paragraphs"])
        tag = data.get("expected_tag")
        data["expected_tag"] = tuple(tag) if tag else None
        return cls(**data)
