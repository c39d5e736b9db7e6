"""A consultation with a year of history, written by MediaWiki itself: organizers open the page in
January 2016, test users comment through the year with `~~~~` (the wiki's clock set with
DevWiki.clock), one comment is unsigned, and the bot runs after the first comments, again after
two December comments, and once more with nothing new.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.devwiki import DevWiki

TITLE = "Readers test/Consultation"
KEEP_TITLE = "Readers test/Keep heading"

# The questions whose intros the bot folds (level 3) and the discussion questions (level 4).
FOLDED = (
    "How should we choose mentors?",
    "What would help mentors, after training?",
    "Where should events take place?",
)
DISCUSSION = (
    "Which selection process would you prefer?",
    "What resources or tools would help?",
    "Which regions come first?",
)
PROMPT = ":*(Add your comment here) (Don't forget to add your signature)"
ORGANIZER_TEXT = textwrap.dedent(f"""\
    This consultation asks how mentoring should work in the coming years.
    Please answer under each question and sign your comments with four tildes.

    == Part 1: Mentoring ==
    Two questions about how mentors are chosen and supported.

    === {FOLDED[0]} ===
    Mentors have so far been chosen by the organizers of each event, from people they knew.
    Several communities asked for an open call instead, with criteria everyone can read,
    so that newer volunteers can be chosen too.

    ==== {DISCUSSION[0]} ====
    {PROMPT}

    === {FOLDED[1]} ===
    After the training days, mentors told us they lost touch with each other.
    We would like to hear which kinds of support would keep them going:
    * regular calls with other mentors;
    * a small budget for local meetups.

    ==== {DISCUSSION[1]} ====
    {PROMPT}

    == Part 2: Events ==
    === {FOLDED[2]} ===
    Events have been held where a conference already took place.
    That saves money but leaves out regions without one.

    ==== {DISCUSSION[2]} ====
    {PROMPT}""")

# (when, user or an IP address, question index, text, signed?)
YEAR = [
    ("2016-01-05 10:00", "Alice", 0, "An open call, with the criteria published first.", True),
    ("2016-01-06 11:30", "Bob", 0, "Agreed, and a small panel from several regions.", True),
    ("2016-01-20 08:15", "Carol", 1, "Monthly calls would help a lot.", True),
    ("2016-02-03 17:40", "192.0.2.7", 0, "Let past trainees recommend people.", True),
    ("2016-02-10 09:00", "Dave", 0, "Publish who was chosen and why.", True),
    ("2016-03-14 14:05", "Alice", 0, "Include people who never attended an event.", True),
    ("2016-04-18 12:00", "Carol", 0, "Ask the affiliates to nominate too.", True),
    ("2016-05-02 16:20", "Dave", 2, "Start with regions that never hosted one.", True),
    ("2016-06-07 13:45", "Bob", 0, "Keep the call open for a month.", True),
    ("2016-07-12 10:10", "Carol", 1, "A budget for meetups, even a small one.", False),
    ("2016-09-19 09:30", "Alice", 0, "Rotate the panel every year.", True),
    ("2016-10-24 18:00", "192.0.2.7", 0, "Translate the call into many languages.", True),
    ("2016-11-21 11:11", "Dave", 0, "Let mentors choose their own co-mentors.", True),
    ("2016-11-28 15:00", "Bob", 1, "A shared wiki page for their notes.", True),
]
LATER = [
    ("2016-12-05 10:00", "Dave", 1, "A mailing list for mentors only.", True),
    ("2016-12-06 09:15", "Alice", 2, "Online events for the regions far away.", True),
]
OPENED = "2016-01-04 09:00"
BASELINE = "2016-01-04 09:30"  # Bob's edit of the intro: the consultation opens
FIRST_RUN, SECOND_RUN, THIRD_RUN = "2016-11-30 12:00", "2016-12-06 12:00", "2016-12-07 12:00"


def at(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def config(baseline: int) -> str:
    """The bot's configuration: the year-long page, and the same text in keep-heading style."""
    return textwrap.dedent(f"""\
        [bot]
        state_dir = "state"

        [defaults]
        tag_unsigned = true
        grace_minutes = 0
        summary_account_ages = true

        [[pages]]
        title = "{TITLE}"
        baseline_revision = {baseline}

        [[pages]]
        title = "{KEEP_TITLE}"
        collapse_style = "keep-heading"
        """)


def add_comment(wiki: DevWiki, user: str, question: int, text: str, signed: bool) -> int:
    """Save a comment at the end of a discussion question, as `user` (an IP address edits
    logged out, named in X-Forwarded-For); returns the revision id."""
    client = wiki.client(None if user[0].isdigit() else user)
    if user[0].isdigit():
        client.session.headers["X-Forwarded-For"] = user
    page = client.read(TITLE)
    lines = page.text.split("\n")
    start = lines.index(f"==== {DISCUSSION[question]} ====")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("=")), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    lines.insert(end, f":* {text}" + (" ~~~~" if signed else ""))
    saved = client.edit(TITLE, "\n".join(lines), summary="comment", basetimestamp=page.timestamp)
    return saved["newrevid"]


@dataclass
class Consultation:
    """What the setup made: revision ids, and the bot's output of each run."""

    baseline: int = 0
    later: list[int] = field(default_factory=list)  # revisions of the December comments
    runs: list[str] = field(default_factory=list)  # each run's standard output
    summary_revids: list[int] = field(default_factory=list)  # the summary after each run


def write_year(wiki: DevWiki, run_bot) -> Consultation:
    """Make the year of history and run the bot three times (see the module docstring); the
    keep-heading page is maintained by the same runs."""
    made = Consultation()
    admin = wiki.client("Admin")
    try:
        wiki.clock(at(OPENED))
        admin.edit(TITLE, ORGANIZER_TEXT, summary="Open the consultation")
        admin.edit(KEEP_TITLE, ORGANIZER_TEXT, summary="Open the consultation")
        wiki.clock(at(BASELINE))
        bob = wiki.client("Bob")
        text = bob.read(TITLE).text.replace("in the coming years", "in 2016 and 2017")
        made.baseline = bob.edit(TITLE, text, summary="intro")["newrevid"]
        for stamp, user, question, text, signed in YEAR:
            wiki.clock(at(stamp))
            add_comment(wiki, user, question, text, signed)
        for stamp, batch in ((FIRST_RUN, None), (SECOND_RUN, LATER), (THIRD_RUN, None)):
            for when, user, question, text, signed in batch or ():
                wiki.clock(at(when))
                made.later.append(add_comment(wiki, user, question, text, signed))
            wiki.clock(at(stamp))
            result = run_bot(config(made.baseline))
            assert result.returncode == 0, result.stdout + result.stderr
            made.runs.append(result.stdout)
            made.summary_revids.append(wiki.client().read(f"{TITLE}/Summary").revid)
    finally:
        wiki.clock(None)
    return made
