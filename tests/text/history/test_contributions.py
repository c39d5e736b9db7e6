"""decide(): what the history makes of the offline comments. Line authorship is given here as
the attribution finds it; the searches themselves are tested on histories MediaWiki wrote
(tests/text/test_recorded_histories.py) and in test_attribution.py."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.text.history.attribution import Attribution
from bot.text.history.contributions import decide, lines_to_attribute
from bot.text.model.analysis import analyze

WHEN = datetime(2018, 3, 24, 20, 13, tzinfo=UTC)
STAMP = "20:13, 24 March 2018 (UTC)"
PROMPT = "== Q ==\n:*(Add your comment here)\n"


def by(user: str, signed: bool = False) -> Attribution:
    return Attribution(user, WHEN, 7, False, signed)


def test_a_mention_close_before_a_bare_timestamp_is_the_editors_unsigned_comment() -> None:
    text = PROMPT + (
        f":* As said by [[User:Dave|Dave]], the committee should publish its minutes. {STAMP}"
    )
    analysis = analyze(text)
    (offline,) = analysis.comments
    assert (offline.status, offline.author) == ("signed", "Dave")  # the offline reading
    assert 3 in lines_to_attribute(analysis)  # prose after the link: the history is asked
    # Alice's own edit wrote the timestamp: a mention and ~~~~~, her unsigned comment.
    (decided,) = decide(analysis, {3: by("Alice")}).analysis.comments
    assert (decided.status, decided.author, decided.doubt) == ("unsigned", "Alice", None)


def test_a_signature_naming_another_than_its_editor_is_in_doubt() -> None:
    # Right before the timestamp, as ~~~~ writes it: a renamed account's old name, or another
    # account of the same person. Never tagged.
    text = PROMPT + (
        f":* First paragraph.\n:: Second. [[User:Dave|Dave]] ([[User talk:Dave|talk]]) {STAMP}"
    )
    analysis = analyze(text)
    assert {3, 4} <= set(lines_to_attribute(analysis))
    decided = decide(analysis, {3: by("Alice"), 4: by("Alice")}).analysis.comments
    assert [(c.status, c.author) for c in decided] == [("unsigned", None)]
    assert decided[0].doubt == "its signature names Dave, but Alice saved it"


def test_a_one_line_signature_is_not_asked_of_the_history() -> None:
    text = PROMPT + f":* Idea. [[User:Dave|Dave]] ([[User talk:Dave|talk]]) {STAMP}"
    analysis = analyze(text)
    assert 3 not in lines_to_attribute(analysis)
    (decided,) = decide(analysis, {}).analysis.comments
    assert (decided.status, decided.author, decided.doubt) == ("signed", "Dave", None)


def test_two_paragraphs_of_one_edit_are_one_signed_comment() -> None:
    text = PROMPT + (
        ":* First paragraph of Alice's comment.\n"
        f":* Second one. [[User:Alice|Alice]] ([[User talk:Alice|talk]]) {STAMP}"
    )
    signed = by("Alice", signed=True)
    (decided,) = decide(analyze(text), {3: signed, 4: signed}).analysis.comments
    assert (decided.line, decided.end_line, decided.status, decided.author) == (
        3, 4, "signed", "Alice"
    )


def test_a_participants_paragraph_under_the_background_is_a_comment_kept_out_of_boxes() -> None:
    text = (
        "=== Q ===\nBackground by the organizers.\nBob's own paragraph.\n"
        ":*(Add your comment here)"
    )
    analysis = analyze(text)
    assert analysis.comments == ()  # offline: question text
    decision = decide(analysis, {2: None, 3: by("Bob")}, organizers=("Mira",))
    (decided,) = decision.analysis.comments
    assert (decided.line, decided.status, decided.author) == (3, "unsigned", "Bob")
    assert decision.participant_lines == frozenset({3})
    # The organizers' own added sentence is question text.
    decision = decide(analysis, {2: None, 3: by("Mira")}, organizers=("Mira",))
    assert decision.analysis.comments == () and decision.participant_lines == frozenset()
