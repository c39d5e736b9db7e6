"""The pure layer on real histories: each recorded history (tests/cases/histories, written by
MediaWiki for real accounts) is replayed without a wiki - analysis of its last revision,
attribution from its revisions, the page plan - and judged against its ground truth by the same
code as the corpus benchmark (tests/corpus/judge.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pytest

from bot.config import PageOptions
from bot.text.history.attribution import RevisionMeta, attribute, line_keys
from bot.text.history.contributions import lines_to_attribute
from bot.text.model.analysis import analysis_to_dict, analyze
from bot.text.model.profile import ENGLISH
from bot.text.plan import line_normalizer, plan_page, prompt_phrases
from tests.corpus.judge import Judgement, details, judge
from tests.corpus.text import ORGANIZERS
from tests.histories import History, history_names, load_history

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class _Texts:
    def __init__(self, history: History) -> None:
        self.history = history

    def texts(self, revids: Sequence[int]) -> Mapping[int, str | None]:
        return {revid: self.history.texts[revid] for revid in revids}


def replay(history: History) -> Judgement:
    """What one run of the bot would make of the page (as bot.wiki.attribute and bot.wiki.run
    do, with the history read from the recording), judged; no second run, no rendering."""
    final = history.final_text
    options = PageOptions(title=history.title, tag_unsigned=True, grace_minutes=0,
                          summary=False, organizers=ORGANIZERS)
    analysis = analyze(final, ENGLISH, prompt_phrases(options))
    normalizer = line_normalizer(options, ENGLISH)
    wanted = lines_to_attribute(analysis)
    keys = line_keys(final, wanted, normalizer)
    revisions = [
        RevisionMeta(r.revid, r.user, r.timestamp, r.anon, r.tags, r.sha1)
        for r in history.revisions
    ]
    found = attribute(wanted, revisions, _Texts(history), current_text=final, profile=ENGLISH,
                      normalizer=normalizer)
    plan = plan_page(
        final, options, profile=ENGLISH, now=NOW, as_of=None,
        authorship={keys[n]: a for n, a in found.items() if n in keys}, analysis=analysis,
        normalizer=normalizer, keys=keys, organizers=(revisions[0].user,),
    )
    report = "\n".join(f"line {s.line}: not tagged: {s.reason}" for s in plan.skipped)
    return judge(list(history.truth), before=final, after=plan.new_text,
                 analysis=analysis_to_dict(analysis), attribute_output=report)


@pytest.mark.parametrize("name", history_names())
def test_no_signed_comment_is_tagged(name: str) -> None:
    judgement = replay(load_history(name))
    assert not judgement.tags_on_signed, details(judgement)


@pytest.mark.parametrize("name", history_names())
def test_unsigned_comments_are_tagged_with_their_author_and_minute(name: str) -> None:
    judgement = replay(load_history(name))
    unexplained = [m for m in judgement.tag_misses if "(attribute says:" not in m.detail]
    assert not unexplained, details(judgement)
    assert not judgement.stray_tags


@pytest.mark.parametrize("name", history_names())
def test_no_participant_line_is_folded(name: str) -> None:
    judgement = replay(load_history(name))
    assert not judgement.folded_wikitext, details(judgement)


@pytest.mark.parametrize("name", history_names())
def test_offline_analysis_credits_signed_comments_to_their_authors(name: str) -> None:
    judgement = replay(load_history(name))
    assert not judgement.offline_misses, details(judgement)
