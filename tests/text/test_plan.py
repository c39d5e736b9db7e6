"""plan_page: tags, folds and summaries in one plan, and the guard that refuses to lose comments."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.text.plan
from bot.config import PageOptions
from bot.text.edits.collapse import convert
from bot.text.edits.tagging import tags_read_alike
from bot.text.history import lines
from bot.text.history.attribution import Attribution, Authorship, line_keys
from bot.text.history.contributions import lines_to_attribute
from bot.text.model.analysis import analyze
from bot.text.model.profile import ENGLISH
from bot.text.plan import (
    appended_text,
    collapse_options,
    keys_of,
    line_normalizer,
    missing_comments,
    plan_page,
    prompt_phrases,
)
from tests.text import test_fixed_point as generated
from tests.text.pages import Writer, authorship, consultation_page
from tests.torture import examples, ran

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


# -- the new text's line keys, carried over from the read text's --------------------------------
KEYED = PageOptions(title="Consultation", tag_unsigned=True, grace_minutes=0, summary=False)


def _keyed_plan(text: str, writers: dict[int, Writer], options: PageOptions):
    """plan_page as the benchmark calls it (the plan asks for the keys itself), and the keys of
    its new text asked afresh."""
    phrases = prompt_phrases(options)
    keys = keys_of(analyze(text, ENGLISH, phrases), line_normalizer(options, ENGLISH))
    page = type("Page", (), {"writers": writers})
    plan = plan_page(text, options, profile=ENGLISH, now=NOW + timedelta(days=5000),
                     as_of=None, authorship=authorship(page, keys))
    fresh = keys_of(analyze(plan.new_text, ENGLISH, phrases), line_normalizer(options, ENGLISH))
    return plan, fresh


def _hostile(text: str, new_text: str, writers: dict[int, Writer], rng: random.Random,
             count: int) -> tuple[str, dict[int, Writer]]:
    """The page with copies of the lines the bot's edit made (box frames, markers, tagged lines)
    typed in by participants, as they are or a little changed."""
    made = sorted(set(new_text.split("\n")) - set(text.split("\n")))
    page = [(line, writers.get(n)) for n, line in enumerate(text.split("\n"), start=1)]
    someone = next(iter(writers.values()), None)
    for _ in range(count if made else 0):
        line = rng.choice(made)
        shape = rng.random()
        if shape < 0.3:
            line = ":* " + line
        elif shape < 0.6 and len(line) > 20:
            k = rng.randrange(len(line))
            line = line[:k] + "x" + line[k + 1 :]
        page.insert(rng.randrange(len(page) + 1), (line, someone if rng.random() < 0.7 else None))
    out = {n: w for n, (_, w) in enumerate(page, start=1) if w is not None}
    return "\n".join(line for line, _ in page), out


# A seventh of HYPOTHESIS_EXAMPLES: each example plans a page twice and asks its keys afresh.
@settings(max_examples=max(examples() // 7, 50), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=2**32), st.integers(min_value=1_500, max_value=20_000),
    st.sampled_from([0, lines.EXACT_LINES]), st.sampled_from([1, 2, 3, 8, lines.COMMON_PAIR]),
    st.sampled_from(["replace-heading", "keep-heading"]), st.integers(min_value=0, max_value=6),
)
def test_the_new_texts_keys_are_the_ones_asked_afresh(
    seed: int, size: int, exact_lines: int, common_pair: int, style: str, hostile: int
) -> None:
    """plan.keys are keys_of() the new text, whether carried over from the read text's or asked
    again: on realistic pages, indexed however small (with few lines making a piece common), and
    on pages where participants typed copies of the bot's box frames and tagged lines."""
    ran("plan: the new text's keys are asked afresh")
    options = replace(KEYED, collapse_style=style)
    page = consultation_page(size, seed)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "EXACT_LINES", exact_lines)
        patch.setattr(lines, "COMMON_PAIR", common_pair)
        plan, fresh = _keyed_plan(page.text, page.writers, options)
        assert plan.keys == fresh
        if hostile:
            text, writers = _hostile(page.text, plan.new_text, page.writers,
                                     random.Random(seed), hostile)
            plan, fresh = _keyed_plan(text, writers, options)
            assert plan.keys == fresh


def test_a_realistic_page_carries_its_keys_over(monkeypatch) -> None:
    """On a realistic indexed page the new text's keys are carried over, not asked again."""
    carried = []

    def spy(*args, **kwargs):
        found = lines.carried_queries(*args, **kwargs)
        carried.append(found is not None)
        return found

    monkeypatch.setattr(bot.text.plan, "carried_queries", spy)
    page = consultation_page(150_000, 3)
    plan, fresh = _keyed_plan(page.text, page.writers, KEYED)
    assert plan.tagged and plan.folded
    assert carried == [True]
    assert plan.keys == fresh


BACKGROUND = "Background of the question about mentors and their training in the regions. " * 6
SIGNED = "[[User:Bob|Bob]] 10:00, 20 September 2016 (UTC)"
PROMPT = ":*(Add your comment here) (Don't forget to add your signature)"


def _keys_of_a_page(
    text: str, style: str, common_pair: int = lines.COMMON_PAIR, template: str = ""
):
    """plan.keys and the new text's keys asked afresh, every page indexed, Bob the writer of
    the lines below the first prompt, the organizers of those above."""
    options = replace(KEYED, collapse_style=style, collapse_template=template)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "EXACT_LINES", 0)
        patch.setattr(lines, "COMMON_PAIR", common_pair)
        keys = keys_of(analyze(text), line_normalizer(options, ENGLISH))
        bob = Writer("Bob", False, WHEN, 11, False)
        prompt = text.split("\n").index(PROMPT) + 1
        return _keyed_plan(text, {n: bob for n in keys if n > prompt}, options)


def test_a_line_the_box_repeats_is_asked_afresh(tmp_path) -> None:
    """A participant's line that is a line of the box's own frame: the box above it changes its
    rank (a short line, in an operator's template; a long one, in the bot's)."""
    template = tmp_path / "box.wikitext.j2"
    template.write_text('<div class="mw-collapsible mw-collapsed">\n<div class="mw-collapsible-'
                        'content">\n{{ content }}\n</div>\n</div>\n')
    for frame, path in (("</div>", str(template)), ('<div style="clear:both"></div>', "")):
        page = "\n".join([
            "Intro.", "", "=== How should mentors be chosen? ===", BACKGROUND,
            PROMPT, f":* A comment by Bob. {SIGNED}", f":* {frame}", "",
        ])
        plan, fresh = _keys_of_a_page(page, "keep-heading", template=path)
        assert plan.folded and plan.keys == fresh


def test_a_line_like_the_box_frame_is_asked_afresh() -> None:
    """A participant's line similar to a line of the box's frame (one colour changed)."""
    options = replace(KEYED, collapse_style="keep-heading")
    page = "\n".join([
        "Intro.", "", "=== How should mentors be chosen? ===", BACKGROUND,
        PROMPT, f":* A comment by Bob. {SIGNED}", "",
    ])
    plan = plan_page(page, options, profile=ENGLISH, now=NOW, as_of=None)
    toggle = next(line for line in plan.new_text.split("\n") if "mw-collapsible-toggle" in line)
    plan, fresh = _keys_of_a_page(f"{page}\n:* {toggle.replace('#eaecf0', '#eaecf1', 1)}\n",
                                  "keep-heading")
    assert plan.folded and plan.keys == fresh


def test_a_box_making_an_anchor_common_asks_afresh() -> None:
    """The box's marker repeats its heading: a word pair the heading and two similar lines
    hold becomes common (COMMON_PAIR 3 here), and the lower line no longer finds the upper."""
    fillers = [f":* Common words here alpha and filler number {n} of the page. {SIGNED}"
               for n in range(4)]
    page = "\n".join([
        "Intro.", "", "=== Alpha beta gamma ===", BACKGROUND, "", "=== Other ===",
        PROMPT, *fillers, ":* Common words here alpha beta xx",
        ":* Common words here alpha beta yy", "",
    ])
    plan, fresh = _keys_of_a_page(page, "replace-heading", common_pair=3)
    assert plan.folded and plan.keys == fresh


@settings(max_examples=max(examples() // 2, 50), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=25),
    st.sampled_from(["replace-heading", "keep-heading"]),
)
def test_the_folds_are_the_tagged_pages(seed: int, steps: int, style: str) -> None:
    """Where the tags read alike (tags_read_alike), the plan chooses its folds on the page as
    read; its text, folds and skips are still those of folding the tagged page read again."""
    history = generated.History()
    history.edit("Organizer", generated.OPENING)
    rng = random.Random(seed)
    for step in range(steps):
        generated.edit(history, rng, step)
    options = replace(generated.OPTIONS, collapse_style=style)
    text = history.latest
    analysis = analyze(text)
    plan, _ = generated.plan_run(history, None, options)
    appended = appended_text(plan.tagged)
    tagged_text = "\n".join(
        line + appended.get(number, "") for number, line in enumerate(text.split("\n"), start=1)
    )
    again = convert(tagged_text, collapse_options(options), keep=plan.decision.participant_lines,
                    analysis=analyze(tagged_text))
    assert (plan.new_text, plan.folded, plan.not_folded) == (
        again.text, again.folded, again.skipped
    )
    if plan.tagged and tags_read_alike(analysis, plan.tagged, ENGLISH, prompt_phrases(options)):
        ran("plan: folds chosen before tagging are the tagged page's (tags read alike)")
    else:
        ran("plan: folds chosen before tagging are the tagged page's (no tag, or read again)")


def test_a_tag_under_question_text_has_the_page_read_again() -> None:
    """An unsigned line right under the background, in one paragraph with it: the tag makes the
    background part of a signed comment, so it is not folded (the page is read again)."""
    page = "\n".join([
        "Intro.", "", "=== How should mentors be chosen? ===", BACKGROUND,
        "Bob's unsigned point, typed right under the background.", PROMPT, "",
    ])
    bob = 5
    plan = plan_page(page, KEYED, profile=ENGLISH, now=NOW, as_of=None,
                     authorship=by_key(page, {bob: Attribution("Bob", WHEN, 7, False)}))
    assert [t.line for t in plan.tagged] == [bob]
    assert not tags_read_alike(analyze(page), plan.tagged, ENGLISH, prompt_phrases(KEYED))
    assert plan.folded == ()
