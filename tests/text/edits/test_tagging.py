"""Tagging unsigned comments: golden cases (tests/cases/tagging), SineBot-like rules, properties."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import render
from bot.text.edits.tagging import (
    ALREADY_TAGGED,
    GRACE,
    HIDDEN_END,
    NOT_ATTRIBUTED,
    OPTED_OUT,
    TEMPLATE_FILE,
    UNDATED_OFF,
    TaggingPolicy,
    TagMade,
    render_tag,
    tag_comments,
    tags_read_alike,
    template_names,
    template_param,
    untag,
)
from bot.text.history.attribution import Attribution
from bot.text.history.contributions import ORGANIZERS_TEXT, decide
from bot.text.model.analysis import analyze
from bot.text.model.dates import format_date
from bot.text.model.profile import ENGLISH, SiteProfile
from bot.text.model.prompts import DEFAULT_PROMPT_PHRASES
from tests.golden import Case, cases
from tests.text.history.test_attribution import SIGNED_REPLY, base, insert_after, run
from tests.torture import ran, torture_settings

Q = "== Q ==\n:*(Add your comment here)\n"
WHEN = datetime(2016, 9, 20, 9, 15, tzinfo=UTC)
NOW = WHEN + timedelta(days=1)


def by(user: str, when: datetime = WHEN, revid: int = 7, anon: bool = False) -> Attribution:
    return Attribution(user, when, revid, anon)


def tag(text: str, attributions: dict, now: datetime = NOW, **policy) -> tuple[str, object]:
    decided = decide(analyze(text), attributions).analysis
    result = tag_comments(text, decided, now, TaggingPolicy(**policy), ENGLISH)
    assert untag(result.text, result.tagged) == text
    return result.text, result


def _attributions(raw: str) -> dict[int, Attribution | None]:
    out: dict[int, Attribution | None] = {}
    for line, value in json.loads(raw).items():
        if value is None:
            out[int(line)] = None
        else:
            when = datetime.fromisoformat(value["timestamp"].replace("Z", "+00:00"))
            out[int(line)] = Attribution(
                value["user"], when, value["revid"], value["anon"], value.get("signed", False)
            )
    return out


@pytest.mark.parametrize("case", cases("tagging"))
def test_golden(case: Case) -> None:
    options = json.loads(case.get("options") or "{}")
    now = datetime.fromisoformat(options.pop("now", "2016-10-01T00:00:00+00:00"))
    if "grace_minutes" in options:
        options["grace"] = timedelta(minutes=options.pop("grace_minutes"))
    if "opt_out" in options:
        options["opt_out"] = frozenset(options["opt_out"])
    if "order" in options:
        options["order"] = tuple(options["order"])
    text = case["input"]
    attributions = _attributions(case["attributions"])
    decided = decide(analyze(text), attributions).analysis
    result = tag_comments(text, decided, now, TaggingPolicy(**options), ENGLISH)
    case.check("output", result.text)
    assert untag(result.text, result.tagged) == text
    # Tags never move a line: the same line numbers stand for the same lines.
    again = tag_comments(
        result.text, decide(analyze(result.text), attributions).analysis, now,
        TaggingPolicy(**options), ENGLISH,
    )
    assert again.text == result.text and not again.tagged


def test_default_tag_and_ip_tag() -> None:
    text = Q + ":* First idea here\n:* Second idea here"
    out, result = tag(text, {3: by("Alice"), 4: by("192.0.2.7", anon=True)})
    assert out.split("\n")[2:] == [
        ":* First idea here {{unsigned|Alice|09:15, 20 September 2016 (UTC)}}",
        ":* Second idea here {{unsigned IP|192.0.2.7|09:15, 20 September 2016 (UTC)}}",
    ]
    assert [t.kind for t in result.tagged] == ["unsigned", "ip"]
    # An IP without the anon flag still gets the IP form.
    out, _ = tag(text, {3: by("2001:db8::1")})
    assert "{{unsigned IP|2001:DB8:0:0:0:0:0:1|" in out  # as MediaWiki names it


def test_tag_goes_on_the_last_line_of_a_multiline_comment() -> None:
    text = Q + ":* First line\n:*: second line of the same comment"
    out, _ = tag(text, {3: by("Alice"), 4: by("Alice")})
    assert out.split("\n")[2] == ":* First line"
    assert out.split("\n")[3].endswith("comment {{unsigned|Alice|09:15, 20 September 2016 (UTC)}}")


def test_each_edits_unsigned_lines_get_their_own_tag() -> None:
    # A contribution is what one edit added: one author's two unsigned edits are two.
    text = Q + ":* First line\n:*: second line, hours later"
    later = WHEN + timedelta(hours=12)
    out, result = tag(text, {3: by("Alice"), 4: by("Alice", later, revid=8)})
    assert [t.line for t in result.tagged] == [3, 4]
    assert out.split("\n")[2:] == [
        ":* First line {{unsigned|Alice|09:15, 20 September 2016 (UTC)}}",
        ":*: second line, hours later {{unsigned|Alice|21:15, 20 September 2016 (UTC)}}",
    ]


def test_a_line_ending_in_a_space_gets_its_tag_and_comes_back_exactly() -> None:
    text = "=== Q ===\nBackground of the question.\n== R ==\n:*(Add your comment here)\n" \
        ":* My idea \n:* Signed. [[User:A|A]] 10:00, 1 May 2020 (UTC)"
    out, result = tag(text, {5: by("Bob")})
    assert out.split("\n")[4] == ":* My idea {{unsigned|Bob|09:15, 20 September 2016 (UTC)}}"
    assert untag(out, result.tagged) == text


def test_a_tag_never_goes_on_a_blank_line() -> None:
    text = "== Q ==\n:* Signed. [[User:A|A]] 10:00, 1 May 2020 (UTC)\nBob's paragraph.\n\n" \
        ":* Carol's line."
    out, result = tag(text, {3: by("Bob"), 5: by("Carol", revid=9)})
    assert [t.line for t in result.tagged] == [3, 5]
    assert out.split("\n")[3] == ""
    assert out.split("\n")[2].startswith("Bob's paragraph. {{unsigned|Bob|")


def test_configured_template_order_and_subst() -> None:
    text = Q + ":* An idea"
    out, _ = tag(text, {3: by("Bob")}, template="unsigned2", order=("date", "user"), subst=True)
    assert out.endswith(":* An idea {{subst:unsigned2|09:15, 20 September 2016 (UTC)|Bob}}")


def test_grace_period_and_opt_out() -> None:
    text = Q + ":* Fresh idea\n:* Old idea by an opted-out user"
    attributions = {3: by("Alice", NOW - timedelta(minutes=10)), 4: by("Zed")}
    out, result = tag(text, attributions, opt_out=frozenset({"zed"}))
    assert out == text
    assert [s.reason for s in result.skipped] == [GRACE, OPTED_OUT]
    # A grace period shorter than an hour waits the hour: the author may still sign in a
    # follow-up edit, which counts as signing (see FOLLOW_UP).
    out, result = tag(text, attributions, grace=timedelta(minutes=5))
    assert "{{unsigned|Alice|" not in out and "{{unsigned|Zed|" in out
    later = NOW + timedelta(minutes=55)
    out, _ = tag(text, attributions, now=later, grace=timedelta(minutes=5))
    assert "{{unsigned|Alice|" in out


def test_already_tagged_is_skipped() -> None:
    text = (
        Q + ":* Tagged {{unsigned|Alice|09:15, 20 September 2016 (UTC)}}\n"
        ":* Tag on the next line\n{{unsigned|Bob}}\n:* Own undated tag [[User:C|C]] {{undated|x}}"
    )
    out, result = tag(text, {3: by("Alice"), 4: by("Bob"), 6: by("C")})
    assert out == text
    assert {s.reason for s in result.skipped} == {ALREADY_TAGGED}


def test_organizer_and_unattributed_lines_are_not_tagged() -> None:
    text = Q + ":* Example from the organizers\n:* Unknown"
    out, result = tag(text, {3: None})
    assert out == text
    # It reads as a comment, but the baseline wrote it; the other one has no history.
    assert [(s.line, s.reason) for s in result.skipped] == [
        (3, ORGANIZERS_TEXT), (4, NOT_ATTRIBUTED),
    ]


def test_a_paragraph_whose_edit_signed_is_not_tagged() -> None:
    text = Q + ":* First paragraph of Alice's comment.\n:* Second paragraph. " \
        "[[User:Alice|Alice]] ([[User talk:Alice|talk]]) 09:15, 20 September 2016 (UTC)"
    signed = Attribution("Alice", WHEN, 7, False, signed=True)
    out, result = tag(text, {3: signed, 4: signed})
    assert out == text and not result.tagged
    decided = decide(analyze(text), {3: signed, 4: signed}).analysis.comments
    assert [(c.status, c.author, c.line, c.end_line) for c in decided] == [
        ("signed", "Alice", 3, 4)
    ]


def test_undated_only_when_asked() -> None:
    text = Q + ":* An idea [[User:Carol|Carol]]"
    out, result = tag(text, {3: by("Carol")})
    assert out == text and result.skipped[0].reason == UNDATED_OFF
    out, _ = tag(text, {3: by("Carol")}, tag_undated=True)
    assert out.endswith("[[User:Carol|Carol]] {{undated|09:15, 20 September 2016 (UTC)}}")
    again, result = tag(out, {3: by("Carol")}, tag_undated=True)
    assert again == out and not result.tagged


def test_split_tags_the_unsigned_part_with_its_author() -> None:
    text = Q + ":* Unsigned thoughts from Alice here\n" + SIGNED_REPLY
    out, result = tag(text, {3: by("Alice"), 4: by("Bob", revid=8)})
    assert out.split("\n")[2].endswith("here {{unsigned|Alice|09:15, 20 September 2016 (UTC)}}")
    assert out.split("\n")[3] == SIGNED_REPLY
    assert [t.line for t in result.tagged] == [3]
    assert [c.status for c in analyze(out).comments] == ["tagged", "signed"]
    again, _ = tag(out, {3: by("Alice"), 4: by("Bob", revid=8)})
    assert again == out


def test_line_ending_inside_hidden_markup_is_skipped() -> None:
    text = Q + ":* Idea <!-- unfinished\nstill hidden -->\n:* {{quote|start"
    out, result = tag(text, {3: by("Alice"), 5: by("Bob")})
    assert out == text
    assert [s.reason for s in result.skipped] == [HIDDEN_END, HIDDEN_END]


def test_hostile_user_names_stay_one_parameter() -> None:
    user = "A=B|C}}{{D~~~~'[[x]]<b>&amp;"
    text = Q + ":* An idea"
    out, _ = tag(text, {3: by(user)})
    added = out.split("\n")[2][len(":* An idea ") :]
    assert added.count("|") == 2 and added.count("{{") == 1 and added.count("}}") == 1
    for bad in ("=", "~", "[", "<", "'"):
        assert bad not in added.split("|")[1]
    comment = analyze(out).comments[0]
    assert comment.status == "tagged" and comment.author == user
    assert template_param("a\nb") == "a b"


def test_date_follows_the_profile() -> None:
    german = SiteProfile(
        months=("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                "September", "Oktober", "November", "Dezember"),
        date_format="H:i, j. M. Y", timezones=(("CEST", 120),),
        months_abbrev=("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt",
                       "Nov", "Dez"),
    )
    assert format_date(WHEN, german) == "11:15, 20. Sep. 2016 (CEST)"
    assert format_date(WHEN, ENGLISH) == "09:15, 20 September 2016 (UTC)"
    odd = SiteProfile(date_format='Y-m-d\\TH:i:s "at" g A D')
    assert format_date(WHEN, odd) == "2016-09-20T09:15:00 at 9 AM Tue (UTC)"


def test_history_to_tags_end_to_end() -> None:
    h = base()
    h.edit("Alice", insert_after(h.latest, "Mentoring", ":* Mentors shuold be payed"))
    h.edit("Bob", insert_after(h.latest, "Mentoring", SIGNED_REPLY))
    h.edit("198.51.100.4", insert_after(h.latest, "Tools", ":* Better search"), anon=True)
    h.edit("Typo", h.latest.replace("shuold be payed", "should be paid"))
    found, _ = run(h)
    decided = decide(analyze(h.latest), found).analysis
    result = tag_comments(h.latest, decided, NOW, TaggingPolicy(), ENGLISH)
    assert [(t.user, t.revid) for t in result.tagged] == [("Alice", 101), ("198.51.100.4", 103)]
    assert ":* Mentors should be paid {{unsigned|Alice|09:07, 20 September 2016 (UTC)}}" in (
        result.text
    )
    again = decide(analyze(result.text), found).analysis
    assert tag_comments(result.text, again, NOW, TaggingPolicy(), ENGLISH).text == result.text


atoms = st.sampled_from([
    "\n", "== H ==", ":*", "::", "*", " ", "idea", "[[User:A|A]]",
    " 12:34, 5 May 2020 (UTC)", "{{unsigned|C}}", "{{", "}}", "<!--", "-->", "<nowiki>",
    "(Add your comment here)", "\t", "|", "~~~",
])


@torture_settings()
@given(
    st.lists(atoms | st.text(max_size=6), max_size=40).map("".join),
    st.lists(
        st.sampled_from(["Alice", "Bob", "192.0.2.1", "x|y=z}}", "signed", None]), max_size=40
    ),
)
def test_tagging_only_appends(text: str, users: list[str | None]) -> None:
    """Tags are only ever appended: every line keeps its text and stays one line, a blank line
    stays blank, untag() gives back the page exactly, and a second tagging adds nothing."""
    ran("tagging: only appends, exactly undone, a fixed point")
    attributions = {
        n: None if u is None else Attribution("Alice", WHEN, 8, False, signed=True)
        if u == "signed" else by(u)
        for n, u in enumerate(users, start=1)
    }
    out, result = tag(text, attributions, tag_undated=True)  # tag() checks untag() too
    old, new = text.split("\n"), out.split("\n")
    assert len(old) == len(new)
    assert all(b.startswith(a) for a, b in zip(old, new, strict=True))
    assert all(b == a for a, b in zip(old, new, strict=True) if not a.strip())
    assert all(made.revid != 8 for made in result.tagged)  # never the edit that signed
    again, result = tag(out, attributions, tag_undated=True)
    assert again == out and not result.tagged


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["unsigned", "ip", "undated"]), st.text(min_size=1, max_size=30),
    st.datetimes(timezones=st.just(UTC)), st.booleans(),
    st.sampled_from([(), ("user", "date"), ("date", "user")]),
    st.sampled_from(["", "unsigned", "Unsigned IP", "user:x|y", "subst:foo"]),
)
def test_a_tag_is_its_template_rendered_with_its_values(
    kind: str, user: str, when: datetime, subst: bool, order: tuple[str, ...], name: str
) -> None:
    """render_tag fills a form rendered once from the template: the same as rendering it."""
    policy = TaggingPolicy(template=name, ip_template=name, undated_template=name, subst=subst,
                           order=order)
    template = template_names(policy, ENGLISH)[kind]
    expected = render(
        TEMPLATE_FILE, name=template, subst=subst, order=order or ENGLISH.tag_order(template),
        user=None if kind == "undated" else template_param(user),
        date=template_param(format_date(when, ENGLISH)),
    ).strip()
    assert render_tag(kind, user, when, policy, ENGLISH) == expected


def test_a_template_that_changes_its_values_is_rendered_as_it_is(monkeypatch) -> None:
    """An edited tag template that does not place the user as given (here: upper case) gets no
    form filled in: each tag is the template rendered."""
    import jinja2

    from bot.render import TEMPLATES_DIR
    from bot.text.edits import tagging

    shipped = (TEMPLATES_DIR / TEMPLATE_FILE).read_text(encoding="utf-8")
    edited = jinja2.Template(shipped.replace('"user": user', '"user": user | upper'))
    values = {"name": "unsigned", "order": ("user", "date"), "subst": False, "date": "d"}
    assert edited.render(user="x", **values) != jinja2.Template(shipped).render(user="x", **values)
    monkeypatch.setattr(tagging, "load", lambda name: edited)
    when = datetime(2016, 9, 20, 9, 15, tzinfo=UTC)
    tag = render_tag("unsigned", "Alice", when, TaggingPolicy(), ENGLISH)
    assert tag == "{{unsigned|ALICE|09:15, 20 September 2016 (UTC)}}"


def test_an_edit_of_the_tag_template_is_used_without_a_restart(monkeypatch) -> None:
    """jinja2 loads a template file again once it changed: the tags made after that follow it
    (the form rendered once per template is kept per loaded template, not per process)."""
    import jinja2

    from bot.text.edits import tagging

    when = datetime(2016, 9, 20, 9, 15, tzinfo=UTC)
    before = render_tag("unsigned", "Alice", when, TaggingPolicy(), ENGLISH)
    edited = jinja2.Template("{{ '{{' }}{{ name }}|{{ user }}|when={{ date }}{{ '}}' }}")
    monkeypatch.setattr(tagging, "load", lambda name: edited)
    after = render_tag("unsigned", "Alice", when, TaggingPolicy(), ENGLISH)
    assert before == "{{unsigned|Alice|09:15, 20 September 2016 (UTC)}}"
    assert after == "{{unsigned|Alice|when=09:15, 20 September 2016 (UTC)}}"


def _tag_on(line: int, inserted: str = " {{unsigned|Bob|10:00, 1 February 2022 (UTC)}}") -> TagMade:
    return TagMade(line, line, "unsigned", "Bob", WHEN, 7, inserted.strip(), inserted)


def test_tags_read_alike_on_comment_lines_only() -> None:
    """Plain tags on lines the model reads as comments leave the model's comment lines, prompts,
    sections and boxes where they were; elsewhere, or with markup, the page is read again."""
    page = "\n".join([
        "== Q ==",
        "Background of the question.",
        "Bob's line right under it.",  # 3: question text to the page model
        ":*(Add your comment here) (Don't forget to add your signature)",
        ":* Bob's unsigned idea.",  # 5: a comment
        ":* Bob typed into the prompt (Don't forget to add your signature)",  # 6: a prompt
    ])

    def alike(page: str, tags: list[TagMade], phrases=DEFAULT_PROMPT_PHRASES) -> bool:
        return tags_read_alike(analyze(page, ENGLISH, phrases), tags, ENGLISH, phrases)

    assert alike(page, [])
    assert alike(page, [_tag_on(5), _tag_on(6)])
    assert alike(page, [_tag_on(5, "{{unsigned|Bob}}")])
    assert not alike(page, [_tag_on(3)])
    assert not alike(page, [_tag_on(5, " <small>{{unsigned|Bob}}</small>")])
    assert not alike(page, [_tag_on(5, " {{unsigned|[[User:Bob]]}}")])
    # An operator's phrase that the tag would stop matching.
    anchored = (*DEFAULT_PROMPT_PHRASES, r"sign below$")
    typed = page + "\n:* Bob's idea, sign below"
    assert analyze(typed, ENGLISH, anchored).placeholders[-1].line == 7
    assert alike(typed, [_tag_on(5)], anchored)
    assert not alike(typed, [_tag_on(7)], anchored)
