"""Realistic consultation pages of any size, seeded: what the benchmarks time and what the line
index's statistical test reads.

A page has parts, questions with long backgrounds (links, templates, idea lists, now and then a
box made by hand), prompts, and threads of comments and replies signed with MediaWiki's default
signature and with custom ones (styled, nicknames, talk page only, another wiki's user page),
some unsigned, undated or tagged, many mentioning someone (`[[User:X|X]]`, `{{ping|X}}`). The
words come from scripts/benchmark_history.py. Each participant line's writer is known
(`Page.writers`), as the history would tell it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.text.model.dates import format_date
from bot.text.model.profile import ENGLISH
from tests.scripts import load_script

_WORDS = load_script("benchmark_history")

PARTS = (
    "Designing the academy", "Beyond the events", "Measuring what we learn",
    "Support for organisers", "Reaching new communities",
)
LINKS = (
    "[[Learning Days]]", "[[Grants:Start|grants]]", "[[m:Wikimedia Conference|the conference]]",
    "[[Programs:Evaluation|evaluation portal]]", "[[w:en:Wikipedia:Teahouse|Teahouse]]",
    "[https://example.org/report.pdf the 2015 report]", "[[Strategy/2030|strategy]]",
    "[[#Support|support]]",
)
TEMPLATES = ("{{tl|Ping}}", "{{done}}", "{{support}}", "{{oppose}}", "{{comment}}", "{{+1}}")
VOTES = ("'''Support'''", "'''Oppose'''", "Support.", "+1", "Agree.", "Neutral.",
         "'''Strong support''' per above.")
IDEAS = (
    "Select based on evidence of mentoring back home",
    "Select based on a proposal for sharing what was learned",
    "Reserve seats for people from small communities",
    "Ask past trainees to nominate the next ones",
    "Hold regional learning days between the big events",
    "Publish every training's slides and notes on the wiki",
)


@dataclass(frozen=True)
class Writer:
    """Who wrote a line, as the page history would say."""

    user: str
    anon: bool
    timestamp: datetime
    revid: int
    signed: bool


@dataclass
class Page:
    text: str
    writers: dict[int, Writer] = field(default_factory=dict)  # 1-based line -> its writer


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lines: list[str] = []
        self.writers: dict[int, Writer] = {}
        self.size = 0
        self.clock = datetime(2016, 9, 1, 8, 0, tzinfo=UTC)
        self.revid = 1000
        self.question = 0
        weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(_WORDS.PARTICIPANTS))]
        self.weights = weights
        self.rare = self._rare_words()
        self.rare_weights = [1.0 / (rank + 1) for rank in range(len(self.rare))]
        self.said: list[str] = []  # comments so far, for the ones posted again with a change

    def _rare_words(self) -> list[str]:
        """Names of places, projects and tools: the rare words real comments are full of."""
        syllables = ("ka", "lo", "mi", "ra", "to", "ve", "sun", "dor", "el", "an", "qui", "zo",
                     "bar", "ten", "wi", "ki", "pe", "dia", "nor", "sa", "lu", "gre", "vin")
        words = set()
        while len(words) < 3000:
            word = "".join(self.rng.choice(syllables) for _ in range(self.rng.randint(2, 4)))
            words.add(word.capitalize())
        ordered = sorted(words)
        self.rng.shuffle(ordered)
        return ordered

    def add(self, line: str, writer: Writer | None = None) -> None:
        self.lines.append(line)
        self.size += len(line.encode()) + 1
        if writer is not None:
            self.writers[len(self.lines)] = writer

    # -- words ---------------------------------------------------------------------------
    def sentence(self) -> str:
        rng, w = self.rng, _WORDS
        text = (f"{rng.choice(w.OPENERS)}, {rng.choice(w.SUBJECTS)} {rng.choice(w.VERBS)} "
                f"{rng.choice(w.OBJECTS)}{rng.choice(w.TAILS)}.")
        for _ in range(rng.choice((0, 1, 1, 2))):
            rare = rng.choices(self.rare, self.rare_weights)[0]
            text = text[:-1] + rng.choice((f" in {rare}.", f", like {rare} did.",
                                           f" ({rng.randint(2, 400)} people at {rare})."))
        roll = rng.random()
        if roll < 0.15:
            text = text[:-1] + f", as {rng.choice(LINKS)} shows."
        elif roll < 0.22:
            text = text[:-1] + f" (see {rng.choice(LINKS)})."
        elif roll < 0.27:
            text = f"'''{text}'''"
        return text

    def paragraph(self, low: int, high: int) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def changed(self, text: str) -> str:
        """The text with a small change: a typo made or fixed, a word added or dropped."""
        rng = self.rng
        words = text.split(" ")
        i = rng.randrange(len(words))
        roll = rng.random()
        if roll < 0.4 and len(words[i]) > 3:
            j = rng.randrange(len(words[i]) - 1)
            word = words[i]
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        elif roll < 0.7:
            words.insert(i, rng.choice(("really", "also", "still", "very", "now", "probably")))
        elif len(words) > 3:
            del words[i]
        return " ".join(words)

    def participant(self) -> tuple[str, bool]:
        if self.rng.random() < 0.12:
            return self.rng.choice(_WORDS.PARTICIPANT_IPS), True
        return self.rng.choices(_WORDS.PARTICIPANTS, self.weights)[0], False

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=self.rng.randint(3, 240))
        self.revid += 1
        return self.clock

    def signature(self, user: str, anon: bool, when: datetime) -> str:
        date = format_date(when, ENGLISH)
        if anon:
            return f"[[Special:Contributions/{user}|{user}]] ([[User talk:{user}|talk]]) {date}"
        shape = self.rng.random()
        if shape < 0.6:  # MediaWiki's default signature
            return f"[[User:{user}|{user}]] ([[User talk:{user}|talk]]) {date}"
        if shape < 0.68:
            return f'[[User:{user}|<span style="color:#063">{user}</span>]] {date}'
        if shape < 0.76:
            nick = user.split(" ", maxsplit=1)[0].lower()
            return f"—[[User:{user}|''{nick}'']] <sup>[[User talk:{user}|talk]]</sup> {date}"
        if shape < 0.82:
            return f"[[User talk:{user}|{user} (talk)]] {date}"
        if shape < 0.88:
            return f"[[m:User:{user}|{user}]] ([[m:User talk:{user}|talk]]) {date}"
        if shape < 0.94:
            return (f'<span style="font-family:Georgia,serif">[[User:{user}|{user}]]</span> '
                    f"([[Special:Contributions/{user}|contribs]]) {date}")
        return f"--[[User:{user}|{user}]] {date}"

    def mention(self) -> str:
        other = self.rng.choice(_WORDS.PARTICIPANTS)
        if self.rng.random() < 0.5:
            return f"{{{{ping|{other}}}}} "
        return f"As [[User:{other}|{other}]] said above, "

    # -- page parts ----------------------------------------------------------------------
    def opening(self) -> None:
        self.add("{{Consultation header}}")
        self.add("This consultation asks how we should support peer mentoring and leadership "
                 "development. Please answer under each question and sign with four tildes.")
        self.add("__TOC__")

    def part(self, number: int) -> None:
        self.add("")
        self.add(f"== Part {number}: {PARTS[(number - 1) % len(PARTS)]} ==")
        self.add(self.rng.choice(_WORDS.BACKGROUND) + " " + self.paragraph(1, 2))

    def background(self) -> None:
        rng = self.rng
        for _ in range(rng.randint(2, 4)):
            self.add(self.paragraph(2, 5))
            self.add("")
        if rng.random() < 0.5:
            self.add("Some of the ideas we have:")
            for idea in rng.sample(IDEAS, rng.randint(2, 4)):
                self.add(f"* {idea}")
        if rng.random() < 0.15:
            self.add("{{Quote|" + self.sentence() + "|source=the 2015 survey}}")
        if rng.random() < 0.08:  # a box an organizer made by hand
            self.add('<div class="mw-collapsible mw-collapsed" style="width:100%">')
            self.add("'''More background''' <div class=\"mw-collapsible-content\">")
            self.add(self.paragraph(3, 6))
            self.add("</div></div>")

    def comment(self, prefix: str, reply: bool) -> None:
        rng = self.rng
        user, anon = self.participant()
        when = self.tick()
        text = self.paragraph(1, 2)
        roll = rng.random()
        if roll < 0.03 and self.said:  # posted again under another question, a little changed
            text = self.changed(rng.choice(self.said[-200:]))
        elif roll < 0.08:  # a vote
            text = rng.choice(VOTES)
        self.said.append(text)
        if reply or rng.random() < 0.3:
            text = self.mention() + text
        if rng.random() < 0.1:
            text = f"{rng.choice(TEMPLATES)} {text}"
        paragraphs = [text]
        if rng.random() < 0.12:
            paragraphs.append(self.paragraph(1, 3))
        roll = rng.random()
        signed = True
        if roll < 0.14:  # unsigned
            ending = ""
            signed = False
        elif roll < 0.17:  # ~~~: no date
            ending = f" [[User:{user}|{user}]] ([[User talk:{user}|talk]])"
        elif roll < 0.2:  # tagged by someone else
            signed = False
            ending = f" {{{{unsigned|{user}|{format_date(when, ENGLISH)}}}}}"
        else:
            ending = " " + self.signature(user, anon, when)
        writer = Writer(user, anon, when, self.revid, signed)
        continuation = (prefix[:-1] + ":") if prefix.endswith("*") else prefix + ":"
        for k, paragraph in enumerate(paragraphs):
            last = k == len(paragraphs) - 1
            self.add(f"{prefix if k == 0 else continuation} {paragraph}{ending if last else ''}",
                     writer)

    def question_section(self) -> None:
        rng = self.rng
        self.question += 1
        title = rng.choice(_WORDS.QUESTIONS)
        self.add("")
        self.add(f"=== Question {self.question}: {title} ===")
        self.background()
        self.add(_WORDS.PROMPT)
        for _ in range(rng.randint(4, 24)):
            if rng.random() < 0.03:  # typed into a prompt
                user, anon = self.participant()
                when = self.tick()
                self.add(f":*{self.paragraph(1, 2)} {_WORDS.RESIDUE}",
                         Writer(user, anon, when, self.revid, False))
                continue
            self.comment(":*", reply=False)
            depth = 2
            while rng.random() < 0.35 and depth < 6:
                self.comment(":" * depth + "*" if rng.random() < 0.6 else ":*" + ":" * (depth - 1),
                             reply=True)
                depth += 1


def consultation_page(size: int, seed: int = 0) -> Page:
    """A consultation page of about `size` bytes (UTF-8), the same for the same seed."""
    builder = _Builder(seed)
    builder.opening()
    part = 0
    while builder.size < size:
        part += 1
        builder.part(part)
        for _ in range(builder.rng.randint(2, 5)):
            builder.question_section()
            if builder.size >= size:
                break
    return Page("\n".join(builder.lines), builder.writers)


def authorship(page: Page, keys: dict[int, str]) -> dict[str, object]:
    """What the history would say of the lines with these keys (bot.text.plan.keys_of): the
    writer of each participant line, and None (the opening revision's) for the organizers'."""
    from bot.text.history.attribution import Attribution

    found: dict[str, object] = {}
    for number, key in keys.items():
        writer = page.writers.get(number)
        found[key] = None if writer is None else Attribution(
            writer.user, writer.timestamp, writer.revid, writer.anon, writer.signed
        )
    return found
