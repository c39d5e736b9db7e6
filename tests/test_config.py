"""The TOML configuration: defaults, inheritance from [defaults], one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import EXIT_USAGE, InputError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_pages_inherit_defaults_and_override_them(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
[bot]
report = "report.json"

[defaults]
collapse_style = "keep-heading"
grace_minutes = 10

[[pages]]
title = "Consultation A"

[[pages]]
title = "Consultation B"
collapse_style = "replace-heading"
collapse_levels = [3, 4]
"""))
    a, b = config.pages
    assert (a.title, a.collapse_style, a.grace_minutes) == ("Consultation A", "keep-heading", 10)
    assert (b.collapse_style, b.collapse_levels, b.grace_minutes) == ("replace-heading", (3, 4), 10)
    assert config.bot.report == "report.json"
    assert config.resolve("report.json") == tmp_path / "report.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[pages]]\ntitle = 'A'\ncolapse = true\n", "pages[0].colapse: unknown key"),
        ("[bot]\nreprot = 'x'\n", "bot.reprot: unknown key"),
        ("[[pages]]\ntitle = 'A'\ncollapse = 'yes'\n", "pages[0].collapse: expected true or false"),
        ("[[pages]]\ntitle = 'A'\ncollapse_levels = 3\n", "collapse_levels: expected a list"),
        ("[[pages]]\ntitle = 'A'\ncollapse_style = 'fold'\n", "collapse_style: expected one of"),
        ("[[pages]]\ncollapse = true\n", "pages[0].title: every page needs a title"),
        ("[[pages]]\ntitle = 'A'\nplaceholder_patterns = ['(']\n", "invalid regular expression"),
        ("[[pages]]\ntitle = 'A'\n[[pages]]\ntitle = 'A'\n", "'A' is listed twice"),
        ("[[pages]]\ntitle = 'Page B'\n[[pages]]\ntitle = 'page_B'\n",
         "'page_B' is listed twice (as 'Page B' too)"),
        ("[[pages]]\ntitle = 'Talk:X y'\n[[pages]]\ntitle = 'talk:x_y'\n",
         "'talk:x_y' is listed twice (as 'Talk:X y' too)"),
        ("[[pages]]\ntitle = 'A'\ncollapse_template = '/nonexistent/box.j2'\n",
         "pages[0].collapse_template: cannot read /nonexistent/box.j2"),
        ("[defaults]\nsummary_template = '/nonexistent/s.j2'\n[[pages]]\ntitle = 'A'\n",
         "pages[0].summary_template: cannot read /nonexistent/s.j2"),
        ("[[pages]\n", "invalid TOML"),
        ("extra = 1\n", "extra: unknown key"),
        # Values past a range overflowed a date (a traceback) or would stall the bot.
        ("[defaults]\ngrace_minutes = 999999999999999\n[[pages]]\ntitle = 'A'\n",
         "defaults.grace_minutes: expected an integer from 0 to 5270400"),
        ("[[pages]]\ntitle = 'A'\ngrace_minutes = -1\n", "pages[0].grace_minutes: expected an"),
        ("[bot]\ninterval_minutes = 0\n", "bot.interval_minutes: expected an integer from 1"),
        ("[bot]\nmax_retries = 1000\n", "bot.max_retries: expected an integer from 0 to 20"),
        ("[bot]\ntimeout_seconds = 0\n", "bot.timeout_seconds: expected an integer from 1"),
        ("[bot]\npage_budget_seconds = 0\n", "bot.page_budget_seconds: expected an integer"),
        # Titles MediaWiki refuses are found when the file loads, not when a pass runs.
        ("[[pages]]\ntitle = 'Foo<bar>'\n", "pages[0].title: 'Foo<bar>' is not a page title"),
        ("[[pages]]\ntitle = '[[Foo]]'\n", "pages[0].title: '[[Foo]]' is not a page title"),
        ("[[pages]]\ntitle = 'Foo/../Bar'\n", "'.' or '..' path segment"),
        ("[[pages]]\ntitle = '" + "é" * 128 + "'\n", "longer than 255 bytes"),
        ("[[pages]]\ntitle = '   '\n", "pages[0].title: every page needs a title"),
        ("[[pages]]\ntitle = 'A'\nsummary_subpage = '../Elsewhere'\n",
         "pages[0].summary_subpage: '../Elsewhere' is not a subpage name"),
        ("[[pages]]\ntitle = 'A'\nsummary_subpage = 'S#x'\n", "summary_subpage: 'S#x'"),
        ("[[pages]]\ntitle = 'A'\nsummary_subpage = '/S'\n", "starts or ends with '/'"),
        ("[defaults]\nsummary_subpage = ''\n", "defaults.summary_subpage: '' is not a subpage"),
        ("[[pages]]\ntitle = '" + "A" * 250 + "'\n",
         "pages[0].summary_subpage: the summary's title would not be a page title: it is longer"),
        # A template name that is no title made a tag the bot could not find again: one more
        # tag at every run.
        ("[defaults]\nunsigned_template = 'x}}{{Bar'\n",
         "defaults.unsigned_template: 'x}}{{Bar' is not a template name"),
        ("[[pages]]\ntitle = 'A'\nunsigned_ip_template = 'a|b'\n",
         "pages[0].unsigned_ip_template: 'a|b' is not a template name"),
        ("[[pages]]\ntitle = 'A'\nundated_template = 'U<'\n", "undated_template: 'U<'"),
        ("[bot]\nstatus_page = 'User:Bot/<Status>'\n", "bot.status_page: 'User:Bot/<Status>'"),
        ("[bot]\noptin_template = '{{Config}}'\n", "bot.optin_template: '{{Config}}'"),
        ("[bot]\nshutoff_page = 'A~~~'\n", "bot.shutoff_page: 'A~~~' is not a page title"),
    ],
)
def test_bad_configuration_is_one_line_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_config(path)
    line = str(caught.value)
    assert message in line
    assert line.startswith(str(path))
    assert "\n" not in line
    assert caught.value.exit_status == EXIT_USAGE


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read configuration"):
        load_config(tmp_path / "absent.toml")


def test_sample_configuration_is_valid() -> None:
    sample = Path(__file__).parents[1] / "consultation-bot.toml.sample"
    config = load_config(sample)
    assert config.pages


def test_template_with_a_syntax_error_is_one_line_naming_the_key(tmp_path: Path) -> None:
    template = tmp_path / "box.j2"
    template.write_text("{{ content }}\n{% if %}\n", encoding="utf-8")
    config = tmp_path / "bot.toml"
    config.write_text(f"[[pages]]\ntitle = 'A'\ncollapse_template = '{template}'\n")
    with pytest.raises(InputError) as caught:
        load_config(config)
    assert f"pages[0].collapse_template: {template} line 2:" in str(caught.value)


def test_a_template_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    template = tmp_path / "box.j2"
    template.write_bytes(b"\xff\xfe{{ content }}")
    config = write(tmp_path, f"[[pages]]\ntitle = 'A'\ncollapse_template = '{template}'\n")
    with pytest.raises(InputError) as caught:
        load_config(config)
    assert str(caught.value).endswith(f"pages[0].collapse_template: cannot read {template}: "
                                      "not UTF-8")


def test_the_wiki_settings_have_bounded_defaults(tmp_path: Path) -> None:
    """By default a request is tried 4 times, waits 5, 10 and 20 s between tries and 15 s for an
    answer: under two minutes before a pass gives up on a wiki that is down."""
    bot = load_config(write(tmp_path, "[[pages]]\ntitle = 'A'\n")).bot
    waits = sum(min(bot.retry_wait_seconds * 2**n, bot.retry_max_seconds)
                for n in range(bot.max_retries))
    assert (bot.max_retries + 1) * bot.timeout_seconds + waits < 120
    assert bot.page_budget_seconds == 60
    custom = load_config(write(tmp_path, "[bot]\nmax_retries = 0\ntimeout_seconds = 3\n"
                                         "retry_wait_seconds = 0\npage_budget_seconds = 5\n"))
    assert (custom.bot.max_retries, custom.bot.timeout_seconds) == (0, 3)
