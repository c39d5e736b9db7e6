"""Short named scenarios (10-40 revisions), each centred on shapes of issue 11, for recording
real histories that pure tests replay without a wiki (scripts/record_history.py,
tests/histories.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from tests.corpus.scenario import (
    BARE,
    MARKER_PAIRS,
    SIGNED,
    START,
    UNDATED,
    UNSIGNED,
    Generator,
    Scenario,
    generate,
)
from tests.corpus.text import MENTION_FORMS


def _generator(seed: int, revisions: int, days: int = 300) -> Generator:
    return Generator(seed, revisions=revisions, comments=0, participants_count=12, ips=2,
                     questions=2, parts=1, end=START + timedelta(days=days))


def _finish(g: Generator) -> Scenario:
    while g.run_due(everything=True):
        pass
    return g.scenario()


def two_paragraphs() -> Scenario:
    """Comments of two or three paragraphs saved in one edit, signed on the last only, with
    each pair of list markers; one unsigned; then a reply between two paragraphs."""
    g = _generator(21, 12)
    g.open()
    g.simple("signed", SIGNED, ip=0)
    for markers in MARKER_PAIRS:
        g.paragraphs("two paragraphs", SIGNED, markers, count=2)
    g.paragraphs("three paragraphs", SIGNED, MARKER_PAIRS[0], count=3)
    g.paragraphs("unsigned paragraphs", UNSIGNED, MARKER_PAIRS[1], count=2)
    g.reply("signed reply", SIGNED, ip=0)
    g.interrupt()
    g.simple("signed", SIGNED, ip=0)
    return _finish(g)


def continuation_after_reply() -> Scenario:
    """A first paragraph, someone's reply below it, the author's signed continuation 5-40
    minutes later below the reply."""
    g = _generator(22, 14)
    g.open()
    g.simple("signed", SIGNED, ip=0)
    g.continuation()
    g.simple("unsigned", UNSIGNED, ip=0)
    g.continuation()
    g.signed_later()
    g.reply("signed reply", SIGNED, ip=0)
    return _finish(g)


def mention_bare_timestamp() -> Scenario:
    """Comments opening with a mention ([[User:X|X]], {{ping|X}}, [[User talk:X]]): signed,
    unsigned, and with a bare timestamp (~~~~~) only."""
    g = _generator(23, 14)
    g.open()
    g.simple("signed", SIGNED, ip=0)
    g.simple("signed", SIGNED, ip=0)
    for form in MENTION_FORMS:
        for status in (BARE, UNSIGNED, SIGNED):
            g.mention(status, form)
    g.simple("bare timestamp", BARE, ip=0)
    return _finish(g)


def unsigned_then_signed_reply_later() -> Scenario:
    """Unsigned lines whose authors reply below them, signed, months later."""
    g = _generator(24, 12, days=700)
    g.open()
    g.simple("signed", SIGNED, ip=0)
    g.unsigned_then_reply()
    g.simple("signed", SIGNED, ip=0)
    g.unsigned_then_reply()
    g.reply("signed reply", SIGNED, ip=0)
    g.organizer_edit()
    g.simple("unsigned", UNSIGNED, ip=0)
    g.wikilink()
    return _finish(g)


def edited_mid_line() -> Scenario:
    """Unsigned lines that another user later rewrites in the middle (similarity < 0.8), and
    small typo fixes by others that keep a line's author."""
    g = _generator(25, 14)
    g.open()
    g.edited_mid_line()
    g.simple("unsigned", UNSIGNED, ip=0)
    g.simple("signed", SIGNED, ip=0)
    g.edited_mid_line()
    g.simple("unsigned", UNSIGNED, ip=0)
    g.reply("signed reply", SIGNED, ip=0)
    while g.typo_fix():
        pass
    return _finish(g)


def unsigned_under_background() -> Scenario:
    """Plain paragraphs written right below a question's background, above its prompt."""
    g = _generator(26, 12)
    g.open()
    g.simple("signed", SIGNED, ip=0)
    for status in (UNSIGNED, UNSIGNED, SIGNED, UNSIGNED):
        g.under_background(status)
    g.organizer_edit()
    g.simple("unsigned", UNSIGNED, ip=0)
    if g.has_prompt(g.questions[0]):
        g.organizer_edit()
    else:
        g.restore_prompt(g.questions[0])
    g.reply("signed reply", SIGNED, ip=0)
    return _finish(g)


def custom_signatures() -> Scenario:
    """Every custom signature (styled spans, font tags, a nickname unlike the user name,
    talk page only, extra links), `~~~` with one, and IP editors signed and unsigned."""
    g = _generator(27, 16)
    g.open()
    custom = [a for a in g.people if a.signature]
    for actor in custom:
        g.simple(f"signed ({actor.signature_kind})", SIGNED, author=actor)
    g.simple("undated", UNDATED, author=custom[0])
    g.simple("IP, signed", SIGNED, ip=1.0)
    g.simple("IP, unsigned", UNSIGNED, ip=1.0)
    g.reply(f"signed reply ({custom[1].signature_kind})", SIGNED, author=custom[1])
    return _finish(g)


def mixed() -> Scenario:
    """About 40 revisions of everything, noise included (typo fixes, a moved section,
    vandalism undone)."""
    return generate(28, comments=14, revisions=40, participants_count=12, ips=2, questions=3,
                    minimum_per_shape=0, days=500)


NAMED: dict[str, Callable[[], Scenario]] = {
    "two_paragraphs": two_paragraphs,
    "continuation_after_reply": continuation_after_reply,
    "mention_bare_timestamp": mention_bare_timestamp,
    "unsigned_then_signed_reply_later": unsigned_then_signed_reply_later,
    "edited_mid_line": edited_mid_line,
    "unsigned_under_background": unsigned_under_background,
    "custom_signatures": custom_signatures,
    "mixed": mixed,
}
