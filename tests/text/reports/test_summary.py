"""Golden cases for the summary (tests/cases/summary), its escaping, determinism and command."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import mwparserfromhell
import pytest

from bot.errors import InputError
from bot.render import TEMPLATES_DIR
from bot.text.history.attribution import Attribution
from bot.text.history.contributions import decide
from bot.text.model.analysis import SIGNED, UNSIGNED, Analysis, Comment, Placeholder, analyze
from bot.text.model.profile import SiteProfile, is_ip
from bot.text.model.sections import Section
from bot.text.reports.summary import build_summary, plain_text, render_summary, summary_to_dict
from bot.text.reports.timeline import (
    Account,
    PageRevision,
    SummaryHistory,
    SummaryRevision,
    parse_time,
    previous_summary,
)
from tests.golden import Case, cases
from tests.test_render import HOSTILE

ROOT = Path(__file__).parents[3]
SAMPLE = ROOT / "bot" / "samples" / "consultation.wikitext"
SAMPLE_AS_OF = datetime(2016, 9, 21, 17, 40, tzinfo=UTC)


def dump_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("case", cases("summary"))
def test_golden(case: Case) -> None:
    options = json.loads(case["options"])
    as_of = options.get("as_of")
    when = datetime.strptime(as_of, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if as_of else None
    analysis, history = history_of(case)
    summary = build_summary(analysis, options["title"], when, history=history)
    case.check("output", render_summary(summary).removesuffix("\n"))
    if case.get("json") is not None:
        case.check("json", dump_json(summary_to_dict(summary)))


def history_of(case: Case) -> tuple[Analysis, SummaryHistory | None]:
    """The case's page model, and its `history` block: what the wiki layer would gather.

    `revisions` are [revid, user, time]; `added_lines` the edits that wrote lines of the input,
    as the attribution finds them ([revid, user, time]), which decide the comments as the bot's
    runs do; `previous` a saved Summary.json; `current_summary` [revid, time] of the summary.
    """
    analysis = analyze(case["input"])
    if case.get("history") is None:
        return analysis, None
    data = json.loads(case["history"])
    revisions = tuple(PageRevision(r, u, parse_time(t)) for r, u, t in data["revisions"])
    authorship = {
        int(line): Attribution(u, parse_time(t), r, anon=is_ip(u))
        for line, (r, u, t) in data.get("added_lines", {}).items()
    }
    if authorship:
        analysis = decide(analysis, authorship).analysis
    current = data.get("current_summary")
    accounts = data.get("accounts")
    return analysis, SummaryHistory(
        revisions=revisions,
        opened=data.get("opened"),
        previous=previous_summary(data["previous"]) if "previous" in data else None,
        current_summary=SummaryRevision(current[0], parse_time(current[1])) if current else None,
        accounts=(
            {name: Account(parse_time(t)) for name, t in accounts.items()}
            if accounts is not None else None
        ),
    )


def sample_summary(as_of: datetime | None = SAMPLE_AS_OF):
    return build_summary(analyze(SAMPLE.read_text(encoding="utf-8")), "Consultation", as_of)


def test_same_input_twice_is_byte_identical() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    first = build_summary(analyze(text), "Consultation", SAMPLE_AS_OF)
    second = build_summary(analyze(text), "Consultation", SAMPLE_AS_OF)
    assert render_summary(first).encode() == render_summary(second).encode()
    assert dump_json(summary_to_dict(first)) == dump_json(summary_to_dict(second))


def test_output_does_not_depend_on_hash_seed_or_clock() -> None:
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": "Asia/Kolkata" if seed == "2" else "UTC"}
        result = subprocess.run(
            [sys.executable, "-m", "bot", "summary", str(SAMPLE), "--title", "C"],
            cwd=ROOT, env=env, capture_output=True, check=True, timeout=120,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_without_as_of_nothing_is_said_about_time() -> None:
    text = render_summary(sample_summary(None))
    assert "as of" not in text
    assert str(datetime.now(UTC).year) not in text
    assert summary_to_dict(sample_summary(None))["as_of"] is None


def test_as_of_is_shown_in_utc_whatever_its_zone() -> None:
    plus_two = SAMPLE_AS_OF.astimezone(timezone(timedelta(hours=2)))
    assert render_summary(sample_summary(plus_two)) == render_summary(sample_summary())
    naive = SAMPLE_AS_OF.replace(tzinfo=None)
    assert summary_to_dict(sample_summary(naive))["as_of"] == "2016-09-21T17:40:00Z"
    assert "as of 2016-09-21 17:40 (UTC)" in render_summary(sample_summary())


def test_the_summary_is_never_signed() -> None:
    text = render_summary(sample_summary())
    assert "~~~" not in text
    shipped = (TEMPLATES_DIR / "summary.wikitext.j2").read_text(encoding="utf-8")
    assert "~~~" not in re.sub(r"\{#.*?#\}", "", shipped, flags=re.DOTALL)


def test_rows_add_up_to_the_totals() -> None:
    summary = sample_summary()
    assert sum(q.comments for q in summary.questions) == summary.totals.comments == 6
    assert sum(q.unsigned for q in summary.questions) == summary.totals.unsigned == 2
    assert sum(p.comments for p in summary.participants) == 4  # signed, undated and IP
    assert [q.share for q in summary.questions] == [67, 33, 0]
    assert summary.totals.unanswered == 1 and summary.questions[2].unanswered


def test_excerpt_is_one_inert_line_of_at_most_100_characters() -> None:
    long = ":* " + "lorem ipsum " * 30 + "\n:*: second line [[Category:X]]"
    summary = build_summary(analyze("== Q ==\n:*(Add your comment here)\n" + long), "P", None)
    (item,) = summary.attention
    assert len(item.excerpt) <= 100 and "\n" not in item.excerpt
    assert item.excerpt.startswith("lorem ipsum") and item.excerpt.endswith("…")


def test_filled_prompt_excerpt_leaves_out_the_prompt_text() -> None:
    page = "== Q ==\n:*(Add your comment here) My idea. (Don't forget to add your signature)\n"
    (item,) = build_summary(analyze(page), "P", None).attention
    assert item.excerpt == "My idea."
    assert item.unsigned and item.filled_prompt


AUDIT_PAGE = (
    "== Q ==\n:*(Add your comment here) My idea, see [[Foo|the foo page]] {{tl|x}}. "
    "[[User:Ann|Ann]] ([[User talk:Ann|talk]]) 10:00, 1 March 2021 (UTC)\n"
)


def test_excerpt_is_readable_text_without_the_signature() -> None:
    summary = build_summary(analyze(AUDIT_PAGE), "P", None)
    (item,) = summary.attention
    assert item.excerpt == "My idea, see the foo page."
    assert item.author == "Ann" and not item.author_ip
    assert not item.unsigned and item.filled_prompt
    text = render_summary(summary)
    by = "(typed into the prompt) by [[:Special:Contributions/Ann|Ann]]"
    assert f"{by}: My idea, see the foo page.\n" in text
    (data,) = summary_to_dict(summary)["attention"]
    assert data["excerpt"] == "My idea, see the foo page." and data["author"] == "Ann"


def test_the_signature_does_not_eat_the_excerpt() -> None:
    words = "word " * 19 + "last."  # 100 characters
    page = f"== Q ==\n:*(Add your comment here) {words} [[User:Ann|Ann]] 10:00, 1 March 2021 (UTC)"
    (item,) = build_summary(analyze(page), "P", None).attention
    assert item.excerpt == words


def test_an_ip_author_links_to_contributions() -> None:
    page = (
        "== Q ==\n:*(Add your comment here) My idea. "
        "[[Special:Contributions/192.0.2.1|192.0.2.1]] 10:00, 1 March 2021 (UTC)\n"
    )
    summary = build_summary(analyze(page), "P", None)
    assert summary.attention[0].author_ip
    assert "by [[:Special:Contributions/192.0.2.1|192.0.2.1]]: My idea" in render_summary(summary)


def test_an_unsigned_comment_names_no_author() -> None:
    page = "== Q ==\n:*(Add your comment here) Mine. (Don't forget to add your signature)\n"
    text = render_summary(build_summary(analyze(page), "P", None))
    assert "\n* [[:P#Q|Q]] (unsigned, typed into the prompt): Mine.\n" in text


def test_the_signature_is_found_with_the_pages_profile() -> None:
    german = SiteProfile(
        user_namespaces=("Benutzer",), user_talk_namespaces=("Benutzer Diskussion",),
        months=("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                "September", "Oktober", "November", "Dezember"),
        months_abbrev=("Jan.", "Feb.", "Mär.", "Apr.", "Mai", "Jun.", "Jul.", "Aug.", "Sep.",
                       "Okt.", "Nov.", "Dez."),
        date_format="H:i, j. M Y", timezones=(("CET", 60),),
    )
    page = "== F ==\n:*(Add your comment here) Idee. [[Benutzer:Ann|Ann]] 10:00, 1. Mär. 2021 (CET)"
    analysis = analyze(page, german)
    assert analysis.comments[0].author == "Ann"
    assert build_summary(analysis, "P", None).attention[0].excerpt != "Idee."  # English profile
    (item,) = build_summary(analysis, "P", None, german).attention
    assert item.excerpt == "Idee." and item.author == "Ann"


def test_a_masked_signature_stays_in_the_excerpt() -> None:
    page = (
        "== Q ==\n:*(Add your comment here) Try <nowiki>[[User:Ann|Ann]] 10:00, 1 March 2021"
        " (UTC)</nowiki> as text. [[User:Bo|Bo]] 11:00, 1 March 2021 (UTC)\n"
    )
    (item,) = build_summary(analyze(page), "P", None).attention
    assert item.author == "Bo"
    assert item.excerpt == "Try [[User:Ann|Ann]] 10:00, 1 March 2021 (UTC) as text."


@pytest.mark.parametrize(
    ("wikitext", "shown"),
    [
        ("see [[Foo|the foo page]] {{tl|x}}.", "see the foo page."),
        ("[[Foo]], [[:Category:Bar]] and [[Category:Hidden]][[File:X.png|thumb|cap]]",
         "Foo, Category:Bar and"),
        ("'''bold''' ''it''<ref>note</ref>, <!-- c --> [https://x.example label] {{{1}}}",
         "bold it, label"),
        ("a  \t b\n c &amp; &lt;b&gt; <nowiki>{{x}}</nowiki>", "a b c & <b> {{x}}"),
        ("(sic {{x}}) {{y}}", "(sic)"),
    ],
)
def test_plain_text(wikitext: str, shown: str) -> None:
    assert plain_text(wikitext) == shown


def test_excerpt_is_cut_at_a_word_boundary() -> None:
    page = "== Q ==\n:*(Add your comment here)\n:* " + "abcdefghij " * 9 + "klmnopqrstuvwxyz end\n"
    (item,) = build_summary(analyze(page), "P", None).attention
    assert item.excerpt == ("abcdefghij " * 9).rstrip() + "…"


# --- the Part column -----------------------------------------------------------------------------


def test_no_part_column_when_no_question_has_a_part() -> None:
    page = (
        "== Q1 ==\n:* a [[User:A|A]] 10:00, 1 March 2021 (UTC)\n"
        "== Q2 ==\n:*(Add your comment here)\n"
    )
    summary = build_summary(analyze(page), "P", None)
    assert not summary.has_parts
    text = render_summary(summary)
    assert "\n! Question !! Comments !!" in text and "Part " not in text
    table = text[text.index("{|") : text.index("|}")]
    assert "\n|\n" not in table and table.count("\n|-\n| [[:P#Q") == 2


def test_part_column_when_one_question_has_a_part() -> None:
    page = "== Q1 ==\n:*(Add your comment here)\n= Book =\n== Q2 ==\n:*(Add your comment here)\n"
    summary = build_summary(analyze(page), "P", None)
    assert summary.has_parts
    text = render_summary(summary)
    assert "\n! Part !! Question !!" in text
    assert "\n|-\n|\n| [[:P#Q1|Q1]]" in text and "\n|-\n| Book\n| [[:P#Q2|Q2]]" in text


# --- the page title ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    ["Main Page#Frag", "A|B", "A[B", "A]B", "A{B", "A}B", "A<B", "A>B", "A\nB", "A\tB", "A\x7fB",
     "A\x85B", "", " ", "_ _", "A%7CB", "A&amp;B", "A ~~~ B", "..", "A/../B", "./A"],
)
def test_invalid_titles_are_refused(title: str) -> None:
    with pytest.raises(InputError, match="not a valid page title") as error:
        build_summary(analyze(AUDIT_PAGE), title, None)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "title", ["Talk:Foo/Bar (2021)", "Ünïcode – ok", "A & B", "100% sure", "Foo...bar", "A_B"]
)
def test_valid_titles_are_accepted(title: str) -> None:
    assert build_summary(analyze(AUDIT_PAGE), title, None).title == title


def test_operator_template(tmp_path: Path) -> None:
    mine = tmp_path / "mine.j2"
    mine.write_text("{{ totals.comments }} Kommentare auf {{ title | inert }}\n", encoding="utf-8")
    assert render_summary(sample_summary(), str(mine)) == "6 Kommentare auf Consultation\n"
    with pytest.raises(InputError, match="not found"):
        render_summary(sample_summary(), str(tmp_path / "summary.wikitext.j2"))
    broken = tmp_path / "broken.j2"
    broken.write_text("{{ no_such_value }}", encoding="utf-8")
    with pytest.raises(InputError, match="cannot render"):
        render_summary(sample_summary(), str(broken))


# --- hostile input -------------------------------------------------------------------------------


def hostile_analysis(values: tuple[str, ...]) -> Analysis:
    """A page model whose every title, user name and comment text is one of `values`.

    Built directly (not through analyze) so that each string reaches the summary unchanged.
    """
    sections = []
    comments = []
    placeholders = []
    for i, value in enumerate(values):
        level = 2 if i % 4 == 0 else 4
        sections.append(Section(value, level, value.replace(" ", "_"), i * 10 + 1, value, value))
        if level == 2:
            continue
        comments.append(Comment(value, i, i * 10 + 2, i * 10 + 2, 2, f"{value} {i}",
                                datetime(2020, 1, 1, tzinfo=UTC), SIGNED, False, value))
        comments.append(Comment(value, i, i * 10 + 3, i * 10 + 3, 2, None, None, UNSIGNED,
                                True, f":*{value} (Don't forget to add your signature)",
                                "(Don't forget to add your signature)"))
        comments.append(Comment(value, i, i * 10 + 4, i * 10 + 4, 2, f"{value} {i}",
                                datetime(2020, 1, 1, tzinfo=UTC), SIGNED, True,
                                f":*(Add your comment here) {value}", "(Add your comment here)"))
        placeholders.append(Placeholder(value, i, i * 10 + 3, True, "(Don't forget …)"))
        placeholders.append(Placeholder(value, i, i * 10 + 4, True, "(Add your comment here)"))
    return Analysis("", tuple(sections), tuple(comments), tuple(placeholders))


BENIGN = tuple("plain text" for _ in HOSTILE)
# Everything wikitext could act on; from user data, none of it may reach the output raw.
_MARKUP = ("[[", "]]", "{{", "}}", "~~~", "__", "<", ">", "''", "|", "!!", "-{", "}-", "&", "=",
           "://", "//", "ISBN ", "RFC ", "PMID ")


def markup_profile(text: str) -> dict[str, object]:
    """What a summary's markup is made of, regardless of the text values inside it."""
    lines = text.split("\n")
    return {
        "lines": len(lines),
        "line_starts": [line[:2] for line in lines if line[:1] in "*#:;={|!- "],
        **{token: text.count(token) for token in _MARKUP},
    }


def without_references(text: str) -> str:
    return re.sub(r"&#\d+;", "", text)


def render_hostile(values: tuple[str, ...], title: str, template: str | None = None) -> str:
    """The summary of hostile_analysis(values) under `title`, even an invalid one.

    build_summary refuses invalid titles; the template must still make any title inert.
    """
    analysis = hostile_analysis(values)
    summary = build_summary(analysis, "P", SAMPLE_AS_OF, history=hostile_history(analysis))
    return render_summary(replace(summary, title=title), template)


def hostile_history(analysis: Analysis) -> SummaryHistory:
    """A history in which every signed author of the hostile page made their first edit."""
    opened = PageRevision(1, "Organizer", datetime(2019, 12, 1, tzinfo=UTC))
    authors = dict.fromkeys(c.author for c in analysis.comments if c.author is not None)
    revisions = [opened] + [
        PageRevision(2 + k, author, datetime(2020, 1, 1, tzinfo=UTC))
        for k, author in enumerate(authors)
    ]
    return SummaryHistory(tuple(revisions), accounts={})


def test_hostile_values_add_no_markup() -> None:
    hostile = without_references(render_hostile(HOSTILE, "Page ~~~~ [[Category:X]] {{subst:Y}}"))
    benign = without_references(render_hostile(BENIGN, "Page plain text"))
    assert markup_profile(hostile) == markup_profile(benign)


def test_hostile_summary_keeps_its_shape_and_shows_the_text() -> None:
    text = render_hostile(HOSTILE, "Page|}")
    questions = sum(1 for i in range(len(HOSTILE)) if i % 4)
    table = text.split("\n== Questions ==\n", 1)[1].split("\n|}\n", 1)[0]
    assert table.count("\n|-\n") == questions
    # The tables: new comments, questions, weeks, newcomers.
    assert text.count("\n|}\n") == 4 and text.count("\n{|") == 4
    code = mwparserfromhell.parse(text)
    assert not code.filter_templates() and not code.filter_comments()
    assert not code.filter_external_links() and not code.filter_arguments()
    links = code.filter_wikilinks()
    targets = {html.unescape(str(link.title)) for link in links}
    revisions = {t for t in targets if re.fullmatch(r"Special:(?:Diff|Permalink)/\d+", t)}
    assert revisions and all(t.startswith("Special:Diff/") for t in revisions - {
        "Special:Permalink/1"  # where the consultation opened
    })
    targets -= revisions
    expected = {":Page|}"}
    for i, value in enumerate(HOSTILE):
        one_line = re.sub(r"[\n\r\t]", " ", value)
        expected.add(f":Special:Contributions/{one_line} {i}".replace("_", " ") if i % 4 else "")
        expected.add(f":Page|}}#{one_line}".replace("_", " ") if i % 4 else "")
    assert targets == expected - {""}
    shown = html.unescape(text)
    for value in HOSTILE:
        assert re.sub(r"[\n\r\t]", " ", value).strip() in shown, value


def test_the_hostile_check_has_teeth(tmp_path: Path) -> None:
    leaky = tmp_path / "leaky.j2"
    shipped = (TEMPLATES_DIR / "summary.wikitext.j2").read_text(encoding="utf-8")
    leaky.write_text(shipped.replace("a.excerpt | inert", "a.excerpt"), encoding="utf-8")
    hostile = without_references(render_hostile(HOSTILE, "P", str(leaky)))
    benign = without_references(render_hostile(BENIGN, "P", str(leaky)))
    assert markup_profile(hostile) != markup_profile(benign)


def test_hostile_page_through_the_analyzer() -> None:
    page = (
        "== &#91;&#91;Category:Spam&#93;&#93; &#123;&#123;subst:X&#125;&#125; ==\n"
        "=== T <nowiki>~~~~ __NOTOC__ |} <ref></nowiki> ===\n"
        ":*(Add your comment here)\n"
        ":* {{subst:X}} [[Category:Spam]] __NOTOC__ <ref>r</ref> || |} </nowiki> ''i'' <!-- c -->\n"
        ":*[[User:A&#124;B~~~]] says hi (Don't forget to add your signature)\n"
        ":* ok [[User:Eve&#91;&#91;x|Eve]] 10:00, 1 March 2021 (UTC)\n"
    )
    analysis = analyze(page)
    summary = build_summary(analysis, "Talk:P", None)
    text = render_summary(summary)
    assert summary.totals.questions == 1 and len(summary.attention) == 2
    assert summary.participants[0].name == "Eve[[x"
    plain = without_references(text)
    for token in ("~~~", "__", "{{", "<ref", "</nowiki", "<!--", "Category:Spam]]", "''i"):
        assert token not in plain, token
    assert plain.count("[[") == 5  # header, question, participant, two attention items


# --- command line --------------------------------------------------------------------------------


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "summary", *args], cwd=ROOT, input=stdin,
        capture_output=True, timeout=120, check=False,
    )


def test_cli_prints_the_wikitext_and_the_json() -> None:
    expected = render_summary(sample_summary())
    result = cli(str(SAMPLE), "--title", "Consultation", "--as-of", "2016-09-21T17:40:00Z")
    assert result.returncode == 0 and result.stdout.decode() == expected
    result = cli("-", "--title", "Consultation", "--json", stdin=SAMPLE.read_bytes())
    assert result.returncode == 0
    assert json.loads(result.stdout) == summary_to_dict(sample_summary(None))


def test_cli_uses_an_operator_template(tmp_path: Path) -> None:
    mine = tmp_path / "mine.j2"
    mine.write_text("{{ totals.questions }} questions\n", encoding="utf-8")
    result = cli(str(SAMPLE), "--title", "C", "--template", str(mine))
    assert result.stdout == b"3 questions\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-of", "2016-09-21 17:40"), "--as-of: expected YYYY-MM-DDTHH:MM:SSZ"),
        (("--as-of", "2016-02-30T00:00:00Z"), "--as-of: expected YYYY-MM-DDTHH:MM:SSZ"),
        (("--template", "/nonexistent/summary.wikitext.j2"), "summary template not found"),
    ],
)
def test_cli_bad_arguments_are_one_line_and_status_2(args: tuple[str, ...], message: str) -> None:
    result = cli(str(SAMPLE), "--title", "C", *args)
    assert result.returncode == 2 and result.stdout == b""
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_cli_needs_a_title() -> None:
    result = cli(str(SAMPLE))
    assert result.returncode == 2 and b"--title" in result.stderr
    assert cli(str(SAMPLE), "--title", " ").returncode == 2


@pytest.mark.parametrize("title", ["Main Page#Frag", "A|B", "A\nB", "A{{x}}"])
@pytest.mark.parametrize("json_option", [(), ("--json",)])
def test_cli_refuses_an_invalid_title(title: str, json_option: tuple[str, ...]) -> None:
    result = cli(str(SAMPLE), "--title", title, *json_option)
    assert result.returncode == 2 and result.stdout == b""
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "not a valid page title" in lines[0], lines


@pytest.mark.parametrize(
    "body",
    ["{{" * 1000 + "x" + "}}" * 1000, "{{" * 1500, "<div " * 5000, "[[a|" * 3000],
    ids=["nested-braces", "open-braces", "div-openers", "open-links"],
)
def test_hostile_markup_in_comments_and_titles_is_one_summary(body: str) -> None:
    page = (
        f"== Part {body} ==\n=== Q ===\nIntro.\n:*(Add your comment here) {body}\n"
        f":* {body}\n:* Signed {body} [[User:A|A]] 10:00, 1 May 2020 (UTC)\n"
    )
    summary = build_summary(analyze(page), "Consultation", None)
    assert summary.totals.comments == 3 and len(summary.attention) == 2
    assert all(len(item.excerpt) <= 100 for item in summary.attention)
    result = cli("-", "--title", "Consultation", stdin=page.encode())
    assert result.returncode == 0 and result.stderr == b""
    assert result.stdout.decode() == render_summary(summary)


def test_a_text_with_little_markup_is_read_whole() -> None:
    ref = "<ref>" + "A source. " * 200 + "</ref>"
    assert plain_text(ref + " My view.") == "My view."
