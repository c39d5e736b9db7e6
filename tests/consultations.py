"""Realistic consultation pages, made up but shaped like bot/samples/consultation.wikitext: parts,
questions with background text, prompts, many signed comments and replies, some unsigned ones.

Deterministic from a seed; used by the request-count tests and scripts/benchmark_requests.py.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.text.model.dates import format_date
from bot.text.model.profile import ENGLISH
from tests.scripts import load_script

_WORDS = load_script("benchmark_history")
PROMPT: str = _WORDS.PROMPT
USERS = ("Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace Hopkins", "Heidi", "Ivan",
         "Judy", "Kwame Mensah", "Leila", "Mallory", "Niaj", "Olivia", "Peggy", "Zoë")
IPS = ("192.0.2.44", "198.51.100.17", "203.0.113.9")
OPENERS = ("I think", "In my experience", "Honestly", "From what I have seen", "Personally",
           "As a newer editor", "As a long-time admin", "In our chapter", "For smaller wikis",
           "Speaking for our user group", "Realistically", "After three editathons")
SUBJECTS = ("the mentoring academy", "regional hubs", "the selection committee", "peer trainers",
            "affiliate staff", "the learning days", "online office hours", "the grants team",
            "translated toolkits", "the alumni network", "local meetups", "community liaisons")
VERBS = ("should focus on", "would benefit from", "could easily adopt", "must not ignore",
         "ought to prioritise", "might experiment with", "needs", "could pilot")
OBJECTS = ("clear selection criteria", "childcare during events", "smaller cohorts",
           "follow-up calls after training", "a public feedback loop", "written case studies",
           "local language sessions", "stipends for organisers", "a mentor matching tool",
           "accessible venues", "recorded keynote talks", "low-bandwidth video options",
           "transparent budgets", "time-zone friendly scheduling", "multilingual summaries")
BACKGROUND = (
    "One of the big challenges right now with Learning Days is that it has limitations for "
    "participation at key in-person events; often we have many more potential attendees than we "
    "have been able to support, so we must still be selective.",
    "As a cost saving, official Learning Days coincide with existing events, and for that reason "
    "often reach already established leaders and mentors within communities.",
    "The peer mentoring events will not replace the Learning Days format at future events. "
    "However, we want to make these in-person trainings just one part of the strategy.",
    "During our consultations we discovered consistent interest in growing the following skills "
    "in our community, from delegation to burnout prevention strategies.",
    "We will publish a summary of the answers after the consultation closes; translations of "
    "these questions are welcome on the subpages.",
)
QUESTIONS = _WORDS.QUESTIONS[:10]


def consultation(seed: int, size: int = 27_000) -> str:
    """A consultation page of about `size` bytes (UTF-8), the same for the same seed."""
    rng = random.Random(seed)
    clock = datetime(2016, 9, 20, 8, 0, tzinfo=UTC) + timedelta(days=seed % 50)
    questions = list(QUESTIONS)
    rng.shuffle(questions)
    lines = ["{{Consultation header}}",
             "This consultation asks how we should support peer mentoring and leadership "
             "development. Please answer under each question and sign your comments with four "
             "tildes.", ""]
    sections: list[list[str]] = []
    for number, question in enumerate(questions[:8]):
        if number % 4 == 0:
            lines += [f"== Part {number // 4 + 1}: {rng.choice(SUBJECTS).capitalize()} ==",
                      rng.choice(BACKGROUND), ""]
        section = [f"=== {question} ===", *rng.sample(BACKGROUND, 2), PROMPT]
        sections.append(section)
        lines += ["<<section>>"]
    while sum(len(x.encode()) + 1 for x in lines + [y for s in sections for y in s]) < size:
        section = rng.choice(sections)
        clock += timedelta(minutes=rng.randint(5, 300))
        section.append(_comment(rng, clock))
    body: list[str] = []
    filled = iter(sections)
    for line in lines:
        body += [*next(filled), ""] if line == "<<section>>" else [line]
    return "\n".join(body).rstrip() + "\n"


def _comment(rng: random.Random, when: datetime) -> str:
    text = (f"{rng.choice(OPENERS)}, {rng.choice(SUBJECTS)} {rng.choice(VERBS)} "
            f"{rng.choice(OBJECTS)}.")
    prefix = ":*:" if rng.random() < 0.25 else ":*"
    roll = rng.random()
    if roll < 0.08:
        return f"{prefix} {text}"  # unsigned
    if roll < 0.12:
        return f":*{text} (Don't forget to add your signature)"  # a filled-in prompt
    date = format_date(when, ENGLISH)
    if roll < 0.22:
        ip = rng.choice(IPS)
        return f"{prefix} {text} [[Special:Contributions/{ip}|{ip}]] {date}"
    user = rng.choice(USERS)
    if roll < 0.35:
        return f'{prefix} {text} [[User:{user}|<span style="color:#063">{user}</span>]] {date}'
    return f"{prefix} {text} [[User:{user}|{user}]] ([[User talk:{user}|talk]]) {date}"
