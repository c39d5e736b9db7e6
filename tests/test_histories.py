"""The recorded histories (tests/cases/histories, tests/histories.py) are MediaWiki's output and
agree with their ground truth: what pure tests replay is what a wiki really stores."""

from __future__ import annotations

import hashlib
import itertools

import pytest

from tests.corpus.judge import token_lines
from tests.corpus.named import NAMED
from tests.corpus.text import tokens_in
from tests.corpus.truth import BARE, SIGNED, UNDATED, UNSIGNED
from tests.histories import history_names, load_history


def test_every_named_scenario_is_recorded() -> None:
    assert set(NAMED) <= set(history_names())


def _user_link(line: str, user: str) -> bool:
    return any(f"[[{space}{user}|" in line or f"[[{space}{user}]]" in line
               for space in ("User:", "User talk:", "Special:Contributions/"))


@pytest.mark.parametrize("name", history_names())
def test_a_recorded_history_is_what_mediawiki_stored(name: str) -> None:
    history = load_history(name)
    revisions = history.revisions
    assert 10 <= len(revisions) <= 40
    assert [r.revid for r in revisions] == sorted(r.revid for r in revisions)
    assert [r.timestamp for r in revisions] == sorted(r.timestamp for r in revisions)
    assert all(r.parentid == p.revid for p, r in itertools.pairwise(revisions))
    for revision in revisions:
        text = history.texts[revision.revid]
        assert hashlib.sha1(text.encode("utf-8")).hexdigest() == revision.sha1
        assert "~~~" not in text  # MediaWiki expanded every signature
    if any("undo" in r.comment.lower() for r in revisions):
        assert any("mw-undo" in r.tags for r in revisions)


@pytest.mark.parametrize("name", history_names())
def test_a_recorded_history_agrees_with_its_truth(name: str) -> None:
    history = load_history(name)
    final = history.final_text.split("\n")
    where = token_lines(history.final_text)
    first_seen: dict[int, int] = {}
    for revision in history.revisions:
        for token in tokens_in(history.texts[revision.revid]):
            first_seen.setdefault(token, revision.revid)
    users = {r.revid: r.user for r in history.revisions}
    for comment in history.truth:
        for paragraph in comment.paragraphs:
            assert first_seen[paragraph.token] == paragraph.revid
            assert users[paragraph.revid] == comment.author
        last = final[where[comment.tokens[-1]] - 1]
        lines = [final[where[t] - 1] for t in comment.tokens]
        if comment.status in (SIGNED, UNDATED):
            assert _user_link(last, comment.author), (comment.id, last)
        if comment.status == SIGNED:
            assert last.count(comment.signed_minute) == 1, (comment.id, last)
        if comment.status == BARE:
            assert comment.signed_minute in last and not _user_link(last, comment.author)
        if comment.status == UNSIGNED:
            assert not any("(UTC)" in line for line in lines), (comment.id, lines)
        if comment.expected_tag is not None:
            user, minute = comment.expected_tag
            assert users[comment.paragraphs[0].revid] == user
            assert minute == comment.paragraphs[0].minute
