"""The summary of a consultation with a year of real history (tests/browser/consultation.py): new
since the last summary, the weekly chart and newcomers, and a run with nothing new makes no edit."""

from __future__ import annotations

import json

import pytest

from tests.browser.consultation import LATER, TITLE, YEAR, Consultation
from tests.devwiki import DevWiki

pytestmark = pytest.mark.wiki


def summary_json(wiki: DevWiki) -> dict:
    return json.loads(wiki.client().read(f"{TITLE}/Summary.json").text)


def test_the_first_run_folds_tags_and_summarizes(consultation: Consultation) -> None:
    first = consultation.runs[0]
    assert "folded 3 question intros" in first and "tagged 1 unsigned comment" in first
    assert f"[[{TITLE}/Summary]]: saved revision" in first


def test_new_since_the_last_summary_lists_the_december_comments(
    consultation: Consultation, readers_wiki: DevWiki
) -> None:
    new = summary_json(readers_wiki)["new_since"]
    assert new["summary_revid"] == consultation.summary_revids[0]
    # Newest first, each with the revision MediaWiki saved it in.
    assert [(c["author"], c["revid"]) for c in new["comments"]] == [
        (user, revid) for (_, user, *_), revid in reversed(list(zip(LATER, consultation.later,
                                                                    strict=True)))
    ]
    text = readers_wiki.client().read(f"{TITLE}/Summary").text
    assert "2 comments added since [[Special:Permalink/" in text
    for revid in consultation.later:
        assert f"[[Special:Diff/{revid}|diff]]" in text
    # The diff link shows the comment itself being added.
    for (_, user, _, words, _), revid in zip(LATER, consultation.later, strict=True):
        html = readers_wiki.client().get(action="compare", fromrev=revid, torelative="prev")
        assert words in json.dumps(html) and user in json.dumps(html)


def test_the_weekly_chart_spans_the_year(readers_wiki: DevWiki) -> None:
    data = summary_json(readers_wiki)
    weeks = data["weeks"]
    assert next(iter(weeks)) == "2016-01-04" and list(weeks)[-1] == "2016-12-05"
    assert sum(weeks.values()) == len(YEAR) + len(LATER) and data["undated_comments"] == 0
    text = readers_wiki.client().read(f"{TITLE}/Summary").text
    assert text.count('<div title="2016-') == len(weeks)
    assert '{| class="wikitable mw-collapsible mw-collapsed"\n|+ Comments per week' in text


def test_newcomers_are_counted_apart_from_regulars(readers_wiki: DevWiki) -> None:
    newcomers = summary_json(readers_wiki)["newcomers"]
    assert newcomers["regulars"] == ["Bob"]  # he opened the consultation
    assert [n["name"] for n in newcomers["newcomers"]] == ["Alice", "Carol", "192.0.2.7", "Dave"]
    client = readers_wiki.client()
    for row in newcomers["newcomers"]:
        (revision,) = client.get(
            action="query", prop="revisions", revids=row["first_revid"], rvprop="user|timestamp"
        )["query"]["pages"][0]["revisions"]
        assert revision["user"] == row["name"] and revision["timestamp"] == row["first_edit"]
    # Account ages are on: the test accounts were made when the wiki was installed, today.
    assert all(n["registered"] for n in newcomers["newcomers"] if n["name"] != "192.0.2.7")
    text = client.read(f"{TITLE}/Summary").text
    assert "* Newcomers, whose first edit on this page came after it opened: 4\n" in text
    assert "* Regulars, who had edited the page by then: 1\n" in text


def test_the_tagged_comment_keeps_the_key_it_had_unsigned(readers_wiki: DevWiki) -> None:
    page = readers_wiki.client().read(TITLE).text
    assert "A budget for meetups, even a small one. {{unsigned|Carol|10:10, 12 July 2016" in page
    assert "Carol|2016-07-12T10:10Z" in summary_json(readers_wiki)["comment_keys"]


def test_a_run_with_nothing_new_makes_no_edit(consultation: Consultation) -> None:
    third = consultation.runs[2]
    assert "nothing to change" in third and "saved revision" not in third
    assert "from the saved state (no history request)" in third
    assert consultation.summary_revids[2] == consultation.summary_revids[1]
    assert consultation.summary_revids[1] != consultation.summary_revids[0]
