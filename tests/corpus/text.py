"""The words of the corpus: the consultation's opening text and participants' paragraphs.

Sentences come from scripts/benchmark_history.py's generator (no two alike, so that the history
can tell every line apart); each paragraph carries a unique token ("proposal 42") by which its
line is found on the final page, whatever the bot and other editors did around it.
"""

from __future__ import annotations

import difflib
import random
import re

from tests.scripts import load_script

TOKEN = re.compile(r"\bproposal (\d+)\b", re.IGNORECASE)


_HISTORY = load_script("benchmark_history")
PROMPT: str = _HISTORY.PROMPT
RESIDUE: str = _HISTORY.RESIDUE
ADD_HERE = "(Add your comment here)"
ORGANIZERS: tuple[str, ...] = _HISTORY.ORGANIZERS
PARTICIPANTS: tuple[str, ...] = _HISTORY.PARTICIPANTS
PARTICIPANT_IPS: tuple[str, ...] = (*_HISTORY.PARTICIPANT_IPS, "2001:db8:85a3::8a2e:370:7334")
VANDALS: tuple[str, ...] = _HISTORY.VANDALS
QUESTIONS: tuple[str, ...] = _HISTORY.QUESTIONS
LATE_QUESTIONS = (
    "Which tools should the academy build first?",
    "How can alumni stay involved after the programme?",
    "What should we stop doing altogether?",
    "How should the pilot regions be chosen?",
)
PARTS = (
    "How should we design the peer mentoring academy?",
    "Beyond the events: tools, resources and support",
    "Measuring and sharing what we learn",
)

# Custom signatures (Special:Preferences, "Treat the above as wiki markup"), as participants set
# them on Wikimedia wikis: styled, a nickname unlike the user name, talk page only, extra links.
CUSTOM_SIGNATURES: dict[str, tuple[str, str]] = {
    "Gökhan": ("nickname", '[[User:Gökhan|<span style="color:#060">G.K.</span>]]'),
    "Frank": ("talk only", "[[User talk:Frank|Frank (talk)]]"),
    "Björn": (
        "font tag",
        '[[User:Björn|<font color="#8B0000">Björn</font>]] ([[User talk:Björn|talk]])',
    ),
    "Kwame Mensah": (
        "extra links",
        "[[User:Kwame Mensah|Kwame]] ([[User talk:Kwame Mensah|talk]] · "
        "[[Special:Contributions/Kwame Mensah|contribs]] · [[Project:Mentors|mentor]])",
    ),
    "Hana": (
        "styled span",
        '<span style="font-family:Georgia,serif">[[User:Hana|Hana]] '
        "<sup>[[User talk:Hana|話]]</sup></span>",
    ),
    "Zoë": ("talk only", "[[User talk:Zoë|Zoë]]"),
    "Wiremu": ("nickname", "[[User:Wiremu|Wiri]] ([[User talk:Wiremu|kōrero]])"),
    "Priya": (
        "extra links", "[[Project:Teahouse|☕]] [[User:Priya|Priya]] ([[User talk:Priya|talk]])"
    ),
}

INTRO = (
    "This consultation asks how the Wikimedia Foundation and the communities should support peer "
    "mentoring and leadership development. Please answer under each question and sign your "
    "comments with four tildes."
)
PART_INTROS = (
    "We aim to design the events to be maximally effective and include the most appropriate "
    "people, so we have a few questions:",
    "The peer mentoring events will not replace the Learning Days format at future events. "
    "However, we want to make these in-person trainings just one part of the strategy.",
    "Whatever we build, we want to know whether it works and to share what we learn.",
)
# Long background paragraphs, in the manner of the 2016 Leadership Development Dialogue.
BACKGROUND_OPENINGS = (
    "One of the big challenges right now with Learning Days is that it has limitations for "
    "participation at key in-person events: we often have many more potential attendees than we "
    "have been able to support, so we must still be selective.",
    "As a cost saving, official Learning Days coincide with existing events, and for that reason "
    "they often reach already established leaders and mentors within communities.",
    "During our consultations we discovered consistent interest in growing skills related to "
    "building more inclusive environments online and off, such as empathy and patience.",
    "Practical skills for leaders to maintain their level of engagement came up again and again, "
    "from delegation to strategies that prevent burnout among long-time organisers.",
    "We want to ensure that those who participate are able to spread their learning out to a "
    "wider range of participants, who may then gain access to development opportunities too.",
    "The goals of the peer mentoring academy are to streamline communication routes across "
    "regions and programs and to increase accountability for capacity development support.",
)
OPTIONS = (
    "Select based on evidence of sharing training and mentoring back in the home community",
    "Select based on a proposal for how the participant will share the training back home",
    "Ask past trainees to nominate the next cohort",
    "Reserve places for communities that have never sent anyone",
    "Pair each trainee with a mentor from another region",
    "Publish the selection criteria before applications open",
)
MENTION_FORMS = ("user link", "ping", "user talk link")
CONNECTORS = (
    "Having thought about it some more,", "To be fair to the other view,", "More concretely,",
    "And this matters because", "What I really mean is that", "Put differently,",
)


class Words:
    """Deterministic text for one scenario: sentences, paragraphs with tokens, typos."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed * 7919 + 13)
        # Only its sentence() is used: the generator's own setup draws from its seeded rng.
        self._sentences = _HISTORY.Generator(seed, 2, 1)
        self.next_token = 1

    def sentence(self) -> str:
        return self._sentences.sentence()

    def token(self) -> int:
        number = self.next_token
        self.next_token += 1
        return number

    def paragraph(self, token: int, sentences: int = 2) -> str:
        """Participant text carrying `token`, never ending in a space."""
        body = " ".join(self.sentence() for _ in range(sentences))
        frame = self.rng.randrange(4)
        if frame == 0:
            return f"Proposal {token}: {body}"
        if frame == 1:
            first, _, rest = body.partition(". ")
            return f"{first}, hence proposal {token}. {rest}".rstrip()
        if frame == 2:
            return f"{body} That is my proposal {token}."
        return f"{body} (See proposal {token}.)"

    def clause(self) -> str:
        """A long clause for a mid-line rewrite (a connector and two sentences)."""
        first = self.sentence()
        return f"{self.rng.choice(CONNECTORS)} {first[0].lower()}{first[1:]} {self.sentence()}"

    def typo(self, text: str) -> tuple[str, str, str] | None:
        """`text` with two letters of a long word swapped: (new text, wrong word, right word),
        or None when it has no word to misspell."""
        words = [w for w in re.findall(r"[A-Za-z]{7,}", text) if text.count(w) == 1]
        words = [w for w in words if w.lower() != "proposal"]
        if not words:
            return None
        word = self.rng.choice(words)
        i = self.rng.randint(1, len(word) - 3)
        wrong = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if wrong == word or wrong in text:
            return None
        return text.replace(word, wrong, 1), wrong, word

    def background(self, question: int) -> list[str]:
        """The organizers' background for a question: long paragraphs, maybe a list of options."""
        rng = self.rng
        paragraphs = []
        openings = rng.sample(BACKGROUND_OPENINGS, 2)
        for opening in openings[: rng.randint(1, 2)]:
            extra = rng.sample(_HISTORY.BACKGROUND, 2)
            paragraphs.append(f"{opening} {' '.join(extra)}")
        paragraphs[0] += f" (Background for question {question}.)"
        lines: list[str] = []
        for paragraph in paragraphs:
            lines += [paragraph, ""]
        if rng.random() < 0.5:
            lines.append("Some of the ideas we have:")
            options = rng.sample(OPTIONS, rng.randint(2, 3))
            if rng.random() < 0.5:
                lines += [f"{n}. {option}" for n, option in enumerate(options, 1)]
            else:
                lines += [f"* {option}" for option in options]
        else:
            lines.pop()
        return lines


def similarity(a: str, b: str) -> float:
    """difflib's ratio, as the bot compares a line with its earlier versions."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def tokens_in(line: str) -> list[int]:
    return [int(n) for n in TOKEN.findall(line)]
