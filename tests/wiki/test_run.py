"""`consultation-bot run` against a real local MediaWiki: edits, no-ops, conflicts, exclusions."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.text.model.analysis import analyze
from tests.devwiki import DevWiki
from tests.wiki.conftest import ROOT, bot_argv, bot_edits

SAMPLE = (ROOT / "bot" / "samples" / "consultation.wikitext").read_text(encoding="utf-8").rstrip()


def config_for(*titles: str, extra: str = "") -> str:
    pages = "".join(f'\n[[pages]]\ntitle = "{t}"\n{extra}' for t in titles)
    return f'[bot]\nmax_conflict_retries = 2\n{pages}'


def create(devwiki: DevWiki, title: str, text: str, user: str = "Alice") -> None:
    devwiki.client(user).edit(title, text, summary="setup")


def test_first_run_converts_and_summarizes_second_run_makes_no_edit(devwiki, run_bot) -> None:
    title = "Run test/Consultation"
    create(devwiki, title, SAMPLE)
    first = run_bot(config_for(title))
    assert first.status == 0, first.stdout + first.stderr
    page = devwiki.client().read(title).text
    assert page.count('<div class="mw-collapsible mw-collapsed"') == 3
    for comment in analyze(SAMPLE).comments:
        assert comment.text in page
    assert devwiki.client().read(f"{title}/Summary").exists
    assert f'title="{title}"' in devwiki.client().parse(f"{title}/Summary")
    assert devwiki.client().read(f"{title}/Summary.json").exists
    edits = bot_edits(devwiki, title)
    assert {e["title"] for e in edits} == {title, f"{title}/Summary", f"{title}/Summary.json"}
    assert all(e["bot"] for e in edits)
    assert "folded 3 question intros" in next(e["comment"] for e in edits if e["title"] == title)

    second = run_bot(config_for(title))
    assert second.status == 0, second.stdout + second.stderr
    assert len(bot_edits(devwiki, title)) == len(edits)
    assert "nothing to change" in second.stdout


def test_summary_alone_is_saved_when_only_it_changes(devwiki, run_bot, tmp_path) -> None:
    title = "Run test/Summary only"
    create(devwiki, title, SAMPLE)
    assert run_bot(config_for(title)).status == 0
    before = bot_edits(devwiki, title)
    # An operator's copy of the template with its own words: the summary's text changes, the
    # page and the data do not.
    shipped = (ROOT / "templates" / "summary.wikitext.j2").read_text(encoding="utf-8")
    heading = '{{ label("summary-participants-heading") }}'
    assert heading in shipped
    template = tmp_path / "summary.j2"
    template.write_text(shipped.replace(heading, "Teilnehmende"), encoding="utf-8")
    again = run_bot(config_for(title, extra=f'summary_template = "{template}"\n'))
    assert again.status == 0, again.stdout + again.stderr
    new = bot_edits(devwiki, title)[len(before):]
    assert [e["title"] for e in new] == [f"{title}/Summary"]
    assert "Teilnehmende" in devwiki.client().read(f"{title}/Summary").text


def test_dry_run_shows_the_diff_and_sends_no_write(devwiki, run_bot) -> None:
    title = "Run test/Dry"
    create(devwiki, title, SAMPLE)
    for args in (["--dry-run"], ["-simulate"]):
        result = run_bot(config_for(title), *args)
        assert result.status == 0, result.stdout + result.stderr
        assert "would save" in result.stdout
        assert '+<div class="mw-collapsible mw-collapsed">' in result.stdout
    assert bot_edits(devwiki, title) == []
    assert devwiki.client().read(title).text == SAMPLE


def test_nobots_page_is_untouched(devwiki, run_bot) -> None:
    title = "Run test/Nobots"
    text = "{{nobots}}\n" + SAMPLE
    create(devwiki, title, text)
    result = run_bot(config_for(title))
    assert result.status == 0
    assert "nobots" in result.stdout
    assert devwiki.client().read(title).text == text
    assert bot_edits(devwiki, title) == []


def test_bots_deny_for_this_bot_is_respected(devwiki, run_bot) -> None:
    title = "Run test/Bots deny"
    text = "{{bots|deny=ConsultationBot}}\n" + SAMPLE
    create(devwiki, title, text)
    run_bot(config_for(title))
    assert devwiki.client().read(title).text == text


def test_protected_page_is_skipped_while_others_are_processed(devwiki, run_bot) -> None:
    locked, open_ = "Run test/Protected", "Run test/Open"
    create(devwiki, locked, SAMPLE)
    create(devwiki, open_, SAMPLE)
    devwiki.client("Admin").protect(locked, level="sysop")
    result = run_bot(config_for(locked, open_))
    assert result.status == 0, result.stdout + result.stderr
    assert f"[[{locked}]]: skipped" in result.stdout
    assert devwiki.client().read(locked).text == SAMPLE
    assert "mw-collapsible" in devwiki.client().read(open_).text


def test_missing_page_fails_that_page_only(devwiki, run_bot) -> None:
    present = "Run test/Present"
    create(devwiki, present, SAMPLE)
    result = run_bot(config_for("Run test/Absent", present))
    assert result.status == 1
    assert "[[Run test/Absent]]: error: the page does not exist" in result.stdout
    assert "mw-collapsible" in devwiki.client().read(present).text


def test_redirect_is_reported_not_summarized(devwiki, run_bot) -> None:
    redirect, target = "Run test/Old name", "Run test/New name"
    create(devwiki, target, SAMPLE)
    create(devwiki, redirect, f"#REDIRECT [[{target}]]")
    result = run_bot(config_for(redirect))
    assert result.status == 1
    assert f"[[{redirect}]]: error: the page is a redirect to [[{target}]]" in result.stdout
    assert devwiki.client().read(redirect).text == f"#REDIRECT [[{target}]]"
    assert bot_edits(devwiki, redirect) == [] and bot_edits(devwiki, target) == []


def test_a_template_failing_on_one_page_fails_that_page_only(devwiki, run_bot, tmp_path) -> None:
    broken, fine = "Run test/Broken template", "Run test/Fine template"
    create(devwiki, broken, SAMPLE)
    create(devwiki, fine, SAMPLE)
    # Valid jinja2 (the configuration check passes), but it fails when rendered.
    template = tmp_path / "box.j2"
    template.write_text("{{ content }}{{ missing.attribute }}\n", encoding="utf-8")
    config = (
        f'[[pages]]\ntitle = "{broken}"\ncollapse_template = "{template}"\n'
        f'[[pages]]\ntitle = "{fine}"\n'
    )
    result = run_bot(config)
    assert result.status == 1, result.stdout + result.stderr
    assert f"[[{broken}]]: error: box template {template}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert devwiki.client().read(broken).text == SAMPLE
    assert "mw-collapsible" in devwiki.client().read(fine).text


def test_account_without_a_password_entry_is_one_error_line(devwiki, run_bot) -> None:
    result = run_bot(config_for("Run test/Nobody logs in"), "-user:Alice")
    assert result.status == 2
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert errors == [
        "consultation-bot: error: pywikibot asked for the account's password, with no terminal "
        "to answer it: give the account a BotPassword line in the file named by password_file "
        "in user-config.py"
    ]


def test_bad_configuration_exits_2_with_one_line(devwiki, run_bot) -> None:
    result = run_bot('[[pages]]\ntitle = "X"\ncolapse = true\n')
    assert result.status == 2
    assert result.stderr.strip().endswith("pages[0].colapse: unknown key")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        # Away from the bot's change: MediaWiki merges the two edits.
        ("merged", ":* Regional quotas would help smaller communities.",
         ":* Regional quotas would help smaller communities.\n:*: A late reply. ~~~~",
         ":*: A late reply. [[User:Bob|Bob]]"),
        # Inside the text the bot folds: a real conflict; the bot re-reads and re-applies.
        ("conflict", "One of the big challenges right now",
         "One of the biggest challenges right now", "One of the biggest challenges right now"),
    ],
)
def test_edit_by_another_user_between_read_and_save_is_kept(
    devwiki, tmp_path: Path, name: str, old: str, new: str, expected: str
) -> None:
    """Another editor saves while the bot holds its plan; both changes end up on the page."""
    title = f"Run test/Conflict {name}"
    create(devwiki, title, SAMPLE)
    proc = _another_editor_before_save(devwiki, tmp_path, title, old, new)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = devwiki.client().read(title).text
    assert expected in page
    if name == "conflict":
        assert "edit conflict, re-reading and re-applying" in proc.stdout
    assert page.count('<div class="mw-collapsible mw-collapsed"') == 3
    for comment in analyze(SAMPLE).comments:
        assert comment.text in page


def test_a_comment_added_since_the_batched_read_never_goes_into_a_box(
    devwiki, tmp_path: Path
) -> None:
    """Bob comments inside a background the bot is about to fold, after the pass read the page:
    MediaWiki would merge the two edits (they do not overlap) and put Bob's comment in the box.
    A read older than READ_MAX_AGE (0 here) is checked before the save: the bot re-reads and
    re-plans, and leaves that background unfolded."""
    title = "Run test/Comment since the read"
    create(devwiki, title, SAMPLE)
    anchor = "* Streamline communication routes to empower people across regions and programs"
    remark = ":* These goals do not fit small affiliates, added while the bot planned."
    proc = _another_editor_before_save(devwiki, tmp_path, title, anchor,
                                       f"{anchor}\n{remark} ~~~~", read_max_age=0.0)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "edit conflict, re-reading and re-applying" in proc.stdout
    page = devwiki.client().read(title).text
    lines = page.split("\n")
    number = next(n for n, line in enumerate(lines, 1) if line.startswith(remark))
    boxes = analyze(page).boxes
    assert boxes  # the other questions were folded
    assert not any(start <= number <= end for start, end in boxes)
    for comment in analyze(SAMPLE).comments:
        assert comment.text in page


def _another_editor_before_save(
    devwiki, tmp_path: Path, title: str, old: str, new: str, read_max_age: float | None = None
) -> subprocess.CompletedProcess[str]:
    """One pass over `title` in which Bob replaces `old` with `new` right before the bot's
    first save (the run's before_save seam); `read_max_age` overrides run.READ_MAX_AGE."""
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import bot.wiki.run
        from bot.config import config_from_dict
        from bot.text.model.profile import ENGLISH
        from bot.wiki.passes import run_pass
        from tests.devwiki import start_devwiki

        read_max_age = {read_max_age!r}
        if read_max_age is not None:
            bot.wiki.run.READ_MAX_AGE = read_max_age
        wiki = start_devwiki({str(devwiki.dir)!r}, {devwiki.port})
        done = []

        def another_editor(page_title):
            if page_title != {title!r} or done:
                return
            bob = wiki.client("Bob")
            text = bob.read(page_title).text
            bob.edit(page_title, text.replace({old!r}, {new!r}))
            done.append(1)

        config = config_from_dict({{"bot": {{"state_dir": {str(tmp_path / "state")!r}}},
                                    "pages": [{{"title": {title!r}}}]}})
        sys.exit(run_pass(config, list(config.pages), ENGLISH, dry_run=False,
                          before_save=another_editor))
    """), encoding="utf-8")
    return subprocess.run([sys.executable, str(driver)], env={**_base_env(), **devwiki.env()},
                          capture_output=True, text=True, timeout=300, check=False)


def _base_env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_saved_summary_renders_hostile_text_literally(devwiki, run_bot) -> None:
    """Titles, user names and comment text from the page stay inert on the saved summary."""
    title = "Run test/Hostile ''x'' __NOTOC__"
    page = (
        "== Part ==\n"
        "==== Evil <nowiki>~~~~ {{subst:Clear}}</nowiki> [[Category:Evil1]] ====\n"
        ":*(Add your comment here)\n"
        ":* Mine. [[User:Mallory''x''__NOTOC__|M]] 10:00, 1 May 2020 (UTC)\n"
        ":* <nowiki>~~~~ {{Clear}} [[Category:Evil2]] </nowiki></nowiki> |} <ref>r</ref>\n"
    )
    create(devwiki, title, page)
    result = run_bot(config_for(title, extra="collapse = false\n"))
    assert result.status == 0, result.stdout + result.stderr
    # The summary is the subpage of the canonical title ("__NOTOC__" is " NOTOC" in a title).
    canonical = devwiki.client().read(title).title
    assert canonical == "Run test/Hostile ''x'' NOTOC"
    parsed = devwiki.client().get(
        action="parse", page=f"{canonical}/Summary", prop="text|categories|templates|properties",
    )["parse"]
    assert parsed["categories"] == []
    assert parsed["templates"] == []
    assert parsed.get("properties", []) in ([], {})
    shown = html.unescape(re.sub(r"<[^>]+>", "", parsed["text"]))
    assert "Mallory''x'' NOTOC" in shown  # underscores are spaces in user names
    assert "~~~~ {{Clear}} [[Category:Evil2]]" in shown
    assert canonical in shown
    assert "Evil ~~~~ {{subst:Clear}}" in shown


def test_shutoff_page_stops_edits(devwiki, run_bot) -> None:
    title, shutoff = "Run test/Shutoff", "User:ConsultationBot/Shutoff"
    create(devwiki, title, SAMPLE)
    devwiki.client("Admin").edit(shutoff, "stop: the bot misbehaves")
    config = config_for(title).replace(
        "[bot]\n", f'[bot]\nshutoff_page = "{shutoff}"\n'
    )
    result = run_bot(config)
    assert "emergency shutoff" in result.stdout
    assert bot_edits(devwiki, title) == []
    devwiki.client("Admin").edit(shutoff, "run")
    result = run_bot(config)
    assert result.status == 0, result.stdout + result.stderr
    assert "mw-collapsible" in devwiki.client().read(title).text


def test_a_shutoff_during_the_pass_stops_the_next_save(devwiki, tmp_path: Path) -> None:
    """The shutoff page is read with the pass's other pages, and again before a save when that
    look is older than SHUTOFF_MAX_AGE (0 here): set during the pass, it stops the save."""
    titles, shutoff = ["Run test/Shutoff late 1", "Run test/Shutoff late 2"], "Run test/Off"
    for title in titles:
        create(devwiki, title, SAMPLE)
    devwiki.client("Admin").edit(shutoff, "run")
    config = tmp_path / "bot.toml"
    text = config_for(*titles).replace("[bot]\n", f'[bot]\nshutoff_page = "{shutoff}"\n')
    config.write_text(text, encoding="utf-8")
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from bot.config import load_config
        from bot.text.model.profile import ENGLISH
        from bot.wiki import run
        from bot.wiki.passes import locked_pass
        from tests.wikiclient import WikiClient

        run.SHUTOFF_MAX_AGE = 0
        admin = WikiClient({devwiki.api_url!r})
        admin.login("Admin", {devwiki.password("Admin")!r})
        def stop_now(title):
            admin.edit({shutoff!r}, "stop", summary="the bot misbehaves")
        sys.exit(locked_pass(load_config({str(config)!r}), None, ENGLISH, dry_run=False,
                             before_save=stop_now))
    """), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(driver)], env={**os.environ, **devwiki.env()},
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"[[{titles[0]}]]: skipped: emergency shutoff: [[{shutoff}]] says 'stop'" in proc.stdout
    assert f"[[{titles[1]}]]: skipped: emergency shutoff" in proc.stdout
    assert all(bot_edits(devwiki, t) == [] for t in titles)


def test_an_unreachable_wiki_is_one_error_line_and_exit_1(devwiki, tmp_path: Path) -> None:
    import shutil

    from tests.devwiki import free_port

    pwb = tmp_path / "pywikibot"
    shutil.copytree(devwiki.pywikibot_dir, pwb,
                    ignore=shutil.ignore_patterns("*.lwp", "logs", "apicache*"))
    user_config = pwb / "user-config.py"
    user_config.write_text(user_config.read_text().replace(str(devwiki.pywikibot_dir), str(pwb)))
    family = pwb / "families" / "devwiki_family.py"
    family.write_text(family.read_text().replace(f":{devwiki.port}", f":{free_port()}"))
    config = tmp_path / "bot.toml"
    config.write_text(config_for("Run test/Unreachable"), encoding="utf-8")
    proc = subprocess.run(
        bot_argv("run", pwb, config),
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "consultation-bot: error" in line]
    assert len(errors) == 1 and "cannot reach the wiki" in errors[0]
    assert "Traceback" not in proc.stderr + proc.stdout
