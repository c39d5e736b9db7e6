"""The colours of the boxes and the summary: text at a contrast of 4.5:1 or more against its
background (WCAG 2 AA), bars of the charts at 3:1 or more against what surrounds them (WCAG
1.4.11). Computed over the templates' own style attributes, so a new colour cannot slip in."""

from __future__ import annotations

import re

import pytest

from bot.render import TEMPLATES_DIR

TEMPLATES = ("box.wikitext.j2", "summary.wikitext.j2")
WHITE = "#ffffff"
_STYLE = re.compile(r'style="([^"]*)"(?P<rest>[^>]*)>(?P<after></?)?')
_COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b")


def luminance(colour: str) -> float:
    """The relative luminance of a #rgb or #rrggbb colour (WCAG 2)."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = []
    for k in range(3):
        c = int(digits[2 * k : 2 * k + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def declarations(style: str) -> dict[str, str]:
    found = {}
    for part in style.split(";"):
        name, _, value = part.partition(":")
        if value.strip():
            found[name.strip().lower()] = value.strip()
    return found


def styles(template: str) -> list[tuple[dict[str, str], bool]]:
    """Each style attribute of a template, and whether its element is empty (a bar, no text)."""
    source = (TEMPLATES_DIR / template).read_text(encoding="utf-8")
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.DOTALL)
    return [
        (declarations(m.group(1)), m.group("after") == "</") for m in _STYLE.finditer(source)
    ]


def background(found: dict[str, str]) -> str | None:
    value = found.get("background-color") or found.get("background")
    match = _COLOUR.search(value) if value else None
    return match.group(0) if match else None


def test_the_formula_matches_known_ratios() -> None:
    assert contrast("#000000", WHITE) == pytest.approx(21)
    assert contrast("#777777", WHITE) == pytest.approx(4.48, abs=0.01)
    assert contrast("#0645ad", WHITE) == pytest.approx(8.6, abs=0.1)


@pytest.mark.parametrize("template", TEMPLATES)
def test_text_colours_come_with_their_background_at_4_5_to_1(template: str) -> None:
    checked = 0
    for found, _ in styles(template):
        if "color" not in found:
            continue
        colour = _COLOUR.search(found["color"])
        back = background(found)
        assert colour and back, f"{template}: a text colour without its background: {found}"
        ratio = contrast(colour.group(0), back)
        assert ratio >= 4.5, f"{template}: {colour.group(0)} on {back} is {ratio:.2f}:1"
        checked += 1
    assert checked, f"{template}: no text colour found (the check would have no teeth)"


@pytest.mark.parametrize("template", TEMPLATES)
def test_bars_stand_out_at_3_to_1(template: str) -> None:
    """Empty coloured elements are bars: against the page and against their tracks."""
    found_styles = styles(template)
    tracks = {
        back for found, empty in found_styles
        if not empty and "color" not in found and (back := background(found))
    }
    bars = [
        back for found, empty in found_styles
        if empty and "color" not in found and (back := background(found))
    ]
    for bar in bars:
        for around in {WHITE, *tracks}:
            ratio = contrast(bar, around)
            assert ratio >= 3, f"{template}: bar {bar} next to {around} is {ratio:.2f}:1"
    if template == "summary.wikitext.j2":
        assert len(bars) == 2  # the share of comments and the weekly chart
