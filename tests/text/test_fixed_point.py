"""The plan is a fixed point: after the bot's edit, the next run plans no change.

Property test over generated consultation histories: participants add signed, unsigned,
multi-paragraph and IP comments, replies, filled prompts and paragraphs under a question's
background; others fix typos. The bot plans (tags, boxes, summary), saves its revision, and the
next run (with its saved state, and with none) must plan the same page and the same summary.
Examples: HYPOTHESIS_EXAMPLES (default 1,000 here; see the README for the nightly figure).
"""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.config import PageOptions
from bot.text.history.attribution import CachedTexts, attribute, line_keys
from bot.text.history.contributions import lines_to_attribute
from bot.text.model.analysis import analyze
from bot.text.model.dates import format_date
from bot.text.model.profile import ENGLISH
from bot.text.plan import line_normalizer, plan_page
from tests.text.history.test_attribution import WORDS, History
from tests.torture import ran, torture_settings

BOT = "ConsultationBot"
PROMPT = ":*(Add your comment here) (Don't forget to add your signature)"
USERS = ("Alice", "Bob", "Carol", "Dave", "198.51.100.4")
OPENING = "\n".join([
    "Organizers' introduction to the consultation.",
    "",
    "== Part one ==",
    "=== How should mentors be chosen? ===",
    "Mentors come from many backgrounds. " * 12,
    "The committee asks for proposals that are fair to newcomers.",
    PROMPT,
    "",
    "=== Which tools would help? ===",
    "Organizers need tools for events, reports and outreach. " * 8,
    PROMPT,
    "",
    "== Part two ==",
    "=== Anything else? ===",
    PROMPT,
])
OPTIONS = PageOptions(
    title="Consultation", tag_unsigned=True, grace_minutes=0, collapse=True, summary=True,
    summary_json=True,
)


def signature(user: str, when: datetime) -> str:
    stamp = format_date(when, ENGLISH)
    if user[0].isdigit():
        return f"[[Special:Contributions/{user}|{user}]] {stamp}"
    return f"[[User:{user}|{user}]] ([[User talk:{user}|talk]]) {stamp}"


def _words(rng: random.Random, n: int = 7) -> str:
    return " ".join(rng.sample(WORDS, n))


def _prompts(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if "(Don't forget to add your signature)" in line]


def _section_end(lines: list[str], start: int) -> int:
    end = start + 1
    while end < len(lines) and lines[end].strip() and not lines[end].startswith("="):
        end += 1
    return end


def edit(history: History, rng: random.Random, step: int) -> None:
    """One participant's (or a fixer's) edit, dated as the history dates it."""
    lines = history.latest.split("\n")
    when = datetime(2016, 9, 20, 9, 0, tzinfo=UTC) + timedelta(minutes=7 * len(history.metas))
    user = rng.choice(USERS)
    sig = signature(user, when)
    prompt = rng.choice(_prompts(lines))
    end = _section_end(lines, prompt)
    kind = rng.choice([
        "signed", "signed", "unsigned", "two_paragraphs", "reply", "typo", "filled",
        "under_background", "bare_timestamp", "undated", "continuation", "items",
    ])
    tag = f"[c{step}]"
    if kind == "signed":
        lines.insert(end, f":* {tag} {_words(rng)} {sig}")
    elif kind == "unsigned":
        lines.insert(end, f":* {tag} {_words(rng)}")
    elif kind == "two_paragraphs":
        second = rng.choice(["::", ":*:", ":*"])
        lines[end:end] = [f":* {tag} {_words(rng)}", f"{second} {_words(rng)} {sig}"]
    elif kind == "reply":
        lines.insert(end, f":*: {tag} {_words(rng)} {sig if rng.random() < 0.5 else ''}".rstrip())
    elif kind == "typo":
        candidates = [i for i, x in enumerate(lines) if "[c" in x]
        if not candidates:
            return
        k = rng.choice(candidates)
        lines[k] = lines[k].replace(" ", "  ", 1)
        user = "Fixer"
    elif kind == "filled":
        lines[prompt] = lines[prompt].replace(
            "(Add your comment here)", f"{tag} {_words(rng, 4)}", 1
        )
    elif kind == "under_background":
        lines.insert(prompt, f"{tag} {_words(rng)}.")
    elif kind == "bare_timestamp":
        mention = f"[[User:{rng.choice(USERS[:4])}]]"
        stamp = format_date(when, ENGLISH)
        said = _words(rng, rng.choice((12, 20)))  # 20 words: the mention is out of reach
        lines.insert(end, f":* {tag} As {mention} said, {said} {stamp}")
    elif kind == "undated":
        lines.insert(end, f":* {tag} {_words(rng)} [[User:{user}|{user}]]")
    elif kind == "continuation":
        lines.insert(end, f":*: {tag} {_words(rng)}")
    elif kind == "items":  # one edit, several items at one level, a blank line, maybe signed
        marker = rng.choice([":*", "*", "::"])
        items = [f"{marker} {tag} {_words(rng)}" for _ in range(rng.randint(2, 3))]
        if rng.random() < 0.3:
            items.insert(1, "")
        if rng.random() < 0.4:
            items[-1] += f" {sig}"
        lines[end:end] = items
    history.edit(user, "\n".join(lines), anon=user[0].isdigit())


def plan_run(
    history: History, state: dict | None, options: PageOptions | None = None
) -> tuple[object, dict]:
    """One run as the bot makes it: attribute (with the state, if any), then plan (with
    OPTIONS unless told)."""
    options = options or OPTIONS
    text = history.latest
    analysis = analyze(text)
    normalizer = line_normalizer(options, ENGLISH)
    wanted = lines_to_attribute(analysis)
    keys = line_keys(text, wanted, normalizer)
    known = state["authorship"] if state else {}
    found = attribute(
        wanted, history.metas, CachedTexts(history.source()), current_text=text,
        profile=ENGLISH, normalizer=normalizer, known=known,
        known_revid=state["revid"] if state else None,
    )
    authorship = {keys[n]: a for n, a in found.items() if n in keys}
    now = history.metas[-1].timestamp + timedelta(days=30)
    plan = plan_page(
        text, options, profile=ENGLISH, now=now, as_of=None, authorship=authorship,
        analysis=analysis, organizers=(BOT,),
    )
    return plan, authorship


@torture_settings()
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=25))
def test_after_the_bots_edit_the_next_run_plans_nothing(seed: int, steps: int) -> None:
    ran("plan: the bot's edit is a fixed point")
    rng = random.Random(seed)
    history = History()
    history.edit("Organizer", OPENING)
    for step in range(steps):
        edit(history, rng, step)
    before = history.latest.split("\n")
    first, authorship = plan_run(history, None)
    assert not first.lost
    if first.page_changed:
        history.edit(BOT, first.new_text)
    state = {"authorship": authorship, "revid": history.metas[-1].revid}
    for again_state in (state, None):
        again, _ = plan_run(history, again_state)
        assert again.new_text == history.latest, again_state is None
        assert not again.tagged and not again.folded
        assert again.summary_text == first.summary_text
        assert again.summary_json == first.summary_json
    # No tag goes on a line its author signed.
    for tag in first.tagged:
        line = before[tag.line - 1]
        assert f"[[User:{tag.user}|" not in line and f"Contributions/{tag.user}|" not in line


def test_the_keep_heading_style_is_a_fixed_point_too(monkeypatch) -> None:
    """One history in the other box style (the property runs the default style)."""
    monkeypatch.setattr(
        sys.modules[__name__], "OPTIONS", replace(OPTIONS, collapse_style="keep-heading")
    )
    for seed in range(20):
        test_after_the_bots_edit_the_next_run_plans_nothing.hypothesis.inner_test(seed, 20)
