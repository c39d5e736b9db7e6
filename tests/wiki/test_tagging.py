"""Tagging unsigned comments on a real local MediaWiki, with authors found in the page history.

The history is made by real accounts and an anonymous editor, then edited the way consultation
pages are: a typo fix by someone else, a section move, and a vandal's removal reverted with undo.
Its edits are dated in 2016 (the wiki's clock is set for each), so that they are older than the
hour in which an author may still sign.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.text.model.dates import format_date
from bot.text.model.profile import ENGLISH
from tests.devwiki import DevWiki
from tests.wiki.conftest import bot_edits

PROMPT = ":*(Add your comment here) (Don't forget to add your signature)"
OPENING = f"""Organizers' introduction: please answer each question and sign with four tildes.

=== Question one: budget ===
Background for question one, written by the organizers at the start.
{PROMPT}

=== Question two: translation ===
Background for question two, written by the organizers at the start.
{PROMPT}
"""
BOB = ":* Bob thinks the budget is too small for this programme of events."
BOB_FIXED = BOB.replace("programme", "program")
ANON = "We need much more translation support for small languages."
DAVE = "::* Dave adds: the evaluation should be public as well."


def config(title: str, tmp_path, extra: str = "") -> str:
    return f"""
        [bot]
        state_dir = "{tmp_path}/state"
        report = "{tmp_path}/report.json"

        [[pages]]
        title = "{title}"
        collapse = false
        summary = false
        tag_unsigned = true
        grace_minutes = 0
        {extra}
    """


_MINUTES = itertools.count()


def tick(devwiki: DevWiki) -> None:
    """Set the wiki's clock for the next edit: three minutes after the last one, in 2016."""
    devwiki.clock(datetime(2016, 9, 20, 9, 0, tzinfo=UTC) + timedelta(minutes=3 * next(_MINUTES)))


@pytest.fixture(autouse=True)
def real_clock_after(devwiki: DevWiki) -> Iterator[None]:
    yield
    devwiki.clock(None)


def open_page(devwiki: DevWiki, title: str, *, fresh: bool = False) -> None:
    if not fresh:
        tick(devwiki)
    devwiki.client("Admin").edit(title, OPENING, summary="open the consultation")


def change(
    devwiki: DevWiki, user: str | None, title: str, edit, *, fresh: bool = False
) -> dict:
    """Apply `edit` (text -> text) to the current text as `user`; returns the API's edit result.
    The edit is dated in 2016, or now when `fresh`."""
    if not fresh:
        tick(devwiki)
    client = devwiki.client(user)
    current = client.read(title)
    new = edit(current.text)
    assert new != current.text
    return client.edit(title, new, summary="test edit", basetimestamp=current.timestamp)


def replace_last(text: str, old: str, new: str) -> str:
    head, _, tail = text.rpartition(old)
    return head + new + tail


def when(devwiki: DevWiki, title: str, revid: int) -> str:
    for rev in devwiki.client().revisions(title, limit=100):
        if rev["revid"] == revid:
            return format_date(datetime.fromisoformat(rev["timestamp"]), ENGLISH)
    raise AssertionError(f"revision {revid} not in the history")


def build_history(devwiki: DevWiki, title: str) -> dict[str, int]:
    """The consultation's history; returns the revision that added each unsigned comment."""
    added: dict[str, int] = {}
    open_page(devwiki, title)
    q1, q2 = "=== Question one: budget ===", "=== Question two: translation ==="

    def under(heading: str, line: str):
        def edit(text: str) -> str:
            head, rest = text.split(heading + "\n", 1)
            body, sep, tail = rest.partition("\n\n")
            return f"{head}{heading}\n{body.rstrip()}\n{line}{sep or chr(10)}{tail}"
        return edit

    change(devwiki, "Alice", title, under(q1, ":* I support a bigger budget. ~~~~"))
    added["bob"] = change(devwiki, "Bob", title, under(q1, BOB))["newrevid"]
    # A signed reply right under Bob's unsigned line: one block until the history splits it.
    change(devwiki, "Carol", title, under(q1, ":*: Carol disagrees with Bob here. ~~~~"))
    # The anonymous editor types into the prompt instead of below it.
    typed = change(devwiki, None, title, lambda t: replace_last(t, PROMPT, f"{PROMPT} {ANON}"))
    added["anon"] = typed["newrevid"]
    added["dave"] = change(devwiki, "Dave", title, under(q2, DAVE))["newrevid"]
    # Someone else fixes a typo in Bob's comment: Bob stays its author.
    change(devwiki, "Dave", title, lambda t: t.replace(BOB, BOB_FIXED))
    # Alice moves question two above question one.
    def move(text: str) -> str:
        intro, rest = text.split(q1, 1)
        one, two = rest.split(q2, 1)
        return f"{intro}{q2}{two.rstrip()}\n\n{q1}{one.rstrip()}\n"
    change(devwiki, "Alice", title, move)
    # A vandal removes Bob's comment; an admin undoes it (MediaWiki tags the undo mw-undo).
    vandal = change(devwiki, "Carol", title, lambda t: t.replace(BOB_FIXED + "\n", ""))
    admin = devwiki.client("Admin")
    tick(devwiki)
    admin.post(action="edit", title=title, undo=vandal["newrevid"], token=admin.token())
    return added


def test_unsigned_comments_are_tagged_with_their_true_author_and_minute(
    devwiki, run_bot, tmp_path
) -> None:
    title = "Tagging test/Consultation"
    added = build_history(devwiki, title)
    before = devwiki.client().read(title).text
    assert BOB_FIXED in before and ANON in before and DAVE in before

    check = run_bot(config(title, tmp_path), command="attribute")
    assert check.status == 0, check.stdout + check.stderr
    bob_tag = f"{{{{unsigned|Bob|{when(devwiki, title, added['bob'])}}}}}"
    assert f"would append {bob_tag}" in check.stdout
    assert bot_edits(devwiki, title) == []  # attribute is read-only

    first = run_bot(config(title, tmp_path))
    assert first.status == 0, first.stdout + first.stderr
    after = devwiki.client().read(title).text
    anon_tag = f"{{{{unsigned IP|127.0.0.1|{when(devwiki, title, added['anon'])}}}}}"
    dave_tag = f"{{{{unsigned|Dave|{when(devwiki, title, added['dave'])}}}}}"
    assert f"{BOB_FIXED} {bob_tag}\n" in after
    assert f"{PROMPT} {ANON} {anon_tag}\n" in after
    assert f"{DAVE} {dave_tag}\n" in after
    assert after.count("{{unsigned") == 3
    # Only tags were added: removing them gives back the page as it was, character for character.
    assert re.sub(r" \{\{unsigned[^{}]*\}\}", "", after) == before
    edit = [e for e in bot_edits(devwiki, title) if e["title"] == title]
    assert len(edit) == 1 and "tagged 3 unsigned comments" in edit[0]["comment"]
    report = json.loads((tmp_path / "report.json").read_text())
    page = report["pages"][0]
    assert page["attribution"]["revision_fetches"] > 0
    assert report["revision_fetches"] == page["attribution"]["revision_fetches"]
    assert report["api_requests"] > 0

    second = run_bot(config(title, tmp_path))
    assert second.status == 0, second.stdout + second.stderr
    assert devwiki.client().read(title).text == after
    assert len(bot_edits(devwiki, title)) == 1
    assert "nothing to change" in second.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["pages"][0]["attribution"]["history_requests"] == 0
    assert report["revision_fetches"] == 0


def test_grace_period_and_opt_out_leave_comments_untagged(devwiki, run_bot, tmp_path) -> None:
    """Comments younger than an hour are never tagged, whatever grace_minutes says (their
    authors may still sign in a follow-up edit); opted-out users never are."""
    fresh_title, old_title = "Tagging test/Policy fresh", "Tagging test/Policy old"
    for title, fresh in ((fresh_title, True), (old_title, False)):
        open_page(devwiki, title, fresh=fresh)
        change(devwiki, "Bob", title, lambda t: t.replace(PROMPT, f"{PROMPT}\n{BOB}", 1),
               fresh=fresh)
        change(devwiki, "Carol", title, lambda t: t.rstrip() + "\n:* Carol's unsigned point.\n",
               fresh=fresh)
    devwiki.clock(None)
    fresh = run_bot(config(fresh_title, tmp_path))  # grace_minutes = 0
    assert fresh.status == 0, fresh.stdout + fresh.stderr
    assert "{{unsigned" not in devwiki.client().read(fresh_title).text
    opted = run_bot(config(old_title, tmp_path, extra='opt_out = ["Bob", "Carol"]'))
    assert opted.status == 0, opted.stdout + opted.stderr
    assert "{{unsigned" not in devwiki.client().read(old_title).text
    assert bot_edits(devwiki, fresh_title) == bot_edits(devwiki, old_title) == []
    tagged = run_bot(config(old_title, tmp_path, extra='opt_out = ["Carol"]'))
    assert tagged.status == 0, tagged.stdout + tagged.stderr
    text = devwiki.client().read(old_title).text
    assert "{{unsigned|Bob|" in text and "{{unsigned|Carol|" not in text


@pytest.mark.parametrize("new_revision", [False, True])
def test_a_state_of_another_wiki_state_is_not_trusted(
    devwiki, run_bot, tmp_path, new_revision: bool
) -> None:
    """A wiki restored from a backup reuses revision ids: a state that names an id whose text
    differs from what it saw is dropped, not used to credit comments to the wrong people.
    Checked against the page's text when it has no new revision, else against the history."""
    title = f"Tagging test/Restored wiki {new_revision}"
    open_page(devwiki, title)
    change(devwiki, "Bob", title, lambda t: t.replace(PROMPT, f"{PROMPT}\n{BOB}", 1))
    quiet = config(title, tmp_path, extra='opt_out = ["Bob"]')
    first = run_bot(quiet)  # Bob opted out: nothing tagged, but his line is in the state now
    assert first.status == 0, first.stdout + first.stderr
    # The page's state (next to the site profile the pass keeps there).
    (state_file,) = [p for p in (tmp_path / "state").iterdir() if p.name != "site-profile.json"]
    state = json.loads(state_file.read_text(encoding="utf-8"))
    assert state["last_sha1"] and state["attributions"]
    # The same revision id with another text, and attributions made on that other text.
    state["last_sha1"] = "0" * 40
    for found in state["attributions"].values():
        if found:
            found["user"] = "Mallory"
    state_file.write_text(json.dumps(state), encoding="utf-8")
    if new_revision:
        change(devwiki, "Carol", title, lambda t: t.rstrip() + "\n:* Carol's point.\n")
    same = run_bot(config(title, tmp_path))
    assert same.status == 0, same.stdout + same.stderr
    assert "warning: the saved state is of another wiki state" in same.stdout
    text = devwiki.client().read(title).text
    assert "{{unsigned|Bob|" in text and "Mallory" not in text
    assert ("{{unsigned|Carol|" in text) == new_revision


def test_the_state_stays_trusted_when_the_wiki_stores_other_text_than_sent(
    devwiki, run_bot, tmp_path
) -> None:
    """{{subst:unsigned}} is expanded as MediaWiki saves: the state keeps the stored text's sha1,
    so the runs after it trust the state (no "another wiki state" warning)."""
    title = "Tagging test/Subst"
    open_page(devwiki, title)
    change(devwiki, "Bob", title, lambda t: t.replace(PROMPT, f"{PROMPT}\n{BOB}", 1))
    subst = config(title, tmp_path, extra="unsigned_subst = true")
    first = run_bot(subst)
    assert first.status == 0, first.stdout + first.stderr
    text = devwiki.client().read(title).text
    assert "Preceding unsigned comment added by [[User:Bob|Bob]]" in text  # expanded on save
    quiet = run_bot(subst)
    assert quiet.status == 0 and "warning" not in quiet.stdout, quiet.stdout
    change(devwiki, "Carol", title, lambda t: t.rstrip() + "\n:* Carol's late point.\n")
    later = run_bot(subst)
    assert later.status == 0 and "warning" not in later.stdout, later.stdout
    assert "Preceding unsigned comment added by [[User:Carol|Carol]]" in (
        devwiki.client().read(title).text
    )
    # Only the revisions from the state's last listed one on were listed (Bob's, the bot's,
    # Carol's), not the opening one.
    report = json.loads((tmp_path / "report.json").read_text())
    attribution = report["pages"][0]["attribution"]
    assert attribution["listed_revisions"] == 3 < attribution["revisions"] == 4
