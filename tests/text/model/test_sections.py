"""Heading titles and anchors against what MediaWiki renders.

Every expected anchor below was observed on MediaWiki 1.39.17 (scripts/devwiki, with
$wgFragmentMode html5 + legacy like Wikimedia wikis and the files File:X.png and
File:Symbol question.svg present) through `api.php?action=parse&prop=sections` (its `anchor`).
"""

from __future__ import annotations

import pytest

from bot.text.model.sections import (
    anchor_of,
    legacy_anchor_of,
    plain_title,
    rendered_title,
    unique_anchors,
)

# (wikitext between the equals signs, plain title, anchor)
CASES = [
    # Character references are decoded after tags are stripped, so `&lt;y&gt;` stays as text.
    ('Q &lt;y&gt; "quoted"', 'Q <y> "quoted"', 'Q_<y>_"quoted"'),
    ("a <b>b</b> &lt;c&gt;", "a b <c>", "a_b_<c>"),
    ("Q &amp; A", "Q & A", "Q_&_A"),
    ("a &#91;b&#93;", "a [b]", "a_[b]"),
    ("&amp x &copy y", "&amp x &copy y", "&amp_x_&copy_y"),
    # Tags MediaWiki does not know are shown as text; known ones are dropped.
    ("a <y>b</y> c", "a <y>b</y> c", "a_<y>b</y>_c"),
    ('a <span style="x">s</span> <br> <abbr title="t">A</abbr>', "a s A", "a_s_A"),
    ("a <!-- x --> <s>s</s> <code>c</code>", "a s c", "a_s_c"),
    ("a <nowiki><b>x</b></nowiki>", "a <b>x</b>", "a_<b>x</b>"),
    ("a < b > c", "a < b > c", "a_<_b_>_c"),
    ("x<3 and y>2", "x<3 and y>2", "x<3_and_y>2"),
    # Images show nothing, or their caption when framed; File/Image in any case.
    ("[[File:Symbol question.svg|20px]] Question", "Question", "Question"),
    ("Q [[File:X.png|thumb]] pic", "Q pic", "Q_pic"),
    ("Q [[File:X.png|thumb|cap]] pic", "Q cap pic", "Q_cap_pic"),
    ("[[File:X.png|upright|thumbnail=X.png|cap]] e", "cap e", "cap_e"),
    ("[[File:X.png|framed|cap]] g", "cap g", "cap_g"),
    ("[[File:X.png|thumb|a|b]] multi", "b multi", "b_multi"),
    ("[[File:X.png|thumb|cap with [[link]] ]] h", "cap with link h", "cap_with_link_h"),
    ("[[image:X.png|left|caption]] lower", "lower", "lower"),
    ("[[FILE:X.png]] upper", "upper", "upper"),
    ("[[fIlE:X.png|20px|alt=bar|link=Foo]] mixed", "mixed", "mixed"),
    ("[[File:X.png|frameless|cap]] f", "f", "f"),
    ("[[File:X.png|border|cap]] d", "d", "d"),
    ("[[File:X.png|20px]]s trail", "s trail", "s_trail"),
    ("[[Media:X.png]] media", "Media:X.png media", "Media:X.png_media"),
    # Category links show nothing; a leading colon makes any link show its target.
    ("[[Category:Foo]] text", "text", "text"),
    ("[[category:Foo|sortkey]] low", "low", "low"),
    ("[[ Category : Foo ]] spaced", "spaced", "spaced"),
    ("[[Category:Foo]]s trail", "s trail", "s_trail"),
    ("[[:Category:Foo]]", "Category:Foo", "Category:Foo"),
    ("[[:Category:Foo|label]]", "label", "label"),
    ("[[:File:X]]", "File:X", "File:X"),
    ("[[:Image:X.png]]", "Image:X.png", "Image:X.png"),
    ("[[:en:Foo]]", "en:Foo", "en:Foo"),
    ("[[Foo_bar]] [[foo]]", "Foo_bar foo", "Foo_bar_foo"),
    ("[[Foo]]s", "Foos", "Foos"),
    ("[http://example.org ext] link", "ext link", "ext_link"),
    ("''it'' '''bold'''", "it bold", "it_bold"),
    # Behaviour switches render nothing (some only in capitals).
    ("a __NOTOC__ b", "a b", "a_b"),
    ("x __TOC__ y", "x y", "x_y"),
    ("__NOEDITSECTION__ z", "z", "z"),
    ("x __notoc__ __Newsectionlink__ __NEWSECTIONLINK__ y", "x __Newsectionlink__ y",
     "x_Newsectionlink_y"),
    # Whitespace as the title codec normalizes it.
    ("&nbsp;x&nbsp;", "\xa0x\xa0", "_x"),
    ("a&nbsp;&nbsp;b", "a\xa0\xa0b", "a_b"),
    ("a _ b__c", "a _ b__c", "a_b_c"),
    ("Tab\ttab", "Tab\ttab", "Tab_tab"),
    ("a \t b", "a \t b", "a___b"),
    ("A&#x200E;B", "A\u200eB", "AB"),
    ("y &NewLine; z &#0; w", "y \n z \ufffd w", "y___z_\ufffd_w"),
]


@pytest.mark.parametrize(("raw", "plain", "anchor"), CASES, ids=[c[0] for c in CASES])
def test_title_and_anchor_as_mediawiki_renders_them(raw: str, plain: str, anchor: str) -> None:
    assert plain_title(raw) == plain
    assert anchor_of(plain_title(raw)) == anchor


@pytest.mark.parametrize(
    ("titles", "anchors"),
    [
        (["Q", "q", "Q"], ["Q", "q_2", "Q_3"]),
        # PHP strtolower folds ASCII letters only: É stays, so only ÉNERGIE clashes (with Énergie).
        (["Énergie", "énergie", "ÉNERGIE"], ["Énergie", "énergie", "ÉNERGIE_2"]),
        (["A_2", "A", "a"], ["A_2", "A", "a_3"]),
    ],
)
def test_duplicates_are_numbered_as_mediawiki_does(titles: list[str], anchors: list[str]) -> None:
    assert unique_anchors([anchor_of(plain_title(t)) for t in titles]) == anchors


def test_legacy_anchor_of_a_title_with_markup_characters() -> None:
    assert legacy_anchor_of(anchor_of(plain_title('Q &lt;y&gt; "quoted"'))) == (
        "Q_.3Cy.3E_.22quoted.22"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "{{" * 1000 + "x" + "}}" * 1000,  # too deep for the parser: RecursionError
        "[[" * 600 + "x" + "]]" * 600,
        "Q <div " * 300,  # the parser's time grows with the square of this
        "Q ''x'' " * 200,  # longer than MAX_TITLE_LENGTH, with markup
    ],
    ids=["braces", "links", "div-openers", "long"],
)
def test_a_title_that_cannot_be_rendered_offline_is_shown_as_written(raw: str) -> None:
    assert rendered_title(raw) is None
    assert plain_title(raw) == raw.strip()
    assert plain_title(raw + " ") == plain_title(raw)


def test_a_long_title_without_markup_is_rendered() -> None:
    assert rendered_title("Q " * 2000) == ("Q " * 2000).strip()
