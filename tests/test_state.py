"""The per-page state store: round trip, atomic writes, corrupt files, and skipping known lines."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from bot.state import STALE_STATE, PageState, StateStore, checked, state_to_json, text_sha1
from bot.text.history.attribution import (
    Attribution,
    CachedTexts,
    Doubt,
    RevisionMeta,
    attribute,
    line_keys,
)
from bot.text.history.contributions import lines_to_attribute
from bot.text.model.analysis import analyze
from bot.text.model.profile import ENGLISH
from tests.text.history.test_attribution import base, insert_after, normalizer

WHEN = datetime(2016, 9, 20, 9, 15, tzinfo=UTC)
TITLE = "Leadership Development/Dialogue: Q&A"


def test_round_trip_and_no_temp_files(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state")
    state = PageState(
        TITLE, 42,
        {
            "k1": Attribution("Alice", WHEN, 7, False), "k2": None,
            "k3": Attribution("Bob", WHEN, 8, False, signed=True),
            "k4": Doubt("the editor's name is hidden"), "k5": Doubt("reworded", "Carol"),
        },
        as_of=WHEN, last_sha1=text_sha1("page text"), creator="Mira (WMF)",
        line_keys={3: "k1", 7: "k3"},
        history=(
            RevisionMeta(40, "Mira (WMF)", WHEN, False, (), "a" * 40),
            RevisionMeta(42, "", WHEN, True, ("mw-undo", "mw-reverted"), "", hidden=True),
        ),
    )
    assert store.save(state) is None
    loaded, warning = store.load(TITLE)
    assert warning is None and loaded == state
    assert [p.name for p in (tmp_path / "state").iterdir()] == [store.path(TITLE).name]
    assert store.path(TITLE).read_text(encoding="utf-8") == state_to_json(state)


def test_missing_state_is_fresh_without_warning(tmp_path: Path) -> None:
    state, warning = StateStore(tmp_path).load(TITLE)
    assert state == PageState(TITLE) and warning is None


def test_corrupt_state_starts_fresh_with_a_warning(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    bad = [
        b"{not json", b"\xff\xfe", b"[]", b'{"version": 99}',
        b'{"version": 2, "title": "Other", "last_revid": 1, "attributions": {}}',
        b'{"version": 2, "title": "%s", "last_revid": "x", "attributions": {}}',
        ('{"version": 2, "title": "' + TITLE + '", "last_revid": 1, '
         '"attributions": {"k": {"user": "A"}}}').encode(),
        ('{"version": 2, "title": "' + TITLE + '", "last_revid": 1, '
         '"attributions": {"k": {"user": "A", "timestamp": "2016-09-20T09:15:00", '
         '"revid": 1, "anon": false, "signed": false}}}').encode(),
        ('{"version": 2, "title": "' + TITLE + '", "last_revid": 1, '
         '"attributions": {"k": {"doubt": 3}}}').encode(),
        # Written by an earlier version, without the verdicts: asked again.
        ('{"version": 1, "title": "' + TITLE + '", "last_revid": 1, "attributions": {}}').encode(),
    ]
    for raw in bad:
        store.path(TITLE).write_bytes(raw)
        state, warning = store.load(TITLE)
        assert state == PageState(TITLE), raw
        assert warning is not None and "starting fresh" in warning


def test_unreadable_state_and_failed_save_warn(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.path(TITLE).mkdir()  # a directory where the file should be
    state, warning = store.load(TITLE)
    assert state == PageState(TITLE) and warning is not None
    warning = store.save(PageState(TITLE, 1))
    assert warning is not None and "cannot save" in warning
    assert [p.name for p in tmp_path.iterdir()] == [store.path(TITLE).name]
    blocked = StateStore(tmp_path / "file")
    (tmp_path / "file").write_text("x")
    assert blocked.save(PageState(TITLE, 1)) is not None


def test_save_replaces_atomically(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.save(PageState(TITLE, 1))
    before = os.stat(store.path(TITLE)).st_ino
    store.save(PageState(TITLE, 2))
    assert store.load(TITLE)[0].last_revid == 2
    assert os.stat(store.path(TITLE)).st_ino != before  # a new file, renamed over the old one


def test_second_run_without_new_revisions_fetches_nothing(tmp_path: Path) -> None:
    h = base()
    h.edit("Alice", insert_after(h.latest, "Mentoring", ":* Pair mentors across regions, please"))
    h.edit("Bob", insert_after(h.latest, "Tools", ":* A dashboard of open questions"))
    store = StateStore(tmp_path)

    def one_run() -> tuple[dict, int]:
        state, _ = store.load(TITLE)
        wanted = lines_to_attribute(analyze(h.latest))
        texts = CachedTexts(h.source())
        found = attribute(
            wanted, h.metas, texts, current_text=h.latest, profile=ENGLISH,
            normalizer=normalizer(), known=state.attributions, known_revid=state.last_revid,
        )
        keys = line_keys(h.latest, wanted, normalizer())
        store.save(state.updated(h.metas[-1].revid, {keys[n]: found[n] for n in found}))
        return found, texts.fetches

    first, fetched = one_run()
    assert fetched > 0
    second, fetched = one_run()
    assert second == first and fetched == 0


def test_state_describes_only_its_revision_and_text(tmp_path: Path) -> None:
    sha1 = text_sha1("== Q ==\n:* Idea.\n")
    # MediaWiki stores text right-trimmed and lists the sha1 of what it stores.
    assert sha1 == text_sha1("== Q ==\n:* Idea.") == "b3f854acb66076268a7ac7304b70b21efd576f43"
    state = PageState(TITLE, 42, last_sha1=sha1)
    assert state.describes(42, sha1) and state.describes(42, "")  # sha1 hidden by revdelete
    assert not state.describes(42, text_sha1("other text")) and not state.describes(41, sha1)
    # A state file without the sha1 still loads, and trusts the id alone.
    store = StateStore(tmp_path)
    store.path(TITLE).write_text(
        json.dumps({"version": 2, "title": TITLE, "last_revid": 42, "attributions": {}}),
        encoding="utf-8",
    )
    old, warning = store.load(TITLE)
    assert warning is None and old.last_sha1 == "" and old.describes(42, sha1)


def test_checked_drops_a_state_the_page_read_cannot_have_come_from() -> None:
    text = "== Q ==\n:* Idea.\n"
    state = PageState(TITLE, 42, {"k": None}, last_sha1=text_sha1(text))
    assert checked(state, 42, text) == (state, None)
    assert checked(state, 50, "newer text") == (state, None)  # the history will tell
    assert checked(state, 42, "other text") == (PageState(TITLE), STALE_STATE)
    assert checked(state, 41, text) == (PageState(TITLE), STALE_STATE)  # not reached yet
    # PHP's rtrim: a no-break space at the end is part of the stored text.
    assert text_sha1("x\u00a0") != text_sha1("x") == text_sha1("x \n\t")
