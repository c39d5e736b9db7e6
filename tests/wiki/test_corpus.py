"""The bot on a small realistic consultation (tests/corpus): every signature written by MediaWiki
for real accounts over four years of the wiki's clock, every shape of issue 11 at least twice,
the truth known per comment. The bot runs as an operator runs it (run twice, then attribute if
comments were left untagged); each test checks one target of issue 11
(scripts/benchmark_corpus.py measures the full corpus)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.corpus.bench import Outcome, run_and_judge
from tests.corpus.driver import Player, records
from tests.corpus.judge import details
from tests.corpus.scenario import small
from tests.corpus.text import CUSTOM_SIGNATURES
from tests.corpus.truth import BARE, SIGNED, UNDATED, UNSIGNED
from tests.devwiki import DevWiki

TITLE = "Corpus test/Leadership Development Dialogue"


@pytest.fixture(scope="module")
def corpus(devwiki: DevWiki, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    played = Player(devwiki).play(small(), TITLE)
    return run_and_judge(devwiki, TITLE, records(played), tmp_path_factory.mktemp("corpus"))


def test_the_corpus_is_written_by_mediawiki_with_every_shape(corpus: Outcome) -> None:
    text = corpus.before
    assert "~~~" not in text  # every signature and timestamp was expanded by MediaWiki
    signers = {c.author for c in corpus.truth if c.status == SIGNED}
    custom = [name for name in CUSTOM_SIGNATURES if name in signers]
    assert len(custom) >= 4
    for name in custom:  # as MediaWiki accepted it in the preferences, and wrote it
        assert f"{CUSTOM_SIGNATURES[name][1]} " in text, name
    assert "[[Special:Contributions/198.51.100." in text
    statuses = Counter(c.status for c in corpus.truth)
    assert all(statuses[s] >= 2 for s in (SIGNED, UNDATED, BARE, UNSIGNED))
    shapes = Counter(c.shape for c in corpus.truth)
    for shape in ("two paragraphs", "continuation after a reply", "reply between paragraphs",
                  "unsigned, own signed reply months later", "unsigned, edited mid-line by another",
                  "paragraph under the background, unsigned", "filled prompt, signed",
                  "filled prompt, unsigned", "IP, signed", "IP, unsigned"):
        assert shapes[shape] >= 2, shape
    assert sum(n for s, n in shapes.items() if s.startswith("mention")) >= 6
    assert corpus.runs[0].status == 0, corpus.runs[0].stdout + corpus.runs[0].stderr
    assert corpus.edits[0] >= 1


def test_no_signed_comment_is_tagged(corpus: Outcome) -> None:
    judgement = corpus.judgement
    assert not judgement.tags_on_signed, details(judgement)


def test_unsigned_comments_are_tagged_with_their_author_and_minute(corpus: Outcome) -> None:
    """Except those the `attribute` report explains (the history cannot tell)."""
    judgement = corpus.judgement
    unexplained = [m for m in judgement.tag_misses if "(attribute says:" not in m.detail]
    assert not unexplained, details(judgement)
    assert not judgement.stray_tags


def test_no_participant_line_is_folded(corpus: Outcome) -> None:
    judgement = corpus.judgement
    assert judgement.participant_lines > 50
    assert not judgement.folded_wikitext, details(judgement)
    assert not judgement.folded_html, details(judgement)


def test_the_second_run_changes_nothing(corpus: Outcome) -> None:
    judgement = corpus.judgement
    assert judgement.second_run_edits == 0
    assert not judgement.second_run_problems, details(judgement)


def test_offline_analysis_credits_signed_comments_to_their_authors(corpus: Outcome) -> None:
    judgement = corpus.judgement
    assert judgement.offline_total > 20
    assert judgement.offline_share >= 0.99, details(judgement)
