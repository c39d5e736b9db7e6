"""Hostile intros on the real local MediaWiki: the bot folds what is safe, and MediaWiki's own
rendering (action=parse) shows no comment inside a collapsed box and no question after a hostile
intro inside any box. The comments carry real signatures, saved by Alice and Bob through the API.
"""

from __future__ import annotations

import random
from html.parser import HTMLParser

import pytest

from bot.render import render
from bot.text.edits.collapse import convert
from bot.text.model.analysis import analyze
from tests.devwiki import DevWiki
from tests.text.hostile import marker_of, sample_page
from tests.text.model.test_boxes import READINGS
from tests.wiki.conftest import bot_edits

# Intros that once got folded and put what follows inside the box, or broke the box.
HOSTILE = {
    "Self-closing": "<div/> }} text",
    "Close with attributes": "</div x> }} text",
    "Across lines": "<div\n> }} text",
    "Two self-closing": "Some background. <div/><div/>",
    "Open table": "Background <table/> and more.",
    "In a template": "{{Quote|text=<div>}} Background.",
    "Pre over comments": "Background <pre>\n:* Not read by the model. [[User:Dave|Dave]]\n</pre>",
}
PLAIN = "A plain background, folded as usual."
VOID = {"br", "hr", "img", "meta", "link", "wbr", "input", "area", "base", "col", "embed",
        "source", "track", "param"}


class _Ancestry(HTMLParser):
    """For each piece of text holding a wanted string, the classes of its enclosing elements.

    MediaWiki's output comes from RemexHtml, so every element it opens is closed in order.
    """

    def __init__(self, wanted: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.wanted, self.stack = wanted, []
        self.found: dict[str, list[set[str]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(set((dict(attrs).get("class") or "").split()))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for text in self.wanted:
            if text in data and text not in self.found:
                self.found[text] = list(self.stack)


def ancestry(html: str, wanted: list[str]) -> dict[str, list[set[str]]]:
    parser = _Ancestry(wanted)
    parser.feed(html)
    return parser.found


def in_box(classes: list[set[str]], kind: str = "mw-collapsible") -> bool:
    return any(kind in c for c in classes)


def hostile_page() -> str:
    parts = ["== Part =="]
    for n, (name, intro) in enumerate(HOSTILE.items()):
        parts += [f"=== {name} ===", intro, f"=== After {name} ===", f"Next question {n}."]
    parts += ["=== Editors' <div view ===", "Its background.", "=== Plain ===", PLAIN]
    return "\n".join(parts) + "\n"


def add_comments(text: str, who: str) -> str:
    """Each `=== After ... ===` question gets a signed line from `who` (saved as ~~~~)."""
    lines = []
    for line in text.split("\n"):
        lines.append(line)
        if line.startswith("Next question "):
            lines.append(f":* {who} answers {line.split()[-1].rstrip('.')}. ~~~~")
    return "\n".join(lines)


def test_hostile_intros_are_not_folded_and_nothing_is_hidden(devwiki: DevWiki, run_bot) -> None:
    title = "Hostile test/Boxes"
    devwiki.client("Alice").edit(title, hostile_page(), summary="questions")
    # Real signatures: Bob and Alice answer through the API, MediaWiki expands their ~~~~.
    for who in ("Bob", "Alice"):
        current = devwiki.client(who).read(title).text
        devwiki.client(who).edit(title, add_comments(current, who), summary="answer")
    before = devwiki.client().read(title).text
    assert before.count("[[User:Bob|Bob]]") == len(HOSTILE)

    result = run_bot(f'[[pages]]\ntitle = "{title}"\nsummary = false\n')
    assert result.status == 0, result.stdout + result.stderr
    for name in HOSTILE:
        assert f'[[{title}]]: not folded: "{name}": ' in result.stdout
    assert f"[[{title}]]: not folded: \"Editors' <div view\": its title holds" in result.stdout

    saved = devwiki.client().read(title).text
    assert [e["title"] for e in bot_edits(devwiki, title)] == [title]
    assert saved.count("<!-- /consultation-bot fold -->") == 1  # the plain question only
    comments = analyze(saved).comments
    assert len(comments) == 2 * len(HOSTILE)
    html = devwiki.client().parse(title)
    answers = [f"{who} answers {n}" for who in ("Bob", "Alice") for n in range(len(HOSTILE))]
    questions = [f"After {name}" for name in HOSTILE]
    found = ancestry(html, [*answers, *questions, PLAIN])
    assert in_box(found[PLAIN], "mw-collapsible-content")  # the safe fold did happen
    for answer in answers:
        assert not in_box(found[answer], "mw-collapsible-content"), answer
    for question in questions:
        assert not in_box(found[question]), question


@pytest.mark.parametrize("name", ["Two self-closing", "Across lines", "Open table"])
def test_the_check_has_teeth(devwiki: DevWiki, name: str) -> None:
    """Folded anyway, such an intro puts the next question and Bob's reply inside the box."""
    box = render("box.wikitext.j2", title=name, level=3, heading=f"=== {name} ===", anchors=(),
                 content=HOSTILE[name], style="replace-heading").rstrip("\n")
    page = f"== Part ==\n{box}\n=== Next ===\n:* Bob's reply. [[User:Bob|Bob]]\n"
    found = ancestry(devwiki.client().parse_text(page), ["Next", "Bob's reply"])
    assert in_box(found["Next"]) and in_box(found["Bob's reply"])


def test_a_sample_of_generated_hostile_pages_renders_no_comment_in_a_box(devwiki) -> None:
    """convert on seeded hostile pages, rendered by MediaWiki: a line the page model reads as a
    comment or prompt, shown outside any box before, is outside every box after."""
    rng = random.Random(12)
    client = devwiki.client()
    folded = 0
    for _ in range(24):
        page = sample_page(rng)
        result = convert(page.text)
        if not result.folded:
            continue
        folded += 1
        analysis = analyze(page.text)
        discussion = {p.line - 1 for p in analysis.placeholders}
        for comment in analysis.comments:
            discussion.update(range(comment.line - 1, comment.end_line))
        lines = page.text.split("\n")
        markers = [m for i in sorted(discussion) if (m := marker_of(lines[i]))]
        before = ancestry(client.parse_text(page.text), markers)
        after = ancestry(client.parse_text(result.text), markers)
        for marker in markers:
            if marker in before and not in_box(before[marker]):
                assert marker in after and not in_box(after[marker]), (page.text, marker)
    assert folded >= 5


@pytest.mark.parametrize(("snippet", "divs"), READINGS, ids=[r[0] for r in READINGS])
def test_divs_are_read_as_mediawiki_reads_them(devwiki: DevWiki, snippet: str, divs: int) -> None:
    """What the page model counts is what the wiki renders: a snippet that opens a div keeps
    the text after the probe's `</div>` inside the probe, one that closes a div ends it early."""
    page = f'<div class="probe">\n{snippet}\nINSIDE\n</div>\nAFTER\n'
    found = ancestry(devwiki.client().parse_text(page), ["INSIDE", "AFTER"])
    assert in_box(found["INSIDE"], "probe") == (divs >= 0)
    assert in_box(found["AFTER"], "probe") == (divs > 0)
