"""The pure layer on real histories: each recorded history (tests/cases/histories, written by
MediaWiki for real accounts) is replayed without a wiki - analysis of its last revision,
attribution from its revisions, the page plan - and judged against its ground truth by the same
code as the corpus benchmark (tests/corpus/judge.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import PageOptions
from bot.text.edits.tagging import tag_comments
from bot.text.history.attribution import RevisionMeta, attribute
from bot.text.model.analysis import analysis_to_dict, analyze
from bot.text.model.profile import ENGLISH
from bot.text.plan import plan_page, tagging_policy
from tests.corpus.judge import Judgement, details, judge
from tests.histories import History, history_names, load_history

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class _Texts:
    def __init__(self, history: History) -> None:
        self.texts = history.texts

    def text(self, revid: int) -> str:
        return self.texts[revid]


def replay(history: History) -> Judgement:
    """What one run of the bot would make of the page, judged (no second run, no rendering)."""
    final = history.final_text
    options = PageOptions(title=history.title, tag_unsigned=True, grace_minutes=0, summary=False)
    analysis = analyze(final, ENGLISH)
    revisions = [
        RevisionMeta(r.revid, r.user, r.timestamp, r.anon, r.tags, r.sha1)
        for r in history.revisions
    ]
    attributions = attribute(analysis.comments, revisions, _Texts(history), current_text=final)
    plan = plan_page(final, options, profile=ENGLISH, now=NOW, as_of=None,
                     attributions=attributions, analysis=analysis)
    skipped = tag_comments(final, analysis, attributions, NOW, tagging_policy(options),
                           ENGLISH).skipped
    report = "\n".join(f"line {s.line}: not tagged: {s.reason}" for s in skipped)
    return judge(list(history.truth), before=final, after=plan.new_text,
                 analysis=analysis_to_dict(analysis), attribute_output=report)


def _cases(failing: dict[str, str]) -> list:
    """Every recorded history; those in `failing` marked as failing today (issue 11)."""
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True,
                                                   reason=f"issue 11: {failing[name]}"))
        if name in failing else name
        for name in history_names()
    ]


@pytest.mark.parametrize("name", _cases({
    "two_paragraphs": "the first paragraph of a comment signed on its last is tagged",
    "continuation_after_reply": "a first paragraph finished after a reply is tagged",
    "mixed": "the first paragraph of a comment signed on its last is tagged",
}))
def test_no_signed_comment_is_tagged(name: str) -> None:
    judgement = replay(load_history(name))
    assert not judgement.tags_on_signed, details(judgement)


@pytest.mark.parametrize("name", _cases({
    "mention_bare_timestamp": "a mention before a bare timestamp is read as a signature",
    "unsigned_then_signed_reply_later": "an unsigned line followed by its author's signed "
    "reply is never tagged",
    "edited_mid_line": "a line edited mid-line is credited to its editor",
    "unsigned_under_background": "a paragraph under the background is organizer text",
    "mixed": "an unsigned line followed by its author's signed reply is never tagged",
}))
def test_unsigned_comments_are_tagged_with_their_author_and_minute(name: str) -> None:
    judgement = replay(load_history(name))
    unexplained = [m for m in judgement.tag_misses if "(attribute says:" not in m.detail]
    assert not unexplained, details(judgement)
    assert not judgement.stray_tags


@pytest.mark.parametrize("name", _cases({
    "unsigned_under_background": "a paragraph under the background is folded",
}))
def test_no_participant_line_is_folded(name: str) -> None:
    judgement = replay(load_history(name))
    assert not judgement.folded_wikitext, details(judgement)


@pytest.mark.parametrize("name", _cases({
    "two_paragraphs": "the first paragraph of a comment signed on its last is unsigned",
    "mixed": "the first paragraph of a comment signed on its last is unsigned",
}))
def test_offline_analysis_credits_signed_comments_to_their_authors(name: str) -> None:
    judgement = replay(load_history(name))
    assert not judgement.offline_misses, details(judgement)
