"""The summary's sections about time: what is new since the last summary (and that it stays put
when nothing is new), comments per week, newcomers, and reading back a saved Summary.json."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.history.attribution import Attribution
from bot.text.history.contributions import decide
from bot.text.model.analysis import Analysis, analyze
from bot.text.reports.summary import build_summary, render_summary, summary_to_dict
from bot.text.reports.timeline import (
    CHART_WEEKS,
    PageRevision,
    SummaryHistory,
    SummaryRevision,
    comment_keys,
    previous_summary,
    weekly_activity,
)
from tests.golden import parse_case
from tests.text.reports.test_summary import history_of

CASES = Path(__file__).resolve().parents[2] / "cases" / "summary"
TITLE = "Mentoring consultation"


def summarize(text: str | Analysis, history: SummaryHistory | None) -> tuple[str, dict]:
    analysis = analyze(text) if isinstance(text, str) else text
    summary = build_summary(analysis, TITLE, None, history=history)
    return render_summary(summary), summary_to_dict(summary)


def saved(data: dict) -> dict:
    """A Summary.json as the wiki gives it back (MediaWiki re-serializes JSON pages)."""
    return json.loads(json.dumps(data))


def next_run(history: SummaryHistory, data: dict, summary_revid: int) -> SummaryHistory:
    """The history of the next run: the summary just saved is the current one, its JSON the
    previous data."""
    when = datetime(2017, 1, 1, tzinfo=UTC) + timedelta(minutes=summary_revid)
    return replace(
        history, previous=previous_summary(saved(data)),
        current_summary=SummaryRevision(summary_revid, when),
    )


@pytest.mark.parametrize("name", ["history_year", "history_new_since"])
def test_a_run_with_nothing_new_gives_the_same_text(name: str) -> None:
    analysis, history = history_of(parse_case(CASES / f"{name}.mwtest"))
    text, data = summarize(analysis, history)
    # Again and again, each time on top of the summary the bot itself saved last.
    for revid in (500, 501):
        history = next_run(history, data, revid)
        again, again_data = summarize(analysis, history)
        assert again == text and again_data == data


def test_something_new_makes_the_saved_summary_the_last_one() -> None:
    case = parse_case(CASES / "history_year.mwtest")
    analysis, history = history_of(case)
    _, first = summarize(analysis, history)
    assert first["new_since"]["summary_revid"] is None and len(first["new_since"]["comments"]) == 9
    late_case = replace(case, blocks={**case.blocks, "input": case["input"] + (
        "\n:* A late idea. [[User:Alice|Alice]] 09:00, 1 January 2017 (UTC)"
    )})
    late_analysis, _ = history_of(late_case)  # the unsigned comment decided as before
    late = PageRevision(600, "Alice", datetime(2017, 1, 1, 9, 0, 30, tzinfo=UTC))
    history = replace(next_run(history, first, 550), revisions=(*history.revisions, late))
    text, data = summarize(late_analysis, history)
    assert [c["key"] for c in data["new_since"]["comments"]] == ["Alice|2017-01-01T09:00Z"]
    assert data["new_since"]["comments"][0]["revid"] == 600
    assert data["new_since"]["summary_revid"] == 550
    assert "1 comment added since [[Special:Permalink/550|the summary of" in text
    assert "| [[Special:Diff/600|diff]]\n" in text


def test_first_summary_counts_everything_as_new_since_the_opening() -> None:
    text, data = summarize("== Q ==\n:* Idea. [[User:Ann|Ann]] 10:00, 1 March 2021 (UTC)",
                           SummaryHistory(()))
    assert "1 comment added since the consultation opened.\n" in text
    assert data["new_since"]["comments"][0]["revid"] is None  # not in the (empty) history
    assert "== Newcomers ==" not in text  # no history: nobody can be placed


def test_no_history_no_new_since_and_no_newcomers() -> None:
    text, data = summarize("== Q ==\n:* Idea. [[User:Ann|Ann]] 10:00, 1 March 2021 (UTC)", None)
    assert "== New since" not in text and "== Newcomers ==" not in text
    assert "new_since" not in data and "newcomers" not in data
    assert "== Participation over time ==" in text  # the signatures date the comments
    assert data["comment_keys"] == ["Ann|2021-03-01T10:00Z"]


UNSIGNED_PAGE = "== Q ==\n:*(Add your comment here)\n:* An unsigned idea.\n"
TAGGED_PAGE = (
    "== Q ==\n:*(Add your comment here)\n"
    ":* An unsigned idea. {{unsigned|Carol|12:00, 1 August 2016 (UTC)}}\n"
)


def test_an_unsigned_comment_keeps_its_key_and_row_once_tagged() -> None:
    carol = Attribution("Carol", datetime(2016, 8, 1, 12, 0, 21, tzinfo=UTC), 9, anon=False)
    before = decide(analyze(UNSIGNED_PAGE), {3: carol}).analysis
    after = analyze(TAGGED_PAGE)
    assert after.comments[0].author == "Carol" and before.comments[0].author == "Carol"
    assert comment_keys(before.comments) == comment_keys(after.comments) == (
        "Carol|2016-08-01T12:00Z",
    )
    history = SummaryHistory((PageRevision(9, "Carol", carol.timestamp),))
    rows = [summarize(a, history)[1]["new_since"]["comments"] for a in (before, after)]
    assert rows[0] == [{**rows[1][0], "line": rows[0][0]["line"]}]
    assert rows[0][0]["revid"] == 9 and rows[0][0]["unsigned"]
    # Without the history, its text is its key.
    assert comment_keys(analyze(UNSIGNED_PAGE).comments)[0].startswith("|text:")


def test_a_signature_saved_across_a_minute_finds_its_revision() -> None:
    page = "== Q ==\n:* Idea. [[User:Ann|Ann]] 10:00, 1 March 2021 (UTC)"
    late = PageRevision(7, "Ann", datetime(2021, 3, 1, 10, 1, 0, tzinfo=UTC))
    other = PageRevision(6, "Bob", datetime(2021, 3, 1, 10, 0, 0, tzinfo=UTC))
    _, data = summarize(page, SummaryHistory((other, late)))
    assert data["new_since"]["comments"][0]["revid"] == 7
    assert data["newcomers"]["newcomers"][0]["first_revid"] == 7


def test_repeated_keys_are_numbered_in_page_order() -> None:
    page = "== Q ==\n" + ":* Same. [[User:Ann|Ann]] 10:00, 1 March 2021 (UTC)\n" * 3
    assert comment_keys(analyze(page).comments) == (
        "Ann|2021-03-01T10:00Z", "Ann|2021-03-01T10:00Z#2", "Ann|2021-03-01T10:00Z#3",
    )


def comments_on(days: list[date]) -> str:
    lines = [
        f":* Idea {n}. [[User:Ann|Ann]] 10:{n % 60:02d}, {d.day} {d:%B %Y} (UTC)"
        for n, d in enumerate(days)
    ]
    return "== Q ==\n" + "\n".join(lines)


def test_weeks_run_from_the_first_comment_to_the_last_zero_weeks_included() -> None:
    activity = weekly_activity(analyze(comments_on(
        [date(2021, 3, 3), date(2021, 3, 7), date(2021, 3, 8), date(2021, 3, 29)]
    )).comments)
    assert activity is not None
    assert [(w.week, w.comments) for w in activity.weeks] == [
        (date(2021, 3, 1), 2), (date(2021, 3, 8), 1), (date(2021, 3, 15), 0),
        (date(2021, 3, 22), 0), (date(2021, 3, 29), 1),
    ]
    assert [w.height for w in activity.weeks] == [100, 50, 0, 0, 50]
    assert activity.busiest.week == date(2021, 3, 1)


def test_a_small_week_still_gets_a_visible_bar_and_a_long_chart_is_cut() -> None:
    start = date(2019, 1, 7)
    days = [start] * 60 + [start + timedelta(weeks=n) for n in range(1, 70)]
    activity = weekly_activity(analyze(comments_on(days)).comments)
    assert activity.weeks[0].height == 100 and activity.weeks[1].height == 3
    assert len(activity.weeks) == 70 and len(activity.chart) == CHART_WEEKS
    assert activity.chart[-1] == activity.weeks[-1]
    text = render_summary(build_summary(analyze(comments_on(days)), "P", None))
    assert "Comments per week (weeks from Monday, UTC), the last 53 weeks." in text
    assert text.count('<div title="') == CHART_WEEKS
    assert text.count("\n| 2019-") + text.count("\n| 2020-") == 70  # the table has them all


@settings(max_examples=200, deadline=None)
@given(st.lists(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2030, 1, 1)),
                min_size=1, max_size=20), st.integers(-12, 14))
def test_weeks_are_counted_in_utc_whatever_the_zone_of_a_time(times, hours) -> None:
    comment = analyze(comments_on([date(2021, 3, 3)])).comments[0]
    in_utc = [replace(comment, timestamp=t.replace(tzinfo=UTC)) for t in times]
    zone = timezone(timedelta(hours=hours))
    elsewhere = [replace(c, timestamp=c.timestamp.astimezone(zone)) for c in in_utc]
    naive = [replace(c, timestamp=c.timestamp.replace(tzinfo=None)) for c in in_utc]
    activity = weekly_activity(in_utc)
    assert activity is not None and sum(w.comments for w in activity.weeks) == len(times)
    assert weekly_activity(elsewhere) == activity == weekly_activity(naive)


def test_no_dated_comment_no_chart() -> None:
    page = "== Q ==\n:*(Add your comment here)\n:* Unsigned.\n"
    assert weekly_activity(analyze(page).comments) is None
    assert "== Participation over time ==" not in render_summary(
        build_summary(analyze(page), "P", None)
    )


NEWCOMER_PAGE = (
    "== Q ==\n"
    ":* A. [[User:Old|Old]] 10:00, 1 March 2021 (UTC)\n"
    ":* B. [[User:New|New]] 10:00, 2 March 2021 (UTC)\n"
    ":* C. [[User:Ghost|Ghost]] 10:00, 3 March 2021 (UTC)\n"
)


def test_newcomers_regulars_and_names_not_in_the_history() -> None:
    revisions = (
        PageRevision(1, "Organizer", datetime(2021, 2, 1, tzinfo=UTC)),
        PageRevision(2, "Old", datetime(2021, 2, 2, tzinfo=UTC)),  # the consultation opens
        PageRevision(3, "Old", datetime(2021, 3, 1, 10, 0, tzinfo=UTC)),
        PageRevision(4, "New", datetime(2021, 3, 2, 10, 0, tzinfo=UTC)),
    )
    _, data = summarize(NEWCOMER_PAGE, SummaryHistory(revisions, opened=2))
    newcomers = data["newcomers"]
    assert [n["name"] for n in newcomers["newcomers"]] == ["New"]
    assert newcomers["regulars"] == ["Old"] and newcomers["not_in_history"] == ["Ghost"]
    assert newcomers["opened"] == {"revid": 2, "time": "2021-02-02T00:00:00Z"}
    # Without a baseline the first revision opened it: Old's first edit came after it.
    _, data = summarize(NEWCOMER_PAGE, SummaryHistory(revisions))
    assert [n["name"] for n in data["newcomers"]["newcomers"]] == ["Old", "New"]
    assert "registered" not in data["newcomers"]["newcomers"][0]


@pytest.mark.parametrize(
    "data",
    [
        None, [], "text", {}, {"comment_keys": ["a"]}, {"comment_keys": "a", "new_since": {}},
        {"comment_keys": [1], "new_since": {"comments": []}},
        {"comment_keys": ["a"], "new_since": {"comments": [{"key": 5}]}},
        {"comment_keys": ["a"], "new_since": {"comments": "x"}},
    ],
)
def test_a_saved_summary_without_usable_data_is_no_previous_summary(data: object) -> None:
    assert previous_summary(data) is None


@pytest.mark.parametrize(
    ("revid", "time", "since"),
    [
        (12, "2016-11-30T12:00:05Z", SummaryRevision(12, datetime(2016, 11, 30, 12, 0, 5,
                                                                  tzinfo=UTC))),
        (True, "2016-11-30T12:00:05Z", None), (-1, "2016-11-30T12:00:05Z", None),
        ("12", "2016-11-30T12:00:05Z", None), (12, "yesterday", None), (12, None, None),
        (None, None, None),
    ],
)
def test_only_a_well_formed_summary_revision_is_taken(revid, time, since) -> None:
    data = {"comment_keys": ["a", "b"], "new_since": {
        "summary_revid": revid, "summary_time": time, "comments": [{"key": "b"}, "junk"],
    }}
    previous = previous_summary(data)
    assert previous is not None and previous.since == since
    assert previous.comments == {"a", "b"} and previous.new == {"b"}


@pytest.mark.parametrize(
    ("language", "headings"),
    [
        ("de", ("Neu seit der letzten Zusammenfassung", "Beteiligung im Zeitverlauf",
                "Neu Teilnehmende")),
        ("fr", ("Nouveautés depuis le dernier résumé", "Participation au fil du temps",
                "Nouveaux participants")),
        ("pl", ("Nowe od ostatniego podsumowania", "Udział w czasie", "Nowi uczestnicy")),
    ],
)
def test_the_sections_about_time_speak_the_wikis_language(language: str, headings) -> None:
    from bot.render import labels_in

    analysis, history = history_of(parse_case(CASES / "history_new_since.mwtest"))
    with labels_in(language):
        text, _ = summarize(analysis, history)
    for heading in headings:
        assert f"\n== {heading} ==\n" in text
    assert "New since" not in text and "Newcomer" not in text and "busiest" not in text


@settings(max_examples=1000, deadline=None)
@given(st.datetimes(timezones=st.one_of(st.none(), st.just(UTC), st.timezones())))
def test_a_minute_is_written_as_strftime_writes_it(when: datetime) -> None:
    from bot.text.reports.timeline import _minute, minute_text

    try:
        expected = _minute(when).strftime("%Y-%m-%dT%H:%MZ")
    except OverflowError:
        return  # a time at the very ends of the range that UTC cannot hold
    assert minute_text(when) == expected
