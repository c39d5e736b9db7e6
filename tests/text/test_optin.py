"""Opt-in by template: discovery, name matching as MediaWiki does it, parameters, bad parameters."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.config import PageOptions
from bot.text.model.prompts import compile_phrases
from bot.text.optin import EDITABLE, OptIn, read_optin, template_key

TEMPLATE = "User:ConsultationBot/config"
DEFAULTS = PageOptions(placeholder_patterns=("operator phrase",))
TITLE = "Strategy/Consultation"
WHERE = f"[[{TITLE}]]: {{{{{TEMPLATE}}}}}"


def opt_in(text: str, template: str = TEMPLATE) -> OptIn:
    return read_optin(text, template, DEFAULTS, TITLE)


@pytest.mark.parametrize(
    "call",
    [
        "{{User:ConsultationBot/config}}",
        "{{user:ConsultationBot/config}}",
        "{{User:consultationBot/config}}",
        "{{User_talk:X}}{{ User : ConsultationBot/config }}",
        "{{USER:ConsultationBot/config}}",
        "{{User:ConsultationBot_/config}}".replace("_/", "/"),
        "{{User:Consultation_Bot/config}}".replace("Consultation_Bot", "ConsultationBot"),
        "{{:User:ConsultationBot/config}}",
        "{{User:ConsultationBot/config<!-- keep -->\n|collapse=no}}",
        "intro\n{{Collapse top|{{User:ConsultationBot/config}}}}",
    ],
)
def test_the_template_is_found(call: str) -> None:
    result = opt_in(f"== Consultation ==\n{call}\ntext")
    assert result.found
    assert result.problems == ()
    assert result.options is not None
    assert result.options.title == TITLE


@pytest.mark.parametrize(
    "text",
    [
        "no template here",
        "{{ConsultationBot/config}}",  # Template:ConsultationBot/config, another page
        "{{Template:User:ConsultationBot/config2}}",
        "<!-- {{User:ConsultationBot/config}} -->",
        "<nowiki>{{User:ConsultationBot/config}}</nowiki>",
        "<pre>{{User:ConsultationBot/config}}</pre>",
        "{{msgnw:User:ConsultationBot/config}}",
        "{{User:ConsultationBot/configuration}}",
    ],
)
def test_the_template_is_not_found(text: str) -> None:
    assert opt_in(text) == OptIn(None)
    assert not opt_in(text).found


@pytest.mark.parametrize(
    ("configured", "on_page", "same"),
    [
        ("Consultation config", "{{consultation_config}}", True),
        ("Template:Consultation config", "{{Consultation  config}}", True),
        ("template:consultation config", "{{Template:Consultation_config}}", True),
        ("Consultation config", "{{:Consultation config}}", False),  # a main-namespace page
        ("Consultation config", "{{Consultation Config}}", False),  # only the first letter
        ("User:Bot/config", "{{Bot/config}}", False),
        ("Template:Foo:Bar", "{{Foo:Bar}}", True),
    ],
)
def test_template_names_match_as_in_mediawiki(configured: str, on_page: str, same: bool) -> None:
    assert opt_in(on_page, configured).found is same
    name = on_page.strip("{}")
    assert (template_key(name) == template_key(configured)) is same


def test_parameters_become_the_page_options() -> None:
    result = opt_in(
        "{{User:ConsultationBot/config\n"
        "| collapse = no\n"
        "| collapse_style = keep-heading\n"
        "| collapse_levels = 4, 3\n"
        "| summary = YES <!-- the organizers asked -->\n"
        "| summary_subpage = Résumé (draft)\n"
        "| summary_json = false\n"
        "| tag_unsigned = 1\n"
        "| tag_undated = true\n"
        "| grace_minutes = 120\n"
        "| placeholder = Write your reply here!\n"
        "| organizers = Mira (WMF), Tomás_(WMF)\n"
        "}}"
    )
    assert result.problems == ()
    assert result.options == replace(
        DEFAULTS,
        title=TITLE,
        collapse=False,
        collapse_style="keep-heading",
        collapse_levels=(3, 4),
        summary=True,
        summary_subpage="Résumé (draft)",
        summary_json=False,
        tag_unsigned=True,
        tag_undated=True,
        grace_minutes=120,
        placeholder_patterns=("operator phrase", r"Write\s+your\s+reply\s+here!"),
        organizers=("Mira (WMF)", "Tomás (WMF)"),
    )


@pytest.mark.parametrize("value", ["", " , ", "A|B", "[[User:A]]", "A/B", ",".join("x" * 21)])
def test_bad_organizers_are_a_problem(value: str) -> None:
    result = opt_in("{{User:ConsultationBot/config|organizers=" + value + "}}")
    assert result.options is None and result.problems


def test_without_parameters_the_defaults_apply() -> None:
    assert opt_in("{{User:ConsultationBot/config}}").options == replace(DEFAULTS, title=TITLE)


def test_the_placeholder_is_a_literal_phrase_not_a_pattern() -> None:
    options = opt_in("{{User:ConsultationBot/config|placeholder=(.*)+ reply [a]*+}}").options
    assert options is not None
    pattern = compile_phrases(options.placeholder_patterns[-1:])
    assert pattern.search(":*(.*)+   REPLY [a]*+")
    assert not pattern.search("anything else reply aaaa")


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ("collapse=maybe", "collapse: expected yes or no (or true/false, 1/0), got 'maybe'"),
        ("collapse=", "collapse: expected yes or no (or true/false, 1/0), got ''"),
        ("summary={{yes}}", "summary: expected plain text, not markup"),
        ("summary=[[yes]]", "summary: expected plain text, not markup"),
        ("collapse_style=fold", "collapse_style: expected replace-heading or keep-heading, "
         "got 'fold'"),
        ("collapse_levels=3;4", "collapse_levels: expected heading levels from 1 to 6, "
         "separated by commas (\"3,4\"), got '3;4'"),
        ("collapse_levels=7", "collapse_levels: expected heading levels"),
        ("collapse_levels=", "collapse_levels: expected heading levels"),
        ("grace_minutes=-5", "grace_minutes: expected a whole number of minutes from 0 to 10080"),
        ("grace_minutes=1e3", "grace_minutes: expected a whole number"),
        ("grace_minutes=99999", "grace_minutes: expected a whole number"),
        ("placeholder=hi", "placeholder: expected a prompt phrase of 6 to 200 characters"),
        ("collapse_template=/etc/passwd", "'collapse_template': unknown parameter (known: "
         "collapse, collapse_style"),
        ("summary_template=x.j2", "'summary_template': unknown parameter"),
        ("title=Main Page", "'title': unknown parameter"),
        ("unsigned_template=vandalism", "'unsigned_template': unknown parameter"),
        ("collapse_title_pattern=(a+)+$", "'collapse_title_pattern': unknown parameter"),
        ("baseline_revision=1", "'baseline_revision': unknown parameter"),
        ("Collapse=no", "'Collapse': unknown parameter"),
        ("no", "unnamed parameter 'no': use name=value"),
        ("collapse=no|collapse=yes", "collapse: given more than once"),
    ],
)
def test_a_bad_parameter_is_reported_never_guessed(params: str, problem: str) -> None:
    result = opt_in(f"{{{{User:ConsultationBot/config|{params}}}}}")
    assert result.options is None
    assert result.found
    assert len(result.problems) == 1
    assert result.problems[0].startswith(f"{WHERE}: {problem}")
    assert "\n" not in result.problems[0]


@pytest.mark.parametrize(
    "subpage",
    ["../Main Page", "Sub/page", "Summary#top", "Talk:Summary", "..", "Summary.", ".hidden",
     "[[x]]", "a{{b}}", "%2F", "<b>", "~~~~", "x" * 65, "_Summary"],
)
def test_the_summary_subpage_is_a_plain_name_of_the_page_itself(subpage: str) -> None:
    result = opt_in(f"{{{{User:ConsultationBot/config|summary_subpage={subpage}}}}}")
    assert result.options is None
    assert any("summary_subpage: expected a plain subpage name" in p
               or "expected plain text" in p for p in result.problems)


@pytest.mark.parametrize("subpage", ["Summary", "Summary 2016", "Zusammenfassung", "Q&A"[:1],
                                     "Results (draft)", "Week 1, 2016", "Organizers' summary"])
def test_plain_subpage_names_are_accepted(subpage: str) -> None:
    options = opt_in(f"{{{{User:ConsultationBot/config|summary_subpage={subpage}}}}}").options
    assert options is not None
    assert options.summary_subpage == subpage


def test_every_problem_is_reported_and_the_page_is_left_alone() -> None:
    result = opt_in("{{User:ConsultationBot/config|collapse=perhaps|colapse=no|grace_minutes=x}}")
    assert result.options is None
    assert [p.split(": ")[2] for p in result.problems] == ["collapse", "'colapse'", "grace_minutes"]


def test_the_template_twice_is_a_problem() -> None:
    result = opt_in("{{User:ConsultationBot/config}}\n{{user:ConsultationBot/config|summary=no}}")
    assert result.options is None
    assert result.problems == (f"{WHERE}: the template is on the page 2 times; keep one",)


def test_long_or_multiline_values_are_shown_on_one_short_line() -> None:
    result = opt_in("{{User:ConsultationBot/config|collapse=" + "very long\n" * 20 + "}}")
    (problem,) = result.problems
    assert "\n" not in problem
    assert re.search(r"got 'very long very long .{1,30}…'$", problem)


def test_editable_parameters_are_page_options_that_stay_on_the_page() -> None:
    fields = set(PageOptions.__dataclass_fields__)
    assert set(EDITABLE) - {"placeholder"} <= fields
    for forbidden in ("title", "collapse_template", "summary_template", "unsigned_template",
                      "unsigned_ip_template", "undated_template", "collapse_title_pattern",
                      "placeholder_patterns", "baseline_revision", "opt_out", "unsigned_subst"):
        assert forbidden not in EDITABLE


@pytest.mark.parametrize(
    "page", ["{{" * 1000 + "x" + "}}" * 1000, "<div " * 8000, "{{" * 5000, "}}{{|" * 5000]
)
def test_a_hostile_page_is_read_at_once(page: str) -> None:
    # The page is not parsed whole: only the template's own call is.
    assert opt_in(page + "{{User:ConsultationBot/config|collapse=no}}").options is not None
    assert opt_in(page).options is None


def test_parameters_nested_too_deep_are_one_problem() -> None:
    nested = "{{" * 1000 + "x" + "}}" * 1000
    result = opt_in("{{User:ConsultationBot/config|collapse=" + nested + "}}")
    assert result.options is None
    assert result.problems == (
        f"[[{TITLE}]]: {{{{User:ConsultationBot/config}}}}: its parameters are nested too deep "
        "to read",
    )
