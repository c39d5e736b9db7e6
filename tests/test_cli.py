"""The command line: exit statuses and one-line errors, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "bot" / "samples" / "consultation.wikitext"


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin, capture_output=True,
        timeout=120, check=False,
    )


def test_analyze_sample_reports_sections_and_comments() -> None:
    result = cli("analyze", str(SAMPLE))
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "signed by Alice, 2016-09-20 09:15" in out
    assert "unsigned by ?, no date (typed into a prompt)" in out
    assert out.rstrip().endswith("open prompts")


def test_analyze_json_from_standard_input_has_the_documented_shape() -> None:
    result = cli("analyze", "-", "--json", stdin=SAMPLE.read_bytes())
    assert result.returncode == 0
    model = json.loads(result.stdout)
    assert set(model) >= {"sections", "comments", "placeholders"}
    assert set(model["sections"][0]) >= {"title", "level", "anchor", "line"}
    assert set(model["comments"][0]) >= {
        "section", "line", "end_line", "indent", "author", "timestamp", "status", "placeholder",
        "text",
    }
    assert set(model["placeholders"][0]) >= {"section", "line", "filled"}


def test_console_script_and_module_agree() -> None:
    script = Path(sys.executable).parent / "consultation-bot"
    via_script = subprocess.run([str(script), "analyze", str(SAMPLE), "--json"],
                                capture_output=True, check=False)
    assert via_script.returncode == 0
    assert via_script.stdout == cli("analyze", str(SAMPLE), "--json").stdout


def one_error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


def test_not_utf8_is_one_line_and_status_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wiki"
    bad.write_bytes(b"== ok ==\n\xff\xfe broken")
    assert "not UTF-8" in one_error_line(cli("analyze", str(bad)))


def test_unreadable_file_is_one_line_and_status_2(tmp_path: Path) -> None:
    assert "cannot read" in one_error_line(cli("analyze", str(tmp_path / "absent.wiki")))
    assert "cannot read" in one_error_line(cli("analyze", str(tmp_path)))


def test_bad_profile_is_one_line_and_status_2(tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text("{not json", encoding="utf-8")
    assert "not a valid UTF-8 JSON profile" in one_error_line(
        cli("analyze", str(SAMPLE), "--profile", str(profile))
    )
    profile.write_text('{"monhts": []}', encoding="utf-8")
    assert "unknown key 'monhts'" in one_error_line(
        cli("analyze", str(SAMPLE), "--profile", str(profile))
    )


def test_usage_error_is_one_line_and_status_2() -> None:
    assert "error:" in one_error_line(cli("analyze"))
    assert "error:" in one_error_line(cli("frobnicate"))


def test_byte_order_mark_and_crlf_are_read_as_mediawiki_stores_the_page() -> None:
    page = "== Q ==\n:*(Add your comment here)\n:* An idea.\n"
    crlf = b"\xef\xbb\xbf" + page.replace("\n", "\r\n").encode()
    expected = json.loads(cli("analyze", "-", "--json", stdin=page.encode()).stdout)
    proc = cli("analyze", "-", "--json", stdin=crlf)
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == expected
    assert [s["title"] for s in expected["sections"]] == ["Q"]


def test_placeholder_option_adds_prompt_phrases_to_every_offline_command() -> None:
    page = b"=== Q ===\nLong background.\n*(Write your idea below)\n*(Write your idea below) Hi.\n"
    plain = json.loads(cli("analyze", "-", "--json", stdin=page).stdout)
    assert plain["placeholders"] == []
    args = ("--placeholder", r"\(write your idea below\)")
    found = json.loads(cli("analyze", "-", "--json", *args, stdin=page).stdout)
    assert [(p["line"], p["filled"]) for p in found["placeholders"]] == [(3, False), (4, True)]
    summary = json.loads(cli("summary", "-", "--title", "C", "--json", *args, stdin=page).stdout)
    assert summary != json.loads(cli("summary", "-", "--title", "C", "--json", stdin=page).stdout)
    # The prompt is discussion, so the intro above it is too short to fold.
    assert cli("convert", "-", *args, stdin=page).stdout == page
    assert cli("convert", "-", stdin=page).stdout != page
    assert "--placeholder: invalid regular expression" in one_error_line(
        cli("analyze", "-", "--placeholder", "(", stdin=page)
    )


def test_missing_pywikibot_directory_is_one_line_and_status_2(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text('[[pages]]\ntitle = "X"\n', encoding="utf-8")
    line = one_error_line(cli("run", f"-dir:{tmp_path / 'absent'}", "--config", str(config)))
    assert "pywikibot configuration: Directory" in line and "does not exist" in line


def test_diff_marks_a_last_line_without_newline_as_diff_does() -> None:
    out = cli("convert", "-", "--diff", stdin=b"=== Q ===\nIntro text").stdout.decode()
    assert "-Intro text\n\\ No newline at end of file\n" in out
    assert out.endswith("<!-- /consultation-bot fold -->\n\\ No newline at end of file\n")


def test_a_template_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    template = tmp_path / "box.j2"
    template.write_bytes(b"\xff\xfe{{ content }}")
    page = b"=== Q ===\nIntro text\n"
    for command in (["convert", "-"], ["summary", "-", "--title", "C"]):
        line = one_error_line(cli(*command, "--template", str(template), stdin=page))
        assert line.endswith(f"--template: cannot read {template}: not UTF-8")


def test_deeply_nested_input_never_gives_a_traceback() -> None:
    for depth in (1000, 20000):
        page = ("=== Q ===\nIntro\n:* " + "{{" * depth + "x" + "}}" * (depth // 2)
                + " [[User:A|A]] 10:00, 1 May 2020 (UTC)\n").encode()
        for command in (["analyze", "-"], ["convert", "-"], ["unconvert", "-"],
                        ["summary", "-", "--title", "C"]):
            result = cli(*command, stdin=page)
            assert b"Traceback" not in result.stderr, (depth, command)
            assert result.returncode in (0, 2), (depth, command)
            if result.returncode:
                one_error_line(result)


@pytest.mark.parametrize(
    ("option", "title", "reason"),
    [
        ("--page", "Foo<bar>", "it contains '<'"),
        ("-page:", "[[Foo]]", "it contains '['"),
        ("--page", "Foo/../Bar", "it contains a '.' or '..' path segment"),
        ("-page:", "é" * 128, "it is longer than 255 bytes"),
        ("--page", "", "it is empty"),
        ("-page:", " _ ", "it is empty"),
        ("--page", "Foo#bar", "it contains '#'"),
        ("--page", "A~~~~", "it contains '~~~'"),
    ],
)
def test_a_bad_page_title_is_one_line_and_status_2(
    tmp_path: Path, option: str, title: str, reason: str
) -> None:
    config = tmp_path / "bot.toml"
    config.write_text('[[pages]]\ntitle = "Fine"\n', encoding="utf-8")
    given = [option, title] if option == "--page" else [option + title]
    line = one_error_line(cli("run", "--config", str(config), *given))
    assert line == f"consultation-bot: error: --page: {title[:100]!r} is not a page title: {reason}"


def test_an_out_of_range_setting_is_one_line_before_anything_runs(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text('[defaults]\ngrace_minutes = 999999999999999\n[[pages]]\ntitle = "A"\n')
    line = one_error_line(cli("run", "--config", str(config)))
    assert line.endswith("defaults.grace_minutes: expected an integer from 0 to 5270400")


def test_a_malformed_password_file_is_one_line_that_shows_no_secret(tmp_path: Path) -> None:
    pwb = tmp_path / "pywikibot"
    pwb.mkdir()
    (pwb / "user-config.py").write_text((ROOT / "user-config.py.sample").read_text())
    password = pwb / "user-password.py"
    config = tmp_path / "bot.toml"
    config.write_text('[[pages]]\ntitle = "A"\n', encoding="utf-8")
    for line, problem in [
        ("('ConsultationBot', BotPassword('consultation', 'sEcReT-1234'", "not a valid entry"),
        ("ConsultationBot sEcReT-1234", "not a valid entry"),
        ("('ConsultationBot', BotPassword('sEcReT-1234'))", "BotPassword takes two strings"),
        ("('ConsultationBot', 12341234)", "the password is not a string"),
    ]:
        password.write_text(f"# the bot\n{line}\n")
        password.chmod(0o600)
        result = cli("run", f"-dir:{pwb}", "--config", str(config))
        error = one_error_line(result)
        assert error.startswith(f"consultation-bot: error: {password}: line 2: {problem}"), error
        assert b"sEcReT" not in result.stderr and b"1234" not in result.stderr


def test_offline_commands_write_in_the_profiles_language(tmp_path: Path) -> None:
    profile = tmp_path / "fr.json"
    profile.write_text('{"language": "fr"}', encoding="utf-8")
    result = cli("summary", str(SAMPLE), "--title", "Consultation", "--profile", str(profile))
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert out.startswith("''Ceci est un résumé de [[:Consultation|Consultation]]")
    assert "\n== À vérifier ==\n" in out
    english = cli("summary", str(SAMPLE), "--title", "Consultation").stdout.decode()
    assert "\n== Needs attention ==\n" in english


def test_profile_is_a_wiki_command_with_its_own_help() -> None:
    result = cli("profile", "--help")
    assert result.returncode == 0
    assert "site profile as JSON" in result.stdout.decode()


def test_analyze_json_is_written_as_json_dumps_writes_it() -> None:
    from bot.text.model.analysis import analysis_to_dict, analyze

    page = SAMPLE.read_text(encoding="utf-8") + "\n== Ünïcødé\u2028 \"x\" ==\n:* a\tb \\ c\n"
    expected = json.dumps(analysis_to_dict(analyze(page)), ensure_ascii=False, indent=1) + "\n"
    assert cli("analyze", "-", "--json", stdin=page.encode()).stdout.decode() == expected
    assert cli("analyze", "-", "--json", stdin=b"").stdout.decode() == json.dumps(
        analysis_to_dict(analyze("")), ensure_ascii=False, indent=1
    ) + "\n"
