"""plan_page: tags, folds and summaries in one plan, and the guard that refuses to lose comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import PageOptions
from bot.text.history.attribution import Attribution, Authorship, line_keys
from bot.text.history.contributions import lines_to_attribute
from bot.text.model.analysis import analyze
from bot.text.model.profile import ENGLISH
from bot.text.plan import line_normalizer, missing_comments, plan_page

WHEN = datetime(2016, 9, 20, 9, 15, tzinfo=UTC)
NOW = WHEN + timedelta(days=1)
SIGNATURE = "[[User:Carol|Carol]] 10:00, 20 September 2016 (UTC)"
PAGE = f"""Intro by the organizers.

=== Question ===
Background text of the question.
:*(Add your comment here) (Don't forget to add your signature)
:* Bob's unsigned point about the budget of the programme.
:*: Carol replies to Bob. {SIGNATURE}
"""
OPTIONS = PageOptions(title="Consultation", tag_unsigned=True, grace_minutes=0, summary=False)


def by_key(text: str, by_line: dict[int, Authorship]) -> dict[str, Authorship]:
    """Authorship as the wiki layer hands it to plan_page: by line key."""
    keys = line_keys(text, lines_to_attribute(analyze(text)), line_normalizer(OPTIONS, ENGLISH))
    return {keys[n]: a for n, a in by_line.items()}


def attributions() -> dict[str, Authorship]:
    # Line 6 is Bob's, line 7 Carol's: the history splits the block the analysis keeps together.
    return by_key(PAGE, {
        1: None, 4: None,
        6: Attribution("Bob", WHEN, 11, False),
        7: Attribution("Carol", WHEN + timedelta(minutes=45), 12, False, signed=True),
    })


def test_block_split_by_history_tags_the_unsigned_part_in_one_plan() -> None:
    plan = plan_page(PAGE, OPTIONS, profile=ENGLISH, now=NOW, as_of=None,
                     authorship=attributions())
    lines = plan.new_text.split("\n")
    assert lines[5].endswith("programme. {{unsigned|Bob|09:15, 20 September 2016 (UTC)}}")
    assert lines[6] == f":*: Carol replies to Bob. {SIGNATURE}"
    assert plan.lost == ()
    assert [t.user for t in plan.tagged] == ["Bob"]
    assert "tagged 1 unsigned comment" in plan.edit_summary


def test_no_attributions_means_no_tag() -> None:
    plan = plan_page(PAGE, OPTIONS, profile=ENGLISH, now=NOW, as_of=None, authorship={})
    assert plan.tagged == () and "{{unsigned" not in plan.new_text


def test_grace_period_counts_from_the_attributed_time() -> None:
    grace = PageOptions(title="Consultation", tag_unsigned=True, grace_minutes=30, summary=False)
    plan = plan_page(PAGE, grace, profile=ENGLISH, now=WHEN + timedelta(minutes=10),
                     as_of=None, authorship=attributions())
    assert plan.tagged == () and plan.new_text == PAGE
    plan = plan_page(PAGE, grace, profile=ENGLISH, now=WHEN + timedelta(minutes=61),
                     as_of=None, authorship=attributions())
    assert [t.user for t in plan.tagged] == ["Bob"]


def test_guard_finds_a_comment_whose_text_was_changed() -> None:
    comments = analyze(PAGE).comments
    lines = PAGE.split("\n")
    assert missing_comments(comments, lines, PAGE) == []
    damaged = PAGE.replace("the budget", "a budget")
    assert [c.line for c in missing_comments(comments, lines, damaged)] == [6]
    # The tagged text is what must be found, exactly: a lost space is a lost comment.
    plan = plan_page(PAGE, OPTIONS, profile=ENGLISH, now=NOW, as_of=None,
                     authorship=attributions())
    tagged = plan.new_text.split("\n")
    assert missing_comments(comments, tagged, plan.new_text) == []
    broken = plan.new_text.replace("Carol replies", "Carol said")
    assert missing_comments(comments, tagged, broken)
    spaceless = plan.new_text.replace("programme. {{unsigned", "programme.{{unsigned")
    assert missing_comments(comments, tagged, spaceless)
