"""Benchmark attribution on a real wiki: a consultation page with thousands of imported revisions.

Usage: .venv/bin/python scripts/benchmark_history.py [--revisions N] [--comments K] [--seed S]
       [--keep DIR] [--json FILE]   (prints figures; needs `scripts/devwiki install` done once)
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import PageOptions
from bot.text.model.analysis import UNSIGNED, analyze
from bot.text.model.dates import format_date
from bot.text.model.profile import ENGLISH, normalize_title
from tests.devwiki import (
    MEDIAWIKI_DIR,
    DevWiki,
    devwiki_available,
    start_devwiki,
    work_folder,
)

TITLE = "Benchmark consultation"
PROMPT = ":*(Add your comment here) (Don't forget to add your signature)"
RESIDUE = "(Don't forget to add your signature)"
ORGANIZERS = ("Mira (WMF)", "Tomás (WMF)")
# Accounts that already exist on the dev wiki; every other name is created before the import.
EXISTING = ("Admin", "Alice", "Bob", "Carol", "Dave")
PARTICIPANTS = (
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace Hopkins", "Heidi", "Ivan", "Judy",
    "Kwame Mensah", "Leila", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent",
    "Uma", "Victor", "Wendy", "Xavier", "Yusuf", "Zoë", "Ana María", "Björn", "Chidi", "Dilnoza",
    "Emeka", "Fatima", "Gökhan", "Hana", "Ines", "Jun", "Kalani", "Lars", "Maja", "Nour",
    "Oskar", "Priya", "Quentin", "Rosa", "Sanjay", "Tuğba", "Udo", "Valentina", "Wiremu",
)
PARTICIPANT_IPS = (
    *(f"198.51.100.{n}" for n in (3, 17, 23, 42, 58, 77, 91, 104, 150, 201)),
    "192.0.2.44", "192.0.2.180", "203.0.113.9", "203.0.113.77", "203.0.113.200",
)
VANDALS = ("203.0.113.66", "203.0.113.99", "192.0.2.13", "Spamalot2024", "Lulzbot9")

OPENERS = (
    "I think", "In my experience", "Honestly", "From what I have seen", "Speaking for our group",
    "As a newer editor", "As a long-time admin", "Personally", "In our chapter", "Frankly",
    "On balance", "For smaller wikis", "Looking at last year", "From the mentoring side",
    "Seen from my region", "After three editathons", "As a trainer", "Realistically",
    "With limited budgets", "Judging by the survey", "For volunteers with jobs", "In practice",
)
SUBJECTS = (
    "the mentoring academy", "regional hubs", "the selection committee", "peer trainers",
    "affiliate staff", "the learning days", "online office hours", "the grants team",
    "a shared calendar", "translated toolkits", "the alumni network", "local meetups",
    "the foundation", "experienced stewards", "community liaisons", "small user groups",
    "video tutorials", "the onboarding wiki page", "evaluation reports", "travel scholarships",
    "newcomer buddies", "the leadership track", "project coordinators", "the support desk",
    "regional conferences", "the training modules", "women in red editathons", "campus clubs",
    "the outreach dashboard", "mailing lists", "program officers", "the steering group",
    "language committees", "the help forum", "quarterly webinars", "independent reviewers",
)
VERBS = (
    "should focus on", "would benefit from", "could easily adopt", "must not ignore",
    "ought to prioritise", "has repeatedly neglected", "might experiment with", "needs",
    "could coordinate", "should publish", "would gladly support", "may want to measure",
    "keeps underestimating", "should fund", "could share", "ought to document",
    "should stop duplicating", "would welcome", "needs to simplify", "could pilot",
    "should rotate", "might outsource", "should translate", "could mentor",
)
OBJECTS = (
    "clear selection criteria", "childcare during events", "follow-up calls after training",
    "smaller cohorts", "a public feedback loop", "written case studies", "local language sessions",
    "open office hours", "shadowing opportunities", "stipends for organisers",
    "an annual skills survey", "asynchronous courses", "a mentor matching tool",
    "honest failure reports", "accessible venues", "recorded keynote talks",
    "micro-grants for trainers", "cross-wiki exchanges", "conflict resolution training",
    "burnout prevention checklists", "offline study material", "a code of conduct refresher",
    "regular retrospectives", "certificates for participants", "pairing new and old admins",
    "low-bandwidth video options", "a rotating facilitator role", "multilingual summaries",
    "quarterly progress notes", "transparent budgets", "time-zone friendly scheduling",
)
TAILS = (
    "", "", "", " before the next funding cycle", " in every region", " from day one",
    " without extra bureaucracy", " at least twice a year", " for newcomers first",
    " as soon as possible", " within existing budgets", " beyond the usual suspects",
    " even for tiny communities", " during the pilot year", " with volunteer input",
)
JUNK = (
    "THIS CONSULTATION IS RIGGED", "lol who reads this", "buy cheap watches online",
    "asdfghjkl", "nothing to see here", "wikipedia sucks lololol",
)
BACKGROUND = (
    "We will publish a summary of the answers after the consultation closes.",
    "Please keep answers short; longer essays can go on the talk page.",
    "Translations of these questions are welcome on the subpages.",
    "Some of the ideas below came from last year's regional meetings.",
    "The budget for the programme has not been decided yet.",
    "We are especially interested in experiences from small communities.",
    "Examples from other movements are welcome as well.",
    "Answers in any language are fine; we will translate them.",
    "The pilot phase would start with three regions.",
    "Please read the background paper before answering if you can.",
)
QUESTIONS = (
    "How can we design for an inclusive selection process?",
    "Which ideas seem the best method for identifying trainees?",
    "How should participants share what they learned back home?",
    "What kinds of events, tools or resources would help affiliates?",
    "How might experienced mentors be recognised for their time?",
    "In what ways can less experienced members develop leadership skills?",
    "What should the first pilot year measure?",
    "How do we avoid burning out the same volunteers every year?",
    "What would make online trainings as useful as in-person ones?",
    "How should the programme be evaluated after two years?",
    "What support do organisers need during the events?",
    "Which communities are we currently failing to reach?",
)
MONTHS = ENGLISH.months


# ------------------------------------------------------------------ scenario model ----------
@dataclass(eq=False)
class Entry:
    """One participant line (or a pristine prompt when `record` is None)."""

    prefix: str
    text: str
    clean: str = ""  # the text without the typo it was written with ("" if none)
    signature: str = ""
    residue: str = ""
    record: Record | None = None
    linked: bool = False  # a copyeditor wikilinked a word
    versions: list[str] = field(default_factory=list)  # every text it had, for the report

    def render(self) -> str:
        if self.record is None:
            return PROMPT
        if self.residue:
            return f"{self.prefix}{self.text} {self.residue}"
        line = f"{self.prefix} {self.text}"
        return f"{line} {self.signature}" if self.signature else line


@dataclass(eq=False)
class Record:
    """One participant comment (one or more entries, all by `user`)."""

    number: int
    user: str
    anon: bool
    kind: str  # comment | reply | prompt
    signed: bool
    entries: list[Entry] = field(default_factory=list)
    added: list[int] = field(default_factory=list)  # dump revision index adding each entry


@dataclass
class Section:
    heading: str
    organizer: list[str]
    entries: list[Entry]
    question: bool


@dataclass
class Revision:
    user: str
    anon: bool
    timestamp: datetime
    text: str
    summary: str
    kind: str


@dataclass
class Scenario:
    revisions: list[Revision]
    records: list[Record]
    final_lines: dict[int, Entry]  # 1-based line of the final text -> entry
    counts: dict[str, int]


def _ratio(matcher: difflib.SequenceMatcher[str], other: str) -> float:
    matcher.set_seq1(other)
    return matcher.ratio()


class Generator:
    """Builds the page history revision by revision, deterministic from the seed."""

    def __init__(self, seed: int, revisions: int, comments: int) -> None:
        self.rng = random.Random(seed)
        self.total, self.comment_share = revisions, comments / max(1, revisions - 1)
        self.clock = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
        self.intro = [
            "{{Consultation header}}",
            "This consultation asks how we should support peer mentoring and leadership "
            "development. Please answer under each question and sign with four tildes.",
        ]
        self.sections: list[Section] = []
        self.questions = list(QUESTIONS)
        self.rng.shuffle(self.questions)
        for part in (1, 2):
            self.sections.append(Section(
                f"== Part {part}: {('Designing the academy', 'Beyond the events')[part - 1]} ==",
                [self.rng.choice(BACKGROUND)], [], question=False,
            ))
            for _ in range(3):
                self._add_question()
        self.revisions: list[Revision] = []
        self.records: list[Record] = []
        self.slot_triples: set[tuple[tuple[int, ...], tuple[str, ...]]] = set()
        self.slot_pairs: dict[tuple[tuple[int, ...], tuple[str, ...]], list[str]] = {}
        self.counts: dict[str, int] = {}
        self.last_added: tuple[Entry, Section, int] | None = None  # the newest comment edit
        weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(PARTICIPANTS))]
        self.user_weights = weights

    # -- helpers ---------------------------------------------------------------------------
    def _add_question(self) -> None:
        question = self.questions.pop()
        lines = [self.rng.choice(BACKGROUND) for _ in range(self.rng.randint(1, 2))]
        self.sections.append(Section(f"=== {question} ===", lines, [Entry(":*", "")], True))

    def render(self) -> tuple[str, dict[int, Entry]]:
        lines = list(self.intro)
        where: dict[int, Entry] = {}
        for section in self.sections:
            lines += ["", section.heading, *section.organizer]
            for entry in section.entries:
                lines.append(entry.render())
                where[len(lines)] = entry
        return "\n".join(lines), where

    def sentence(self) -> str:
        """A new sentence unlike every earlier one.

        No two sentences share three of their four slots, and one sharing two slots with an
        earlier sentence must stay below a difflib ratio of 0.7 to it (the bot's threshold for
        "the same line, edited" is 0.8), so every comment is a line of its own.
        """
        rng = self.rng
        while True:
            slots = (rng.choice(OPENERS), rng.choice(SUBJECTS), rng.choice(VERBS),
                     rng.choice(OBJECTS))
            triples = {(c, tuple(slots[k] for k in c)) for c in combinations(range(4), 3)}
            if triples & self.slot_triples:
                continue
            pairs = {(c, tuple(slots[k] for k in c)) for c in combinations(range(4), 2)}
            text = f"{slots[0]}, {slots[1]} {slots[2]} {slots[3]}{rng.choice(TAILS)}."
            norm = text.casefold()
            matcher = difflib.SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(norm)
            near = {other for pair in pairs for other in self.slot_pairs.get(pair, ())}
            if any(_ratio(matcher, other) >= 0.7 for other in near):
                continue
            self.slot_triples |= triples
            for pair in pairs:
                self.slot_pairs.setdefault(pair, []).append(norm)
            return text

    def _typo(self, text: str) -> str:
        words = [i for i, w in enumerate(text.split(" ")) if len(w) >= 6 and w.isalpha()]
        if not words:
            return ""
        parts = text.split(" ")
        i = self.rng.choice(words)
        word = parts[i]
        j = self.rng.randint(1, len(word) - 3)
        parts[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        return " ".join(parts)

    def participant(self) -> tuple[str, bool]:
        if self.rng.random() < 0.15:
            return self.rng.choice(PARTICIPANT_IPS), True
        return self.rng.choices(PARTICIPANTS, self.user_weights)[0], False

    def signature(self, user: str, anon: bool, when: datetime) -> str:
        date = format_date(when, ENGLISH)
        if anon:
            return f"[[Special:Contributions/{user}|{user}]] ([[User talk:{user}|talk]]) {date}"
        return f"[[User:{user}|{user}]] ([[User talk:{user}|talk]]) {date}"

    def tick(self, low: int = 2, high: int = 40) -> datetime:
        self.clock += timedelta(minutes=self.rng.randint(low, high))
        return self.clock

    def save(self, user: str, anon: bool, summary: str, kind: str, *, text: str | None = None,
             when: datetime | None = None) -> None:
        if text is None:
            text, _ = self.render()
        when = when or self.tick()
        self.revisions.append(Revision(user, anon, when, text, summary, kind))
        self.counts[kind] = self.counts.get(kind, 0) + 1

    # -- edits -----------------------------------------------------------------------------
    def comment(self) -> None:
        rng = self.rng
        questions = [s for s in self.sections if s.question]
        section = rng.choice(questions)
        user, anon = self.participant()
        when = self.tick()
        index = len(self.revisions)  # the index this revision will get
        text = self.sentence()
        typo = self._typo(text) if rng.random() < 0.3 else ""
        typo = "" if typo == text else typo
        entry = Entry(":*", typo or text, clean=text if typo else "")
        entry.versions.append(entry.text)
        roll = rng.random()
        parents = [  # signed comments, which replies may go under
            e for e in section.entries if e.record and e.record.signed and e.prefix == ":*"
        ]
        unsigned_single = [
            r for r in self.records
            if r.kind in ("comment", "prompt") and not r.signed and len(r.entries) == 1
        ]
        pristine = [e for e in section.entries if e.record is None]
        if roll < 0.07 and unsigned_single:
            # The author of an unsigned comment adds a second line to it.
            record = rng.choice(unsigned_single)
            entry.prefix, entry.record = ":*:", record
            holder = next(s for s in self.sections if record.entries[0] in s.entries)
            holder.entries.insert(holder.entries.index(record.entries[-1]) + 1, entry)
            record.entries.append(entry)
            record.added.append(index)
            self.last_added = (entry, holder, index)
            self.save(record.user, record.anon, "/* more */ adding to my comment", "continued",
                      when=when)
            return
        if roll < 0.15 and pristine:
            record = Record(len(self.records) + 1, user, anon, "prompt", signed=False)
            entry.prefix, entry.residue, entry.record = ":*", RESIDUE, record
            section.entries[section.entries.index(pristine[0])] = entry
            kind = "prompt fill"
        elif roll < 0.37 and parents:
            signed = rng.random() < 0.5
            record = Record(len(self.records) + 1, user, anon, "reply", signed=signed)
            parent = rng.choice(parents)
            at = section.entries.index(parent) + 1
            while at < len(section.entries) and len(section.entries[at].prefix) > 2:
                at += 1
            entry.prefix, entry.record = ":*:", record
            section.entries.insert(at, entry)
            kind = "signed reply" if signed else "unsigned reply"
        else:
            signed = rng.random() < 0.55
            record = Record(len(self.records) + 1, user, anon, "comment", signed=signed)
            entry.record = record
            section.entries.append(entry)
            kind = "signed comment" if signed else "unsigned comment"
        if record.signed:
            entry.signature = self.signature(user, anon, when)
        record.entries.append(entry)
        record.added.append(index)
        self.records.append(record)
        self.last_added = (entry, section, index)
        self.save(user, anon, f"/* {section.heading.strip('= ')} */ comment", kind, when=when)

    def typo_fix(self) -> bool:
        entries = [e for r in self.records for e in r.entries if e.clean]
        if not entries:
            return False
        entry = self.rng.choice(entries)
        return self._copyedit(entry, entry.clean, "typo", "typo fix")

    def wikilink(self) -> bool:
        entries = [e for r in self.records for e in r.entries if not e.linked]
        if not entries:
            return False
        entry = self.rng.choice(entries)
        words = [w for w in entry.text.rstrip(".").split(" ") if len(w) >= 7 and w.isalpha()]
        if not words:
            return False
        word = self.rng.choice(words)
        entry.linked = True
        if entry.clean:  # a later typo fix keeps the link
            entry.clean = entry.clean.replace(word, f"[[{word}]]", 1)
        return self._copyedit(entry, entry.text.replace(word, f"[[{word}]]", 1), "link",
                              "copyedit")

    def _copyedit(self, entry: Entry, new: str, summary: str, kind: str) -> bool:
        assert entry.record is not None
        editors = [u for u in PARTICIPANTS if u != entry.record.user]
        editor = self.rng.choice(editors)
        entry.text, entry.clean = new, (entry.clean if kind == "copyedit" else "")
        entry.versions.append(new)
        self.save(editor, False, summary, kind)
        return True

    def organizer_edit(self) -> None:
        rng = self.rng
        organizer = rng.choice(ORGANIZERS)
        questions = [s for s in self.sections if s.question]
        no_prompt = [s for s in questions if all(e.record is not None for e in s.entries)]
        roll = rng.random()
        if roll < 0.25 and no_prompt:
            rng.choice(no_prompt).entries.insert(0, Entry(":*", ""))
            summary = "restore the prompt"
        elif roll < 0.32 and self.questions:
            self._add_question()
            summary = "new question"
        elif roll < 0.55:
            day = self.clock + timedelta(days=rng.randint(7, 30))
            self.intro[1:] = [
                self.intro[1].split(" Update:")[0]
                + f" Update: answers are welcome until {day.day} {MONTHS[day.month - 1]}."
            ]
            summary = "deadline"
        else:
            section = rng.choice([s for s in self.sections if s.organizer])
            i = rng.randrange(len(section.organizer))
            if len(section.organizer) < 4 and rng.random() < 0.5:
                section.organizer.insert(i + 1, rng.choice(BACKGROUND))
                summary = "more background"
            else:
                line = section.organizer[i]
                section.organizer[i] = (
                    line[:-1] + " (clarified)." if not line.endswith("(clarified).")
                    else line.replace(" (clarified).", ".")
                )
                summary = "clarify"
        self.save(organizer, False, summary, "organizer")

    def vandalism(self) -> None:
        rng = self.rng
        vandal = rng.choice(VANDALS)
        anon = vandal[0].isdigit()
        before, where = self.render()
        text = before
        edits = 2 if rng.random() < 0.35 else 1
        kind, accident = "vandalism", None
        if self.last_added and self.last_added[2] == len(self.revisions) - 1 and rng.random() < 0.5:
            # The participant who just commented blanks the section in their next edit (an edit
            # gone wrong, their own new comment included); someone else restores it.
            accident = self.last_added[1]
            vandal, anon = self.revisions[-1].user, self.revisions[-1].anon
            edits, kind = 1, "accidental removal"
        for _ in range(edits):
            lines = text.split("\n")
            participant = [n for n in where if n <= len(lines)] if text == before else []
            op = rng.choice(("blank", "chunk", "replace", "deface")) if participant else "replace"
            if op == "blank" or accident:
                section = accident or rng.choice(
                    [s for s in self.sections if s.question and s.entries]
                )
                drop = {n for n, e in where.items() if e in section.entries}
                lines = [line for n, line in enumerate(lines, 1) if n not in drop]
            elif op == "chunk":
                start = rng.choice(participant)
                lines[start - 1 : start - 1 + rng.randint(3, 30)] = []
            elif op == "deface":
                lines[rng.choice(participant) - 1] = ":* " + rng.choice(JUNK)
            else:
                lines = [rng.choice(JUNK)]
            text = "\n".join(lines)
            self.save(vandal, anon, "", kind, text=text, when=self.tick(1, 6))
        reverter = rng.choice([u for u in (*PARTICIPANTS[:12], *ORGANIZERS) if u != vandal])
        self.save(reverter, False, f"Reverted edits by [[Special:Contributions/{vandal}|{vandal}]]"
                  " to last version", "revert", text=before, when=self.tick(1, 10))

    def build(self) -> Scenario:
        self.save(ORGANIZERS[0], False, "new consultation", "organizer (first)",
                  when=self.clock)
        rng = self.rng
        while len(self.revisions) < self.total:
            left = self.total - len(self.revisions)
            roll = rng.random()
            if roll < self.comment_share:
                self.comment()
                continue
            roll = rng.random()
            if roll < 0.05 and left >= 3 and self.records:
                self.vandalism()
            elif not ((roll < 0.4 and self.typo_fix()) or (roll < 0.65 and self.wikilink())):
                self.organizer_edit()
        _, where = self.render()
        return Scenario(self.revisions, self.records, where, self.counts)


# ------------------------------------------------------------------ export and import --------
def base36_sha1(text: str) -> str:
    number = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)  # the dump format's checksum
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out.rjust(31, "0")


def write_dump(path: Path, revisions: list[Revision]) -> None:
    """A MediaWiki XML export (schema 0.11) of one page with all its revisions."""
    ns = "http://www.mediawiki.org/xml/export-0.11/"
    with path.open("w", encoding="utf-8") as out:
        out.write(
            f'<mediawiki xmlns="{ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{ns} http://www.mediawiki.org/xml/export-0.11.xsd" '
            'version="0.11" xml:lang="en">\n'
            "  <siteinfo>\n    <sitename>Benchmark</sitename>\n    <dbname>benchmark</dbname>\n"
            "    <base>http://benchmark.invalid/wiki/Main_Page</base>\n"
            "    <generator>scripts/benchmark_history.py</generator>\n"
            "    <case>first-letter</case>\n    <namespaces>\n"
            '      <namespace key="0" case="first-letter" />\n    </namespaces>\n'
            "  </siteinfo>\n"
            f"  <page>\n    <title>{escape(TITLE)}</title>\n    <ns>0</ns>\n    <id>1</id>\n"
        )
        for number, rev in enumerate(revisions, start=1):
            who = (
                f"<ip>{escape(rev.user)}</ip>" if rev.anon
                else f"<username>{escape(rev.user)}</username><id>{number % 97 + 1}</id>"
            )
            parent = f"      <parentid>{number - 1}</parentid>\n" if number > 1 else ""
            sha1 = base36_sha1(rev.text)
            out.write(
                f"    <revision>\n      <id>{number}</id>\n{parent}"
                f"      <timestamp>{rev.timestamp:%Y-%m-%dT%H:%M:%SZ}</timestamp>\n"
                f"      <contributor>{who}</contributor>\n"
                f"      <comment>{escape(rev.summary)}</comment>\n"
                f"      <origin>{number}</origin>\n"
                "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
                f'      <text bytes="{len(rev.text.encode())}" sha1="{sha1}" '
                f'xml:space="preserve">{escape(rev.text)}</text>\n'
                f"      <sha1>{sha1}</sha1>\n    </revision>\n"
            )
        out.write("  </page>\n</mediawiki>\n")


CREATE_USERS_PHP = """<?php
require_once getenv( 'MW_INSTALL_PATH' ) . '/maintenance/Maintenance.php';

class BenchmarkCreateUsers extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addArg( 'file', 'user names, one a line' );
	}

	public function execute() {
		$names = file( $this->getArg( 0 ), FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES );
		foreach ( $names as $name ) {
			if ( !User::idFromName( $name ) && !User::createNew( $name ) ) {
				$this->fatalError( "cannot create the account $name" );
			}
		}
	}
}

$maintClass = BenchmarkCreateUsers::class;
require_once RUN_MAINTENANCE_IF_MAIN;
"""


def php(devwiki: DevWiki, script: Path, *args: str) -> str:
    mw_dir = Path(os.environ.get("DEVWIKI_MW_DIR", str(MEDIAWIKI_DIR)))
    env = {**os.environ, "DEVWIKI_SERVER": devwiki.url, "MW_INSTALL_PATH": str(mw_dir)}
    if not script.is_absolute():
        script = mw_dir / "maintenance" / script
    proc = subprocess.run(
        [os.environ.get("DEVWIKI_PHP", "php"), str(script), "--conf",
         str(devwiki.dir / "LocalSettings.php"), *args],
        env=env, capture_output=True, text=True, timeout=1800, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{script.name} failed (exit {proc.returncode}):\n"
                           f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc.stdout


def create_accounts(devwiki: DevWiki, work: Path, revisions: list[Revision]) -> int:
    """Local accounts for every registered editor of the dump, so importDump keeps the names."""
    names = sorted({r.user for r in revisions if not r.anon} - set(EXISTING))
    (work / "users.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    (work / "create_users.php").write_text(CREATE_USERS_PHP, encoding="utf-8")
    php(devwiki, work / "create_users.php", str(work / "users.txt"))
    return len(names)


# ------------------------------------------------------------------ measurement -------------
@dataclass
class Measure:
    label: str
    revisions: int
    lines: int
    history: int
    fetches: int
    requests: int
    seconds: float
    fetching: float  # of `seconds`, waiting for revision texts
    cpu: float  # this process's CPU time (the wiki's server is another process)
    fetched: list[int] = field(default_factory=list, repr=False)  # revids, in the order asked


def measured_run(wiki: Any, options: PageOptions, state: Any, label: str) -> tuple[Any, Any,
                                                                                  Measure]:
    from bot.wiki.attribute import attribute_page

    before = wiki.requests.count
    waited = [0.0]
    fetched: list[int] = []
    fetch = wiki.revision_texts

    def timed_fetch(revids: list[int]) -> dict[int, str | None]:
        fetched.extend(revids)
        started = time.perf_counter()
        try:
            return fetch(revids)
        finally:
            waited[0] += time.perf_counter() - started

    wiki.revision_texts = timed_fetch  # this instance only: time spent waiting for texts
    started, cpu = time.perf_counter(), time.process_time()
    try:
        snapshot = wiki.read(TITLE)
        run = attribute_page(wiki, snapshot, options, ENGLISH, state)
    finally:
        del wiki.revision_texts
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return snapshot, run, Measure(label, run.listed, run.lines, run.history_requests,
                                  run.fetches, wiki.requests.count - before, seconds, waited[0],
                                  cpu, fetched)


def one_by_one(wiki: Any, revids: list[int]) -> tuple[int, float]:
    """The peer: the same texts fetched one request each, as attribution did before batching;
    its requests and wall seconds."""
    before, started = wiki.requests.count, time.perf_counter()
    for revid in revids:
        wiki.revision_texts([revid])
    return wiki.requests.count - before, time.perf_counter() - started


def by_line(text: str, run: Any, options: PageOptions) -> dict[int, Any]:
    """The run's authorship (kept by line key) by line number of `text` (the run's snapshot)."""
    from bot.text.plan import authorship_by_line

    return authorship_by_line(run.authorship, run.keys)


def nearby(revisions: list[Revision], entry: Entry, low: int, high: int) -> str:
    """Revisions low..high (1-based): who made them, what they were, whether the line is there."""
    parts = []
    for number in range(max(1, low), min(len(revisions), high) + 1):
        rev = revisions[number - 1]
        here = any(version in rev.text for version in entry.versions)
        parts.append(f"r{number} {rev.user} ({rev.kind}): {'present' if here else 'absent'}")
    return "; ".join(parts)


@dataclass
class Evaluation:
    unsigned: int = 0  # unsigned comments the analysis finds on the page
    attributed: int = 0
    correct: int = 0  # user and revision as in the scenario
    unattributed: int = 0
    mismatches: int = 0  # comments the analysis and the scenario disagree about
    problems: list[str] = field(default_factory=list)


def evaluate(scenario: Scenario, text: str, attributions: dict[int, Any],
             revids: list[int]) -> Evaluation:
    """Compare the attributions of the unsigned comments of `text` with the scenario's truth."""
    revisions = scenario.revisions
    analysis = analyze(text, ENGLISH)
    unsigned = [c for c in analysis.comments if c.status == UNSIGNED]
    expected = {r.number for r in scenario.records if not r.signed}
    result = Evaluation(unsigned=len(unsigned))
    problems = result.problems
    seen: set[int] = set()
    for comment in unsigned:
        entry = scenario.final_lines.get(comment.end_line)
        record = entry.record if entry else None
        if record is None or record.signed or entry is not record.entries[-1]:
            result.mismatches += 1
            problems.append(f"  line {comment.line}-{comment.end_line}: analysis sees an unsigned "
                            f"comment the scenario does not have: {comment.text[:80]!r}")
            continue
        seen.add(record.number)
        index = record.added[-1]
        want = revisions[index]
        got = attributions.get(comment.end_line)
        if got is None:
            result.unattributed += 1
            why = "organizer text" if comment.end_line in attributions else "not attributed"
            problems.append(f"  line {comment.end_line}: {why}; expected {want.user} at r"
                            f"{index + 1} (revid {revids[index]}) [{record.kind}]")
            continue
        result.attributed += 1
        if normalize_title(got.user) == normalize_title(want.user) and got.revid == revids[index]:
            result.correct += 1
            continue
        got_number = revids.index(got.revid) + 1 if got.revid in revids else index + 1
        low, high = sorted((index + 1, got_number))
        problems.append(
            f"  line {comment.end_line} ({record.kind}, {len(record.entries)} line(s)): "
            f"{entry.text[:70]!r}\n"
            f"    expected {want.user} r{index + 1} (revid {revids[index]}, "
            f"{want.timestamp:%Y-%m-%d %H:%M}), got {got.user} r{got_number} (revid {got.revid}, "
            f"{got.timestamp:%Y-%m-%d %H:%M})\n"
            f"    {nearby(revisions, entry, low - 1, min(high + 1, low + 6))}"
        )
    for number in sorted(expected - seen):
        record = scenario.records[number - 1]
        result.mismatches += 1
        problems.append(f"  scenario comment #{number} ({record.kind}, by {record.user}) is not an "
                        f"unsigned comment for the analysis: {record.entries[-1].text[:60]!r}")
    return result


# ------------------------------------------------------------------ main --------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--revisions", type=int, default=2000, metavar="N")
    parser.add_argument("--comments", type=int, default=None, metavar="K",
                        help="about K comment edits (default: 30%% of the revisions)")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the wiki, the dump and the ground truth in DIR (new or empty)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    if args.revisions < 10:
        parser.error("--revisions must be at least 10")
    comments = args.comments if args.comments is not None else args.revisions * 3 // 10

    available, reason = devwiki_available()
    if not available:
        print(f"benchmark_history: error: the local wiki cannot start: {reason}", file=sys.stderr)
        return 2
    if args.keep:
        kept = Path(args.keep).resolve()
        if kept.exists() and any(kept.iterdir()):
            print(f"benchmark_history: error: {kept} is not empty", file=sys.stderr)
            return 2
    with work_folder(args.keep, "benchmark-history-") as work:
        return benchmark(work, args.revisions, comments, args.seed, args.json)


def benchmark(work: Path, total: int, comments: int, seed: int, json_path: str | None) -> int:
    started = time.perf_counter()
    scenario = Generator(seed, total, comments).build()
    generated = time.perf_counter() - started
    dump = work / "dump.xml"
    write_dump(dump, scenario.revisions)
    truth = {}
    for line in truth_lines(scenario):
        record = scenario.final_lines[line].record
        assert record is not None
        added = scenario.revisions[record.added[-1]]
        truth[str(line)] = {"user": added.user, "revision": record.added[-1] + 1,
                            "timestamp": added.timestamp.isoformat()}
    (work / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    try:
        devwiki = start_devwiki(work / "wiki")
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()]
        detail = (errors or lines or [type(exc).__name__])[-1]
        print(f"benchmark_history: error: the local wiki cannot start: {detail}", file=sys.stderr)
        return 2
    try:
        return measure(devwiki, work, scenario, dump, generated=generated, seed=seed,
                       json_path=json_path)
    finally:
        devwiki.stop()


def measure(devwiki: DevWiki, work: Path, scenario: Scenario, dump: Path, *, generated: float,
            seed: int, json_path: str | None = None) -> int:
    revisions = scenario.revisions
    try:
        started = time.perf_counter()
        accounts = create_accounts(devwiki, work, revisions)
        accounts_s = time.perf_counter() - started
        started = time.perf_counter()
        php(devwiki, Path("importDump.php"), str(dump))
        import_s = time.perf_counter() - started
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"benchmark_history: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2

    os.environ.update(devwiki.env())  # before pywikibot is imported (it reads PYWIKIBOT_DIR)
    from bot.state import PageState
    from bot.wiki.main import connect
    from bot.wiki.site import RequestCounter, Wiki

    site = connect()
    listing = Wiki(site).history(TITLE)
    by_time = {r.timestamp: r.revid for r in listing}
    revids = [by_time.get(rev.timestamp, -1) for rev in revisions]
    imported_ok = len(listing) == len(revisions) and all(
        r.timestamp == rev.timestamp and normalize_title(r.user) == normalize_title(rev.user)
        for r, rev in zip(listing, revisions, strict=False)
    )
    options = PageOptions(title=TITLE, tag_unsigned=True, grace_minutes=0)

    with RequestCounter().counting() as counter:
        wiki = Wiki(site, counter)
        snapshot, run1, m1 = measured_run(wiki, options, PageState(TITLE), "1 empty state")
        same_text = snapshot.text == revisions[-1].text
        found = evaluate(scenario, snapshot.text, by_line(snapshot.text, run1, options), revids)
        state = run1.state.updated(snapshot.revid, run1.state.attributions)
        _, run2, m2 = measured_run(wiki, options, state, "2 no new revision")
        changed2 = run2.authorship != run1.authorship

        # A new revision by Alice with one new unsigned comment, through the API.
        lines = snapshot.text.split("\n")
        last_question = max(n for n, line in enumerate(lines) if line.startswith("=== "))
        at = next((n for n in range(last_question + 1, len(lines)) if not lines[n].strip()),
                  len(lines))
        new_line = ":* A brand new remark added by Alice after the import, without a signature."
        lines.insert(at, new_line)
        edit = devwiki.client("Alice").edit(TITLE, "\n".join(lines), summary="one more comment")
        snapshot3, run3, m3 = measured_run(wiki, options, run2.state, "3 one new comment")
        new_number = snapshot3.text.split("\n").index(new_line) + 1
        alice = by_line(snapshot3.text, run3, options).get(new_number)
        peer_requests, peer_wall = one_by_one(wiki, m1.fetched)

    n = len(listing)
    target = math.ceil(math.log2(n)) + 2
    per_comment = m1.fetches / found.attributed if found.attributed else float("inf")
    counts = scenario.counts
    unsigned_made = sum(1 for r in scenario.records if not r.signed)
    print(f"scenario: seed {seed}, {len(revisions)} revisions of [[{TITLE}]]: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"          {len(scenario.records)} comments ({unsigned_made} unsigned), final page "
          f"{len(revisions[-1].text.encode()) / 1000:.0f} kB, dump "
          f"{dump.stat().st_size / 1e6:.1f} MB")
    print(f"setup:    generate {generated:.1f} s, {accounts} local accounts created first (so "
          f"importDump keeps the names, no imported>) {accounts_s:.1f} s, importDump "
          f"{import_s:.1f} s")
    print(f"          imported {n} revisions, users and timestamps "
          f"{'kept' if imported_ok else 'NOT kept'}; current text "
          f"{'matches' if same_text else 'DIFFERS from'} the dump")
    print()
    print(f"{'run':<22}{'listed':>10}{'lines':>7}{'history req':>13}{'fetches':>9}"
          f"{'API req':>9}{'wall s':>9}{'fetching s':>12}{'CPU s':>8}")
    for m in (m1, m2, m3):
        print(f"{m.label:<22}{m.revisions:>10}{m.lines:>7}{m.history:>13}{m.fetches:>9}"
              f"{m.requests:>9}{m.seconds:>9.2f}{m.fetching:>12.2f}{m.cpu:>8.2f}")
    print(f"{'peer: run 1 texts 1/req':<22}{'':>10}{'':>7}{'':>13}{len(m1.fetched):>9}"
          f"{peer_requests:>9}{peer_wall:>9.2f}{peer_wall:>12.2f}")
    print()
    print(f"unsigned comments on the page: {found.unsigned} (scenario: "
          f"{len(truth_lines(scenario))}, analysis mismatches: {found.mismatches})")
    print(f"attributed: {found.attributed}, correct (user and revision): {found.correct}, "
          f"wrong: {found.attributed - found.correct}, unattributed: {found.unattributed}")
    print(f"fetches per attributed comment: {m1.fetches} / {found.attributed} = "
          f"{per_comment:.2f}; "
          f"target <= ceil(log2 {n}) + 2 = {target}: "
          f"{'target met' if per_comment <= target else 'target MISSED'}")
    ok2 = m2.history == 0 and m2.fetches == 0 and not changed2
    print(f"run 2 (no new revision): {m2.history} history requests, {m2.fetches} fetches, "
          f"attributions {'unchanged' if not changed2 else 'CHANGED'}: "
          f"{'target met' if ok2 else 'target MISSED'}")
    ok3 = alice is not None and alice.user == "Alice" and alice.revid == edit.get("newrevid")
    who = f"{alice.user} (revid {alice.revid})" if alice else "nobody"
    print(f"run 3 (one new comment, revid {edit.get('newrevid')}): {m3.fetches} fetches, "
          f"{m3.history} history requests; new comment attributed to {who}: "
          f"{'target met' if ok3 else 'target MISSED'}")
    correct_all = found.correct == found.attributed == found.unsigned and not found.mismatches
    print(f"attribution accuracy: {'target met' if correct_all else 'target MISSED'}")
    ratio = m1.seconds / peer_wall if peer_wall else float("inf")
    print(f"run 1: {m1.requests} API requests (target <= 60), wall {m1.seconds:.1f} s = "
          f"{ratio:.2f} x the peer's fetching alone (target <= 0.2): "
          f"{'target met' if m1.requests <= 60 and ratio <= 0.2 else 'target MISSED'}")
    if json_path:
        Path(json_path).write_text(json.dumps({
            "runs": [{k: v for k, v in vars(m).items() if k != "fetched"} for m in (m1, m2, m3)],
            "peer": {"requests": peer_requests, "wall": peer_wall, "texts": len(m1.fetched)},
            "unsigned": found.unsigned, "attributed": found.attributed,
            "correct": found.correct, "mismatches": found.mismatches,
            "run2_ok": ok2, "run3_ok": ok3,
        }, indent=1))
    if found.problems:
        print("\nincorrect or missing attributions (rN = N-th revision of the dump):")
        for line in found.problems:
            print(line)
    return 0


def truth_lines(scenario: Scenario) -> list[int]:
    return [
        line for line, e in scenario.final_lines.items()
        if e.record is not None and not e.record.signed and e is e.record.entries[-1]
    ]


if __name__ == "__main__":
    sys.exit(main())
