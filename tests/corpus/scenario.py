"""A consultation's history as a scenario: who edits what, when, and the truth about each comment.

The Generator is deterministic (seeded): it keeps a mirror of the page, with signatures still
`~~~~`, and writes the shapes of issue 11 (multi-paragraph comments, continuations after a reply,
mentions, unsigned lines edited by others, filled prompts, IP editors, ...) among noise edits
(typo fixes, moved sections, vandalism undone). MediaWiki writes every signature when the
scenario is played on a wiki (tests/corpus/driver.py).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.text.model.profile import ENGLISH_MONTHS as MONTHS
from tests.corpus.ops import (
    AddQuestion,
    AddToQuestion,
    Edit,
    EditError,
    EditLine,
    FillPrompt,
    InsertAfterLine,
    InsertAfterToken,
    MoveQuestion,
    Opening,
    RemoveTokens,
    part_heading,
    question_heading,
)
from tests.corpus.text import (
    ADD_HERE,
    CUSTOM_SIGNATURES,
    INTRO,
    LATE_QUESTIONS,
    MENTION_FORMS,
    ORGANIZERS,
    PART_INTROS,
    PARTICIPANT_IPS,
    PARTICIPANTS,
    PARTS,
    PROMPT,
    QUESTIONS,
    RESIDUE,
    VANDALS,
    Words,
    similarity,
    tokens_in,
)
from tests.corpus.truth import BARE, SIGNED, UNDATED, UNSIGNED

SIGNATURES = {SIGNED: " ~~~~", UNDATED: " ~~~", BARE: " ~~~~~", UNSIGNED: ""}
# List markers of a comment's first and following paragraphs (issue 11).
MARKER_PAIRS = ((":*", "::"), ("*", ":"), (":*", ":*:"))
FOLLOW_UP_MINUTES = 60  # an author's signature in a later edit this soon still signs the comment
ADMIN = "Admin"
START = datetime(2016, 1, 11, 9, 0, tzinfo=UTC)
END = datetime(2019, 11, 28, 18, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Actor:
    """Who saves an edit: an account (maybe with a custom signature) or an IP editor."""

    name: str
    anon: bool = False
    organizer: bool = False
    signature: str = ""  # custom signature wikitext (fancysig); "" for MediaWiki's default
    signature_kind: str = "default"


@dataclass(frozen=True)
class Undo:
    """MediaWiki's undo (action=edit&undo=) of the edit of an earlier step."""

    step: int


@dataclass(frozen=True)
class Step:
    when: datetime  # the wiki's clock for this save (UTC)
    actor: Actor
    edit: Edit | Undo
    summary: str
    kind: str


@dataclass
class Paragraph:
    token: int  # "proposal N" in its text
    step: int  # the step whose edit added it
    marker: str  # its list prefix ("" for a plain paragraph)


@dataclass
class CommentTruth:
    """One comment as its author wrote it, and what the bot must do with it."""

    id: int
    shape: str
    author: Actor
    status: str  # signed | undated | bare timestamp | unsigned
    paragraphs: list[Paragraph] = field(default_factory=list)  # in page order
    signed_step: int | None = None  # the edit that wrote the author's signature or timestamp
    # Offline (no history) the page cannot tell: another editor's line sits between paragraphs.
    ambiguous_offline: bool = False

    @property
    def tokens(self) -> list[int]:
        return [p.token for p in self.paragraphs]

    @property
    def needs_tag(self) -> bool:
        return self.status in (UNSIGNED, BARE) and not self.author.organizer

    @property
    def tag_step(self) -> int:
        """The edit whose user and minute an unsigned tag must name: the one that added it."""
        return self.paragraphs[0].step


@dataclass
class Question:
    title: str
    part: str
    background: list[str]  # the organizers' lines, as they are now

    @property
    def last_line(self) -> str:
        return next(line for line in reversed(self.background) if line.strip())


@dataclass
class Scenario:
    seed: int
    steps: list[Step]
    comments: list[CommentTruth]
    actors: list[Actor]  # every account and IP that edits
    text: str  # the mirror's final text (signatures unexpanded)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[step.kind] = counts.get(step.kind, 0) + 1
        return counts


def participants(count: int) -> list[Actor]:
    """`count` participants: the custom signatures first, then the dev wiki's own users."""
    names = list(CUSTOM_SIGNATURES)
    names[1:1] = ["Alice", "Bob"]
    names[6:6] = ["Carol", "Dave"]
    names += [n for n in PARTICIPANTS if n not in names]
    actors = []
    for name in names[:count]:
        kind, signature = CUSTOM_SIGNATURES.get(name, ("default", ""))
        actors.append(Actor(name, signature=signature, signature_kind=kind))
    return actors


class Generator:
    """Writes a scenario step by step, deterministic from its seed."""

    def __init__(
        self, seed: int, *, revisions: int, comments: int, participants_count: int = 30,
        ips: int = 6, questions: int = 12, parts: int = 3, start: datetime = START,
        end: datetime = END,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.words = Words(seed)
        self.target_steps, self.target_comments = revisions, comments
        self.now, self.end = start, end
        self.text = ""
        self.previous = ""  # the mirror before the latest step (what an undo restores)
        self.steps: list[Step] = []
        self.comments: list[CommentTruth] = []
        self.people = participants(participants_count)
        self.ips = [Actor(ip, anon=True) for ip in PARTICIPANT_IPS[:ips]]
        self.organizers = [Actor(name, organizer=True) for name in ORGANIZERS]
        self.admin = Actor(ADMIN, organizer=True)
        self.vandals = [Actor(VANDALS[0], anon=True), Actor(VANDALS[3])]
        weights = [1.0 / (rank + 1) ** 0.6 for rank in range(len(self.people))]
        self.weights = weights
        self.busy: dict[str, datetime] = {}
        self.deferred: list[tuple[datetime, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self.typos: list[tuple[int, str, str]] = []  # (token, wrong context, right context)
        self.frozen: set[int] = set()  # tokens no copyeditor touches (a mid-line rewrite's)
        self.linked: set[int] = set()
        self.interruptible: list[CommentTruth] = []  # signed comments of several paragraphs
        self.background_typos: dict[str, tuple[str, str]] = {}  # question -> (wrong, right)
        self.additions: dict[str, int] = {}  # question -> background added by the organizers
        self.amended: set[int] = set()
        self.part_titles = list(PARTS[:parts])
        self.questions: list[Question] = []
        self.spare_titles = [t for t in (*QUESTIONS, *LATE_QUESTIONS)]
        self.rng.shuffle(self.spare_titles)
        self.question_count = questions

    # -- time and people ---------------------------------------------------------------------
    def tick(self, minutes: float | None = None) -> datetime:
        """Move the clock on: `minutes`, or a gap that spreads the steps left over the years."""
        if minutes is None:
            left = max(1, self.target_steps - len(self.steps))
            mean = max(3.0, (self.end - self.now).total_seconds() / 60 / left)
            if mean < 60 or self.rng.random() < 0.55:
                minutes = self.rng.randint(2, 40)
            else:
                minutes = max(45.0, self.rng.expovariate(1 / max(60.0, (mean - 11.5) / 0.45)))
        self.now += timedelta(minutes=max(1, round(minutes)))
        return self.now

    def when(self) -> datetime:
        return self.now.replace(second=self.rng.randint(0, 59))

    def free(self, actor: Actor) -> bool:
        return self.busy.get(actor.name, self.now) <= self.now

    def person(self, *, ip: float = 0.0, exclude: tuple[str, ...] = ()) -> Actor:
        """A participant free to edit now (an IP editor with probability `ip`)."""
        if ip and self.rng.random() < ip:
            choices = [a for a in self.ips if self.free(a) and a.name not in exclude]
            if choices:
                return self.rng.choice(choices)
        while True:
            pairs = [
                (a, w) for a, w in zip(self.people, self.weights, strict=True)
                if self.free(a) and a.name not in exclude
            ]
            if pairs:
                return self.rng.choices([a for a, _ in pairs], [w for _, w in pairs])[0]
            self.tick(FOLLOW_UP_MINUTES)  # everyone is away: a quiet hour

    def save(self, actor: Actor, edit: Edit | Undo, summary: str, kind: str) -> int:
        """Apply an edit to the mirror at the current time; returns the step's index."""
        if isinstance(edit, Undo):
            if edit.step != len(self.steps) - 1:
                raise EditError("only the latest edit is undone")
            new = self.previous
        else:
            new = edit.apply(self.text)
        if new == self.text:
            raise EditError(f"{kind}: the edit changes nothing")
        self.steps.append(Step(self.when(), actor, edit, summary, kind))
        self.previous, self.text = self.text, new
        return len(self.steps) - 1

    def later(self, days: tuple[float, float], action: Callable[[], None]) -> None:
        due = self.now + timedelta(days=self.rng.uniform(*days))
        heapq.heappush(self.deferred, (due, next(self._order), action))

    def run_due(self, everything: bool = False) -> bool:
        if self.deferred and (everything or self.deferred[0][0] <= self.now):
            due, _, action = heapq.heappop(self.deferred)
            self.now = max(self.now, due)
            action()
            return True
        return False

    # -- the page ------------------------------------------------------------------------------
    def open(self) -> None:
        """The organizers' first revision: parts, questions with background, prompts."""
        lines = ["{{Consultation header}}", INTRO]
        per_part = max(1, self.question_count // len(self.part_titles))
        for p, part in enumerate(self.part_titles):
            lines += ["", part_heading(part), PART_INTROS[p % len(PART_INTROS)]]
            count = per_part if p < len(self.part_titles) - 1 else self.question_count - len(
                self.questions
            )
            for _ in range(count):
                question = self.new_question(part)
                lines += ["", question_heading(question.title), *question.background, PROMPT]
        self.save(self.organizers[0], Opening("\n".join(lines)), "Opening the consultation",
                  "opening")

    def new_question(self, part: str) -> Question:
        title = self.spare_titles.pop()
        background = self.words.background(len(self.questions) + 1)
        question = Question(title, part, background)
        if self.rng.random() < 0.5:  # a typo the organizers fix later
            misspelt = self.words.typo(background[0])
            if misspelt is not None:
                background[0], wrong, right = misspelt
                self.background_typos[title] = _context(background[0], wrong, right)
        self.questions.append(question)
        return question

    def question(self) -> Question:
        return self.rng.choice(self.questions)

    def comment(self, shape: str, author: Actor, status: str) -> CommentTruth:
        truth = CommentTruth(len(self.comments) + 1, shape, author, status)
        self.comments.append(truth)
        return truth

    def paragraph(self, truth: CommentTruth, marker: str, sentences: int = 2,
                  lead: str = "") -> tuple[str, Paragraph]:
        token = self.words.token()
        text = self.words.paragraph(token, sentences)
        if lead:
            assert len(text) > 120, text  # what a reader sees between a mention and the end
            text = lead + text[0].lower() + text[1:]
        if not truth.author.organizer and token not in self.frozen and self.rng.random() < 0.3:
            misspelt = self.words.typo(text)
            if misspelt is not None:
                text, wrong, right = misspelt
                self.typos.append((token, *_context(text, wrong, right)))
        paragraph = Paragraph(token, len(self.steps), marker)
        truth.paragraphs.append(paragraph)
        line = f"{marker} {text}" if marker else text
        return line, paragraph

    def finish_comment(self, truth: CommentTruth, step: int) -> None:
        if truth.status != UNSIGNED:
            truth.signed_step = step
        if truth.status in (UNSIGNED, BARE):
            # The author stays away long enough that no signature of theirs can count for it.
            self.busy[truth.author.name] = self.now + timedelta(minutes=FOLLOW_UP_MINUTES + 1)

    def parents(self, question: Question) -> list[CommentTruth]:
        """Comments of the question that a reply can go under (list items, not too deep)."""
        lines = self.text.split("\n")
        start = lines.index(question_heading(question.title))
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("=")),
                   len(lines))
        here = set(tokens_in("\n".join(lines[start:end])))
        return [
            c for c in self.comments
            if c.paragraphs and c.paragraphs[0].marker and c.tokens[-1] in here
            and len(c.paragraphs[0].marker) < 4
        ]

    # -- comment shapes ----------------------------------------------------------------------
    def simple(self, shape: str, status: str, *, ip: float = 0.12, marker: str | None = None,
               lead: str = "", author: Actor | None = None, question: Question | None = None,
               sentences: int = 2, minutes: float | None = None) -> CommentTruth:
        """One paragraph, signed as `status` says, at the end of a question's discussion."""
        self.tick(minutes)
        author = author or self.person(ip=ip)
        question = question or self.question()
        truth = self.comment(shape, author, status)
        marker = marker or self.rng.choice((":*", ":*", ":*", "*"))
        line, _ = self.paragraph(truth, marker, sentences, lead)
        step = self.save(author, AddToQuestion(question.title, (line + SIGNATURES[status],)),
                         f"/* {question.title} */ comment", shape)
        self.finish_comment(truth, step)
        return truth

    def reply(self, shape: str, status: str, *, ip: float = 0.12, lead: str = "",
              author: Actor | None = None, parent: CommentTruth | None = None,
              question: Question | None = None, minutes: float | None = None) -> CommentTruth:
        """A reply under a comment of the question (after the replies already there)."""
        question = question or self.question()
        if parent is None:
            choices = self.parents(question)
            if author is not None:
                choices = [c for c in choices if c.author.name != author.name]
            if not choices:
                return self.simple(shape, status, ip=ip, lead=lead, author=author,
                                   question=question, minutes=minutes)
            parent = self.rng.choice(choices)
        self.tick(minutes)
        author = author or self.person(ip=ip, exclude=(parent.author.name,))
        truth = self.comment(shape, author, status)
        marker = parent.paragraphs[0].marker + ":"
        # A mention stays more than 100 visible characters (DiscussionTools' signature scan)
        # before the end of the comment: two sentences.
        sentences = 2 if lead else 1 + self.rng.randint(0, 1)
        line, _ = self.paragraph(truth, marker, sentences, lead)
        step = self.save(author, InsertAfterToken(parent.tokens[-1], (line + SIGNATURES[status],)),
                         f"/* {question.title} */ reply", shape)
        self.finish_comment(truth, step)
        return truth

    def paragraphs(self, shape: str, status: str, markers: tuple[str, str] | None = None,
                   count: int | None = None) -> CommentTruth:
        """One comment of several paragraphs saved in one edit, signed (if) on the last only."""
        self.tick()
        author = self.person(ip=0.08)
        question = self.question()
        first, more = markers or self.rng.choice(MARKER_PAIRS)
        truth = self.comment(shape, author, status)
        count = count or self.rng.choice((2, 2, 2, 3))
        lines = [self.paragraph(truth, first if i == 0 else more)[0] for i in range(count)]
        lines[-1] += SIGNATURES[status]
        step = self.save(author, AddToQuestion(question.title, tuple(lines)),
                         f"/* {question.title} */ comment", shape)
        self.finish_comment(truth, step)
        if status == SIGNED:
            self.interruptible.append(truth)
        return truth

    def continuation(self) -> None:
        """A first paragraph; someone else replies to it; within 5-40 minutes its author adds a
        signed second paragraph below that reply."""
        self.tick()
        author = self.person(ip=0.05)
        question = self.question()
        first, more = self.rng.choice(MARKER_PAIRS)
        truth = self.comment("continuation after a reply", author, SIGNED)
        truth.ambiguous_offline = True
        line, p1 = self.paragraph(truth, first)
        self.save(author, AddToQuestion(question.title, (line,)),
                  f"/* {question.title} */ comment", truth.shape)
        total = self.rng.randint(5, 40)
        reply_after = self.rng.randint(2, total - 2)
        self.reply("reply inside a continuation", SIGNED, ip=0.0, parent=truth,
                   question=question, minutes=reply_after,
                   author=self.person(exclude=(author.name,)))
        self.tick(total - reply_after)
        more = self.rng.choice((first, more))
        line, _ = self.paragraph(truth, more)
        step = self.save(author, InsertAfterToken(p1.token, (line + " ~~~~",)),
                         f"/* {question.title} */ finishing my comment", truth.shape)
        truth.signed_step = step

    def interrupt(self) -> None:
        """Someone replies between two paragraphs of a signed comment saved earlier."""
        choices = [c for c in self.interruptible if not c.ambiguous_offline]
        if not choices:
            self.paragraphs("two paragraphs", SIGNED)
            return
        truth = self.rng.choice(choices)
        truth.ambiguous_offline = True
        self.tick()
        status = SIGNED if self.rng.random() < 0.7 else UNSIGNED
        author = self.person(ip=0.1, exclude=(truth.author.name,))
        reply = self.comment("reply between paragraphs", author, status)
        line, _ = self.paragraph(reply, truth.paragraphs[0].marker + ":", 1)
        step = self.save(
            author,
            InsertAfterToken(truth.tokens[0], (line + SIGNATURES[status],), below_replies=False),
            "reply", reply.shape,
        )
        self.finish_comment(reply, step)

    def signed_later(self) -> None:
        """An unsigned line whose author signs it in a second edit within the hour."""
        self.tick()
        author = self.person(ip=0.1)
        question = self.question()
        truth = self.comment("signed in a second edit", author, SIGNED)
        line, paragraph = self.paragraph(truth, ":*")
        self.save(author, AddToQuestion(question.title, (line,)),
                  f"/* {question.title} */ comment", truth.shape)
        self.tick(self.rng.randint(2, 50))
        truth.signed_step = self.save(author, EditLine("", " ~~~~", token=paragraph.token),
                                      "forgot to sign", truth.shape)

    def mention(self, status: str, form: str | None = None) -> None:
        """A reply that starts with a mention of another user, 100+ characters before its end
        (the forms take turns unless `form` is given)."""
        form = form or MENTION_FORMS[sum(c.shape.startswith("mention") for c in self.comments)
                                     % len(MENTION_FORMS)]
        question = self.question()
        choices = [c for c in self.parents(question) if not c.author.anon
                   and not c.author.organizer]
        parent = self.rng.choice(choices) if choices else None
        name = parent.author.name if parent else self.person().name
        lead = {
            "user link": f"[[User:{name}|{name}]], ",
            "ping": f"{{{{ping|{name}}}}} ",
            "user talk link": f"Replying to [[User talk:{name}]]: ",
        }[form]
        shape = f"mention ({form}), {status}"
        if parent is None:
            self.simple(shape, status, ip=0.1, lead=lead, question=question,
                        author=self.person(ip=0.1, exclude=(name,)))
        else:
            self.reply(shape, status, ip=0.1, lead=lead, parent=parent, question=question)

    def unsigned_then_reply(self) -> None:
        """An unsigned line; months later its author replies below it, signed."""
        question = self.question()
        truth = self.simple("unsigned, own signed reply months later", UNSIGNED, ip=0.0,
                            question=question)

        def reply() -> None:
            self.reply("own signed reply months later", SIGNED, author=truth.author,
                       parent=truth, question=question)

        self.later((60, 150), reply)

    def edited_mid_line(self) -> None:
        """An unsigned line; days later someone else rewrites its middle (similarity < 0.8)."""
        self.tick()
        author = self.person(ip=0.1)
        question = self.question()
        truth = self.comment("unsigned, edited mid-line by another", author, UNSIGNED)
        self.frozen.add(self.words.next_token)
        first = self.words.sentence()
        second = self.words.sentence()
        token = self.words.token()
        text = f"Proposal {token}: {first} {second}"
        truth.paragraphs.append(Paragraph(token, len(self.steps), ":*"))
        step = self.save(author, AddToQuestion(question.title, (f":* {text}",)),
                         f"/* {question.title} */ comment", truth.shape)
        self.finish_comment(truth, step)

        def rewrite() -> None:
            self.tick()
            editor = self.person(exclude=(author.name,))
            clause = self.words.clause()
            new = text.replace(f"{first} ", f"{first} {clause} ")
            assert similarity(f":* {text}", f":* {new}") < 0.8
            self.save(editor, EditLine(f"{first} ", f"{first} {clause} ", token=token),
                      "copyedit", "mid-line rewrite")

        self.later((1, 30), rewrite)

    def under_background(self, status: str) -> None:
        """A plain paragraph right below a question's background, above its prompt."""
        self.tick()
        author = self.person(ip=0.1)
        question = self.question()
        truth = self.comment(f"paragraph under the background, {status}", author, status)
        line, _ = self.paragraph(truth, "")
        blank = ("",) if self.rng.random() < 0.6 else ()
        step = self.save(author, InsertAfterLine(question.title, question.last_line,
                                                 (*blank, line + SIGNATURES[status])),
                         f"/* {question.title} */ my view", truth.shape)
        self.finish_comment(truth, step)

    def fill_prompt(self, status: str) -> None:
        """A participant types into the prompt line (it is restored first if it was used)."""
        question = self.question()
        if not self.has_prompt(question):
            self.restore_prompt(question)
        self.tick()
        author = self.person(ip=0.15)
        truth = self.comment(f"filled prompt, {status}", author, status)
        token = self.words.token()
        text = self.words.paragraph(token, 1)
        truth.paragraphs.append(Paragraph(token, len(self.steps), ":*"))
        sign = SIGNATURES[status]
        way = self.rng.randrange(3 if status == SIGNED else 2)
        if way == 0:
            line = PROMPT.replace(ADD_HERE, text) + sign
        elif way == 1:
            line = f"{PROMPT} {text}{sign}"
        else:
            line = PROMPT.replace(ADD_HERE, text + sign)
        step = self.save(author, FillPrompt(question.title, line),
                         f"/* {question.title} */ comment", truth.shape)
        self.finish_comment(truth, step)
        assert RESIDUE in line

    def has_prompt(self, question: Question) -> bool:
        lines = self.text.split("\n")
        start = lines.index(question_heading(question.title))
        for line in lines[start + 1 :]:
            if line.startswith("="):
                return False
            if line == PROMPT:
                return True
        return False

    def organizer_reply(self) -> None:
        organizer = self.rng.choice(self.organizers)
        self.reply("organizer's reply", SIGNED, ip=0.0, author=organizer)

    # -- noise -----------------------------------------------------------------------------------
    def restore_prompt(self, question: Question) -> None:
        self.tick()
        self.save(self.rng.choice(self.organizers),
                  InsertAfterLine(question.title, question.last_line, (PROMPT,)),
                  f"/* {question.title} */ prompt", "organizer restores the prompt")

    def typo_fix(self) -> bool:
        if not self.typos:
            return False
        token, wrong, right = self.typos.pop(self.rng.randrange(len(self.typos)))
        owner = next(c for c in self.comments if token in c.tokens)
        self.tick()
        editor = self.person(exclude=(owner.author.name,))
        self.save(editor, EditLine(wrong, right, token=token), "typo", "typo fix by another")
        return True

    def wikilink(self) -> bool:
        choices = [
            c for c in self.comments
            if not set(c.tokens) & (self.frozen | self.linked) and not c.author.organizer
        ]
        if not choices:
            return False
        truth = self.rng.choice(choices)
        token = self.rng.choice(truth.tokens)
        line = next(line for line in self.text.split("\n") if token in tokens_in(line))
        words = line.split(" ")
        spots = [
            i for i in range(1, len(words) - 1)
            if len(words[i]) >= 8 and words[i].isalpha() and words[i].lower() != "proposal"
        ]
        spots = [
            i for i in spots
            if line.count(" ".join(words[i - 1 : i + 2])) == 1
            and not any(mark in " ".join(words[i - 1 : i + 2]) for mark in ("~", "[", "{", "|"))
        ]
        if not spots:
            return False
        i = self.rng.choice(spots)
        old = " ".join(words[i - 1 : i + 2])
        new = f"{words[i - 1]} [[{words[i]}]] {words[i + 1]}"
        self.linked.add(token)
        self.typos = [t for t in self.typos if t[0] != token]
        self.tick()
        editor = self.person(exclude=(truth.author.name,))
        self.save(editor, EditLine(old, new, token=token), "link", "wikilink by another")
        return True

    def amend(self) -> bool:
        """An author adds a sentence to their own signed comment, before the signature."""
        choices = [
            c for c in self.comments
            if c.status == SIGNED and not c.author.organizer and self.free(c.author)
            and not c.shape.startswith("filled") and c.tokens[-1] not in self.amended
        ]
        if not choices:
            return False
        truth = self.rng.choice(choices)
        token = truth.tokens[-1]
        line = next(line for line in self.text.split("\n") if token in tokens_in(line))
        words = line.split(" ")
        if "~~~~" not in words[-1] or len(words) < 6:
            return False
        old = " ".join(words[-4:-1])
        if line.count(old) != 1 or any(mark in old for mark in ("~", "[", "{", "|")):
            return False
        self.amended.add(token)
        self.tick()
        if not self.free(truth.author):
            self.now = self.busy[truth.author.name]
        self.save(truth.author, EditLine(old, f"{old} Edit: {self.words.sentence()}", token=token),
                  "adding to my comment", "author amends own comment")
        return True

    def organizer_edit(self) -> None:
        organizer = self.rng.choice(self.organizers)
        question = self.question()
        roll = self.rng.random()
        if self.additions.get(question.title, 0) >= 5 and question.title not in (
            self.background_typos
        ):
            # Enough background: the organizers tidy up instead (or someone amends a comment).
            if not self.has_prompt(question):
                self.restore_prompt(question)
            elif self.rng.random() < 0.03:
                self.move_section()
            else:
                self.amend()
            return
        self.additions[question.title] = self.additions.get(question.title, 0) + 1
        self.tick()
        typo = self.background_typos.pop(question.title, None)
        if typo is not None:
            old = question.background[0]
            self.save(organizer, EditLine(*typo, line=old, question=question.title),
                      f"/* {question.title} */ typo", "organizer fixes a typo")
            question.background[0] = old.replace(*typo)
        elif roll < 0.6:
            old = next(line for line in reversed(question.background) if _prose(line))
            sentence = f" {self.words.sentence()}"
            self.save(organizer, EditLine("", sentence, line=old, question=question.title),
                      f"/* {question.title} */ more background", "organizer adds a sentence")
            index = len(question.background) - 1 - question.background[::-1].index(old)
            question.background[index] = old + sentence
        else:
            new = f"Note from the organizers: {self.words.sentence()}"
            self.save(organizer, InsertAfterLine(question.title, question.last_line, ("", new)),
                      f"/* {question.title} */ note", "organizer adds a paragraph")
            question.background += ["", new]

    def deadline(self) -> None:
        """The organizers move the deadline in the introduction."""
        lines = self.text.split("\n")
        old = lines[1]
        day = self.now + timedelta(days=self.rng.randint(14, 60))
        new = (f"{old.split(' Update:')[0]} Update: answers are welcome until {day.day} "
               f"{MONTHS[day.month - 1]} {day.year}.")
        if new == old:
            return
        self.tick()
        self.save(self.rng.choice(self.organizers), EditLine(old, new, line=old), "deadline",
                  "organizer moves the deadline")

    def add_question(self) -> bool:
        if not self.spare_titles or len(self.questions) >= self.question_count * 4 // 3:
            return False
        part = self.rng.choice(self.part_titles)
        question = self.new_question(part)
        self.tick()
        self.save(self.rng.choice(self.organizers),
                  AddQuestion(part, (question_heading(question.title), *question.background,
                                     PROMPT)),
                  "new question", "organizer adds a question")
        return True

    def move_section(self) -> bool:
        if len(self.questions) < 3:
            return False
        moved, before = self.rng.sample(self.questions, 2)
        lines = self.text.split("\n")
        if lines.index(question_heading(before.title)) == lines.index(
            question_heading(moved.title)
        ) + 1 + _section_length(lines, moved.title):
            return False
        self.tick()
        self.save(self.rng.choice([*self.organizers, *self.people[:3]]),
                  MoveQuestion(moved.title, before.title), "moving a question", "section moved")
        moved.part = before.part
        return True

    def vandalism(self) -> bool:
        choices = [c for c in self.comments if c.paragraphs]
        if not choices:
            return False
        truth = self.rng.choice(choices)
        self.tick()
        vandal = self.rng.choice(self.vandals)
        step = self.save(vandal, RemoveTokens(tuple(truth.tokens)), "", "vandal removal")
        self.tick(self.rng.randint(1, 15))
        fixer = self.rng.choice([self.admin, *self.organizers])
        self.save(fixer, Undo(step), f"Undo revision by [[Special:Contributions/{vandal.name}"
                  f"|{vandal.name}]]", "undo")
        return True

    # -- the whole scenario ----------------------------------------------------------------------
    def shapes(self, minimum: int) -> list[Callable[[], object]]:
        """Each comment shape `minimum` times, then common ones up to the comment target."""
        s = self
        rare: list[Callable[[], object]] = [
            lambda: s.simple("signed", SIGNED),
            lambda: s.simple("unsigned", UNSIGNED),
            lambda: s.reply("signed reply", SIGNED),
            lambda: s.reply("unsigned reply", UNSIGNED),
            lambda: s.paragraphs("two paragraphs", SIGNED, MARKER_PAIRS[0]),
            lambda: s.paragraphs("two paragraphs", SIGNED, MARKER_PAIRS[1]),
            lambda: s.paragraphs("two paragraphs", SIGNED, MARKER_PAIRS[2]),
            lambda: s.paragraphs("unsigned paragraphs", UNSIGNED),
            s.continuation, s.interrupt, s.signed_later,
            lambda: s.mention(SIGNED), lambda: s.mention(UNSIGNED), lambda: s.mention(BARE),
            lambda: s.simple("undated", UNDATED), lambda: s.simple("bare timestamp", BARE),
            s.unsigned_then_reply, s.edited_mid_line,
            lambda: s.under_background(UNSIGNED),
            lambda: s.fill_prompt(SIGNED), lambda: s.fill_prompt(UNSIGNED),
            lambda: s.simple("IP, signed", SIGNED, ip=1.0),
            lambda: s.simple("IP, unsigned", UNSIGNED, ip=1.0),
            s.organizer_reply,
        ]
        plan = [shape for shape in rare for _ in range(minimum)]
        # About 1.1 comments per shape on average: some shapes make two.
        while len(plan) * 1.1 < self.target_comments:
            plan.append(self.common())
        self.rng.shuffle(plan)
        return plan

    def common(self) -> Callable[[], object]:
        """A comment shape drawn by how often it occurs on consultation pages."""
        s = self
        weighted: list[tuple[float, Callable[[], object]]] = [
            (30, lambda: s.simple("signed", SIGNED)),
            (8, lambda: s.simple("unsigned", UNSIGNED)),
            (16, lambda: s.reply("signed reply", SIGNED)),
            (4, lambda: s.reply("unsigned reply", UNSIGNED)),
            (8, lambda: s.paragraphs("two paragraphs", SIGNED)),
            (1, lambda: s.paragraphs("unsigned paragraphs", UNSIGNED)),
            (2, s.continuation), (3, s.interrupt), (2, s.signed_later),
            (2, lambda: s.mention(SIGNED)), (1, lambda: s.mention(UNSIGNED)),
            (1, lambda: s.mention(BARE)), (1, lambda: s.simple("undated", UNDATED)),
            (1, s.unsigned_then_reply), (1, s.edited_mid_line),
            (1, lambda: s.under_background(UNSIGNED)), (0.5, lambda: s.under_background(SIGNED)),
            (2, lambda: s.fill_prompt(SIGNED)), (2, lambda: s.fill_prompt(UNSIGNED)),
            (1, s.organizer_reply),
        ]
        return self.rng.choices([f for _, f in weighted], [w for w, _ in weighted])[0]

    def noise(self) -> None:
        roll = self.rng.random()
        done = (
            (roll < 0.25 and self.typo_fix())
            or (roll < 0.35 and self.wikilink())
            or (roll < 0.45 and self.amend())
            or (0.45 <= roll < 0.52 and self.vandalism())
            or (0.52 <= roll < 0.54 and self.move_section())
            or (0.54 <= roll < 0.555 and self.add_question())
        )
        if done:
            return
        if roll < 0.62:
            self.deadline()
            return
        if roll < 0.75:
            prompts = [q for q in self.questions if not self.has_prompt(q)]
            if prompts and self.rng.random() < 0.5:
                self.restore_prompt(self.rng.choice(prompts))
                return
        self.organizer_edit()

    def build(self, minimum_per_shape: int = 2) -> Scenario:
        self.interruptible = []
        self.open()
        plan = self.shapes(minimum_per_shape)
        while plan or self.deferred or len(self.steps) < self.target_steps:
            if self.run_due(everything=not plan and len(self.steps) >= self.target_steps):
                continue
            if not plan and len(self.comments) < self.target_comments:
                plan.append(self.common())
            steps_left = self.target_steps - len(self.steps)
            comment_share = len(plan) * 1.6 / max(1, steps_left)
            if plan and (steps_left <= 0 or self.rng.random() < comment_share):
                plan.pop()()
            elif steps_left > 0:
                self.noise()
            else:
                self.run_due(everything=True)
        return self.scenario()

    def scenario(self) -> Scenario:
        actors: dict[str, Actor] = {}
        for step in self.steps:
            actors.setdefault(step.actor.name, step.actor)
        return Scenario(self.seed, self.steps, self.comments, list(actors.values()), self.text)


def _prose(line: str) -> bool:
    """A paragraph of the organizers' text (not a list item, not a list's caption)."""
    return bool(line) and line[0].isalpha() and not line.endswith(":") and not line[:3].rstrip(
        "."
    ).isdigit()


def _context(text: str, wrong: str, right: str) -> tuple[str, str]:
    """The misspelt word with its neighbours, unique in the line, and the same text fixed."""
    words = text.split(" ")
    i = next(n for n, w in enumerate(words) if wrong in w)
    low, high = max(0, i - 1), min(len(words), i + 2)
    old = " ".join(words[low:high])
    return old, old.replace(wrong, right, 1)


def _section_length(lines: list[str], title: str) -> int:
    start = lines.index(question_heading(title))
    end = start + 1
    while end < len(lines) and not lines[end].startswith("="):
        end += 1
    return end - start - 1


def generate(seed: int = 1, *, comments: int = 600, revisions: int = 1600,
             participants_count: int = 34, ips: int = 8, questions: int = 12,
             minimum_per_shape: int | None = None, days: int | None = None) -> Scenario:
    """The full corpus (the benchmark's default) or, with small numbers, the suite's. Each
    comment shape occurs `minimum_per_shape` times at least (default: 5 for 500 comments or
    more, fewer for fewer comments); the edits span `days` from 11 January 2016 (default:
    to November 2019)."""
    if minimum_per_shape is None:
        minimum_per_shape = max(1, min(5, comments // 100))
    return Generator(
        seed, revisions=revisions, comments=comments, participants_count=participants_count,
        ips=ips, questions=questions, parts=3 if questions >= 6 else 2,
        end=END if days is None else START + timedelta(days=days),
    ).build(minimum_per_shape)


def small(seed: int = 11) -> Scenario:
    """The suite's corpus: every shape at least twice, ~60 comments over ~200 revisions."""
    return generate(seed, comments=60, revisions=200, participants_count=14, ips=3,
                    questions=4, minimum_per_shape=2)
