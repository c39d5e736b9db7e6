"""The escaping filters of bot.render: `inert` text shows literally, `link_target` still links."""

from __future__ import annotations

import html
import re

import mwparserfromhell
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import environment, excerpt, inert, link_target

# Strings that act in wikitext, and so must not act when they come from a page.
HOSTILE = (
    "~~~~", "~~~", "~~~~~", "{{subst:Foo}}", "{{Foo|x=1}}", "{{{1}}}", "[[Category:Spam]]",
    "[[File:X.png|thumb]]", "[[:en:Foo]]", "__NOTOC__", "__NOINDEX__", "<ref>note</ref>",
    "<references/>", "|", "||", "|}", "|-", "{|", "!!", "</nowiki>", "<nowiki>", "''", "'''",
    "<!--", "-->", "* star", "# hash", ": colon", "; semi", "= heading =", "----",
    "http://evil.example/x", "[http://evil.example y]", "//evil.example", "ISBN 9780306406157",
    "RFC 1234", "PMID 12345", "&amp;", "&lt;b&gt;", "-{zh-hans:x}-", "<span style=x>",
    " leading space", "line\nbreak", "tab\there", "%7C%5D%5D", "<div>", "a\rb",
)
# Characters that never appear raw in inert output (they exist only inside `&#N;` references).
_ACTIVE = set("&<>[]{}|~'=_:*#;!-\"/\\%")
_REF = re.compile(r"&#\d+;")


def _raw(text: str) -> str:
    return _REF.sub("", text)


def _one_line(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


@pytest.mark.parametrize("value", HOSTILE)
def test_inert_leaves_no_active_character(value: str) -> None:
    out = inert(value)
    assert not (set(_raw(out)) & _ACTIVE), out
    assert "\n" not in out and "\r" not in out
    assert not out.startswith(" ")


@pytest.mark.parametrize("value", HOSTILE)
def test_inert_shows_the_text_literally(value: str) -> None:
    assert html.unescape(inert(value)) == _one_line(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_inert_text_parses_as_plain_text(value: str) -> None:
    # In a table cell and in a list item, as the summary places it.
    for line in (f"| {inert(value)}", f"* {inert(value)}"):
        code = mwparserfromhell.parse("{|\n|-\n" + line + "\n|}")
        assert not code.filter_templates() and not code.filter_wikilinks()
        assert not code.filter_comments() and not code.filter_external_links()
        assert not code.filter_arguments()


def test_magic_link_words_are_broken_but_read_the_same() -> None:
    assert inert("ISBN 9780306406157") == "&#73;SBN 9780306406157"
    assert inert("see RFC 1234") == "see &#82;FC 1234"
    assert inert("PMIDs and XISBN") == "PMIDs and XISBN"


@pytest.mark.parametrize("value", HOSTILE)
def test_link_target_cannot_close_or_split_a_link(value: str) -> None:
    out = link_target(value)
    # Nothing active even outside a link: MediaWiki shows a link to an invalid title as text.
    assert not (set(_raw(out)) & _ACTIVE), out
    assert "\n" not in out
    # MediaWiki decodes references in a target, and `_` means a space in titles and fragments.
    assert html.unescape(out) == _one_line(value).replace("_", " ")


def test_link_target_still_names_the_page() -> None:
    assert link_target("Talk:Ann/Drafts") == "Talk&#58;Ann&#47;Drafts"
    assert link_target("Part_1:_Why?") == "Part 1&#58; Why?"
    assert link_target("A|B") == "A&#124;B"
    assert link_target("100%") == "100&#37;"
    assert link_target("ISBN") == "&#73;SBN"


def test_link_stays_one_link_with_hostile_target_and_text() -> None:
    for value in HOSTILE:
        wikitext = f"[[:Page#{link_target(value)}|{inert(value)}]]"
        links = mwparserfromhell.parse(wikitext).filter_wikilinks()
        assert len(links) == 1, wikitext
        assert html.unescape(str(links[0].text)) == _one_line(value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_inert_round_trips_any_text(value: str) -> None:
    out = inert(value)
    assert not (set(_raw(out)) & _ACTIVE)
    assert html.unescape(out) == _one_line(value)


def test_excerpt_is_one_short_line_cut_at_a_word() -> None:
    text = "word " * 50
    out = excerpt(text, 30)
    assert len(out) <= 30 and out.endswith("…") and "\n" not in out
    assert out == "word " * 5 + "word…"
    assert excerpt("alpha beta gamma", 12) == "alpha beta…"
    assert excerpt("short\n text", 30) == "short text"
    assert excerpt("x" * 50, 10) == "x" * 9 + "…"


def test_filters_are_registered() -> None:
    env = environment()
    template = env.from_string("{{ v | inert }} {{ v | link_target }} {{ w | excerpt(5) }}")
    assert template.render(v="[[a_]]", w="one two three") == (
        "&#91;&#91;a&#95;&#93;&#93; &#91;&#91;a &#93;&#93; one…"
    )


# --- the bot's words in the wiki's language ------------------------------------------------

def _catalogs() -> dict[str, dict]:
    import json

    from bot.render import LABELS_DIR

    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in LABELS_DIR.glob("*.json")}


def test_every_language_has_every_label_with_the_same_placeholders() -> None:
    from bot.render import plural_forms

    catalogs = _catalogs()
    assert {"en", "de", "fr", "pl"} <= set(catalogs)
    english = catalogs["en"]
    for language, catalog in catalogs.items():
        assert set(catalog) == set(english), language
        for key, text in catalog.items():
            if key.startswith("@"):
                continue
            assert type(text) is type(english[key]), (language, key)
            forms = text if isinstance(text, list) else [text]
            english_forms = english[key] if isinstance(english[key], list) else [english[key]]
            if isinstance(text, list):
                assert len(forms) == plural_forms(language), (language, key)
            for form in forms:
                english_form = english_forms[0]
                # Labels go into wikitext as they are: nothing in them may act.
                assert not re.search(r"\[\[|\]\]|\{\{|\}\}|~~~|<|''", form), (
                    language, key)
                assert set(re.findall(r"\{(\w+)\}", form)) == set(
                    re.findall(r"\{(\w+)\}", english_form)), (language, key)


def test_labels_follow_the_language_its_fallbacks_and_plural_rules() -> None:
    from bot.render import label, labels_in, render

    assert label("box-background") == "Background"
    with labels_in("de"):
        assert label("box-background") == "Hintergrund"
        assert label("summary-comments", 1) == "1 Beitrag"
        assert label("summary-comments", 0) == "0 Beiträge"
        assert render("summary_edit_summary.txt.j2").strip() == (
            "Bot: Zusammenfassung der Konsultation aktualisiert")
    with labels_in("gsw", ("de",)):  # Alemannic falls back to German
        assert label("box-background") == "Hintergrund"
    with labels_in("de-at"):
        assert label("box-background") == "Hintergrund"
    with labels_in("fr"):
        assert label("summary-comments", 0) == "0 commentaire"  # French: 0 is singular
        assert label("summary-comments", 2) == "2 commentaires"
        assert render("edit_summary.txt.j2", folded=["a", "b"], tagged=["c"]).strip() == (
            "Bot : 2 introductions de questions repliées ; 1 commentaire non signé marqué")
    with labels_in("pl"):  # three forms: 1, 2-4 (not 12-14), the rest
        assert [label("summary-comments", n) for n in (1, 2, 5, 12, 22, 0)] == [
            "1 komentarz", "2 komentarze", "5 komentarzy", "12 komentarzy", "22 komentarze",
            "0 komentarzy"]
    with labels_in("sv"):  # no Swedish labels: English
        assert label("box-background") == "Background"
    assert render("edit_summary.txt.j2", folded=["a"], tagged=[], language="de").strip() == (
        "Bot: 1 Frageneinleitung eingeklappt")
    assert render("edit_summary.txt.j2", folded=["a"], tagged=[]).strip() == (
        "Bot: folded 1 question intro")
    with pytest.raises(KeyError):
        label("no-such-label")


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2000), max_size=60))
def test_escaping_replaces_what_the_translation_tables_replace(text: str) -> None:
    from bot.render import _INERT_CHARS, _INERT_TABLE, _TARGET_CHARS, _TARGET_TABLE

    assert _INERT_CHARS(text) == text.translate(_INERT_TABLE)
    assert _TARGET_CHARS(text) == text.translate(_TARGET_TABLE)
