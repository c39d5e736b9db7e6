"""Line comparison at scale: the fast verdicts are similar()'s, and on a page large enough to be
indexed, ranks stay the exact ones but for the rare similar pair the index does not find."""

from __future__ import annotations

import re
import sys
from collections import Counter
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import PageOptions
from bot.text.history import lines
from bot.text.history.attribution import RevisionMeta, attribute
from bot.text.history.contributions import lines_to_attribute
from bot.text.history.lines import (
    EXACT_LINES,
    MIN_FUZZY_LENGTH,
    LineIndex,
    Normalizer,
    Verdicts,
    queries,
    similar,
)
from bot.text.model.analysis import analyze
from bot.text.model.profile import ENGLISH
from bot.text.model.prompts import compile_phrases
from bot.text.plan import line_normalizer
from tests.histories import history_names, load_history
from tests.text.pages import consultation_page

# Near-duplicates as well as strangers: a typo, a word more, a different user in the signature.
BASE = st.sampled_from([
    "i think the mentoring academy should publish its reports",
    "support. [[user:alice|alice]] ([[user talk:alice|talk]]) 09:15, 20 september 2016 (utc)",
    "regional hubs would benefit from smaller cohorts and childcare",
    "aaaaaaaaaaaaaaaaaaaa", "abababababababababab",
])


@st.composite
def near(draw: st.DrawFn) -> str:
    text = draw(BASE)
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(["", "x", " ", "e", "bob", "s"])) + text[
            i + draw(st.integers(0, 3)) :
        ]
    return text


@settings(max_examples=600, deadline=None)
@given(near(), near())
def test_the_verdicts_are_similars(a: str, b: str) -> None:
    verdicts = Verdicts()
    assert verdicts.similar(a, b) == similar(a, b)
    assert verdicts.similar(b, a) == similar(b, a)


def test_the_character_bits_count_common_characters_as_a_multiset() -> None:
    verdicts = Verdicts()
    a, b = "aabbbc dd", "abbbbcc e"
    assert (verdicts.chars(a) & verdicts.chars(b)).bit_count() == 6  # a, b, b, b, c, space
    assert (Counter(a) & Counter(b)).total() == 6


def test_str_split_splits_where_the_regex_for_spaces_did() -> None:
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    assert set(re.findall(r"\s", every)) == {c for c in every if c.isspace()}


def _first_normalizer(line: str, normalizer: Normalizer) -> str:
    """The normalizer as first written (regular expressions for spaces and prompts)."""
    norm = compile_phrases(normalizer.phrases).sub(" ", line)
    if normalizer.tags is not None and "{{" in norm:
        norm = normalizer.tags.sub(" ", norm)
    norm = re.sub(r"^[*#:;\s]*", "", norm)
    return re.sub(r"\s+", " ", norm).strip().casefold()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    ":*", " ", "\t", "\u00a0", "\u2003", "x", "Add your comment here", "{{unsigned|A|B}}",
    "(Don't forget to add your signature)", "ÉCOLE", "ß", "\n", "\x1c",
]), max_size=10).map("".join))
def test_lines_are_normalized_as_before(line: str) -> None:
    normalizer = line_normalizer(PageOptions(tag_unsigned=True), ENGLISH)
    assert normalizer(line) == _first_normalizer(line, normalizer)


@cache
def _page(size: int, seed: int) -> tuple[list[str], list[int]]:
    text = consultation_page(size, seed).text
    return text.split("\n"), lines_to_attribute(analyze(text))


def _exact_and_indexed(size: int, seed: int) -> tuple[dict, dict, list[str]]:
    page, wanted = _page(size, seed)
    exact = line_normalizer(PageOptions(tag_unsigned=True), ENGLISH)
    norms = [exact(line) for line in page]
    reference = lines._exact_queries(norms, set(wanted), exact.verdicts)
    indexed = line_normalizer(PageOptions(tag_unsigned=True), ENGLISH)
    found = queries(page, wanted, indexed)
    return reference, found, norms


def test_large_pages_are_indexed_and_their_ranks_are_the_exact_ones_but_rarely() -> None:
    differ = ranked = total = 0
    for seed in (1, 2, 3):
        reference, found, norms = _exact_and_indexed(250_000, seed)
        distinct = {n for n in norms if len(n) >= MIN_FUZZY_LENGTH}
        assert len(distinct) > EXACT_LINES  # the page is indexed
        assert found.keys() == reference.keys()
        for number, query in reference.items():
            assert found[number].norm == query.norm
            # A missed pair can only make a rank lower.
            assert found[number].rank <= query.rank
            differ += found[number].rank != query.rank
        ranked += sum(1 for q in reference.values() if q.rank > 1)
        total += len(reference)
    assert ranked > 100  # the pages do hold repeated and similar lines
    assert differ <= total / 200  # measured: 2 of 1,406 wanted lines (short votes)


def test_an_indexed_page_finds_each_of_its_lines_where_its_query_says() -> None:
    """The history's searches count similar lines as the page's ranks did: each line's query
    leads back to that line, and the line's query is its own."""
    page, _ = _page(250_000, 4)
    normalizer = line_normalizer(PageOptions(tag_unsigned=True), ENGLISH)
    every = [n for n, line in enumerate(page, start=1) if line.strip()]
    found = queries(page, every, normalizer)
    index = LineIndex.build("\n".join(page), normalizer)
    for number, query in found.items():
        if not query.norm:
            continue
        assert index.find(query, normalizer.verdicts) == number - 1
        assert index.query_at(number - 1, normalizer.verdicts) == query
        assert index.count_similar(query.norm, query.rank, normalizer.verdicts) >= query.rank


def test_revisions_find_the_similar_lines_they_would_with_an_index_of_their_own() -> None:
    """Revisions share one index of every line searched so far (lines recur from revision to
    revision): each still finds exactly the similar lines it holds, as an index of its own
    lines alone finds them."""
    page, _ = _page(250_000, 5)
    normalizer = line_normalizer(PageOptions(tag_unsigned=True), ENGLISH)
    queries(page, range(1, len(page) + 1), normalizer)  # learns the page's anchors
    verdicts = normalizer.verdicts
    half = len(page) // 2
    revisions = [page[:half], page[half // 2 :], page[::2], page]  # overlapping line sets
    indexes = [LineIndex.build("\n".join(lines_), normalizer) for lines_ in revisions]
    asked = [n for n in dict.fromkeys(map(normalizer, page)) if len(n) >= MIN_FUZZY_LENGTH]
    found_some = 0
    for index in indexes:
        own = lines._Postings(verdicts.anchors)
        for other in index.by_length:
            if len(other) >= MIN_FUZZY_LENGTH:
                own.add(other)
        for norm in asked[::7]:
            shared = index._similar_lines(norm, verdicts)
            alone = [o for o in own.candidates(norm) if verdicts.similar(norm, o)]
            assert sorted(shared) == sorted(alone)
            found_some += bool(alone)
    assert len(verdicts.anchors.postings().added) > max(len(i.by_length) for i in indexes) / 2
    assert found_some > 20  # the page does hold similar lines


def test_recorded_histories_rank_their_lines_alike_indexed_or_not() -> None:
    """Every revision MediaWiki recorded (tests/cases/histories), each of its lines ranked with
    every pair compared and through the index: the ranks agree."""
    differ = total = 0
    for name in history_names():
        history = load_history(name)
        for revision in history.revisions:
            page = history.texts[revision.revid].split("\n")
            every = [n for n, line in enumerate(page, start=1) if line.strip()]
            exact = line_normalizer(PageOptions(tag_unsigned=True), ENGLISH)
            norms = [exact(line) for line in page]
            reference = lines._exact_queries(norms, set(every), exact.verdicts)
            indexed = line_normalizer(PageOptions(tag_unsigned=True), ENGLISH)
            norms = [indexed(line) for line in page]
            indexed.verdicts.anchors.learn(
                [n for n in dict.fromkeys(norms) if len(n) >= MIN_FUZZY_LENGTH]
            )
            found = lines._indexed_queries(norms, set(every), indexed.verdicts)
            differ += sum(found[n] != q for n, q in reference.items())
            total += len(reference)
    assert total > 2_000
    assert differ == 0


def _attribution(name: str) -> dict:
    from tests.text.test_recorded_histories import _Texts

    history = load_history(name)
    final = history.final_text
    revisions = [
        RevisionMeta(r.revid, r.user, r.timestamp, r.anon, r.tags, r.sha1)
        for r in history.revisions
    ]
    normalizer = line_normalizer(PageOptions(tag_unsigned=True), ENGLISH)
    return attribute(lines_to_attribute(analyze(final)), revisions, _Texts(history),
                     current_text=final, profile=ENGLISH, normalizer=normalizer)


def test_recorded_histories_are_attributed_alike_indexed_or_not(monkeypatch) -> None:
    """The whole attribution of each recorded history, with its pages indexed however small:
    every line gets the same author."""
    for name in history_names():
        exact = _attribution(name)
        with monkeypatch.context() as patch:
            patch.setattr(lines, "EXACT_LINES", 0)
            assert _attribution(name) == exact, name


def test_the_same_lines_asked_again_are_answered_alike() -> None:
    """queries() keeps its last answer: the same lines asked again (all, or some of the wanted
    ones) get what a fresh normalizer answers; other lines are asked afresh."""
    page, wanted = _page(60_000, 5)
    normalizer = line_normalizer(PageOptions(tag_unsigned=True), ENGLISH)
    first = queries(page, wanted, normalizer)
    assert queries(list(page), wanted, normalizer) == first
    some = wanted[::3]
    assert queries(page, some, normalizer) == {n: first[n] for n in some if n in first}
    other = [*page[:10], "A line of someone's, put in above the rest of the page.", *page[10:]]
    fresh = line_normalizer(PageOptions(tag_unsigned=True), ENGLISH)
    assert queries(other, wanted, normalizer) == queries(other, wanted, fresh)
