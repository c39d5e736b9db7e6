"""The demo behind scripts/demo: seed a consultation on the local wiki, run the bot once, report.

The organizers' page is the bundled sample without its comments; test users then comment through
the API (signed with ~~~~ so MediaWiki writes the signatures, and some unsigned), on the wiki's
clock set to September 2016, when the real consultation ran (the bot leaves comments younger
than an hour untagged). Seeding happens only once, so running the demo again shows that the bot
makes no further edit. The page's header template and the participants' user and talk pages are
made too (as on Meta-Wiki, where they exist), so that the page has no red link; the demo lists
any that is left.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.text.model.analysis import analyze  # noqa: E402
from tests.devwiki import DevWiki, start_devwiki  # noqa: E402

TITLE = "Leadership Development Dialogue"
OPENED = datetime(2016, 9, 14, 22, 6, tzinfo=UTC)
SAMPLE = ROOT / "bot" / "samples" / "consultation.wikitext"
HEADER = f"Template:{TITLE}/Header"
HEADER_TEXT = (
    '<div style="padding:0.5em;border:1px solid #a2a9b1;color:#202122;background:#f8f9fa">'
    f"<b>{TITLE}</b> — a consultation on peer mentoring. [[{TITLE}/Summary|Summary]]</div>"
)

IP = "192.0.2.44"  # the logged-out participant's address (X-Forwarded-For, from loopback)
# (question number counted from 0 among the prompts, user or None for an IP, text, signs?)
COMMENTS = [
    (0, "Alice", ":* Option 1 sounds fair, but evidence is hard to collect for newcomers.", True),
    (0, "Bob", ":*: Agreed; a short proposal is easier to check.", True),
    (0, "Carol", ":* I would combine both options and ask past trainees for references.", False),
    (1, None, ":* Online office hours with mentors, recorded for other time zones.", False),
    (1, "Dave", ":* A wiki-based toolkit, translated into the main languages.", True),
    (2, "Alice", ":* Pair newcomers with a mentor for their first event.", True),
]


def organizer_text() -> str:
    """The sample page without the participants' comments: what organizers opened it with."""
    text = SAMPLE.read_text(encoding="utf-8")
    drop: set[int] = set()
    for comment in analyze(text).comments:
        drop.update(range(comment.line, comment.end_line + 1))
    lines = text.split("\n")
    return "\n".join(line for n, line in enumerate(lines, start=1) if n not in drop)


def insert_comment(text: str, question: int, line: str) -> str:
    """The page with `line` added at the end of the discussion under the question's prompt."""
    analysis = analyze(text)
    prompt = analysis.placeholders[question]
    last = prompt.line
    for comment in analysis.comments:
        if comment.section_index == prompt.section_index and comment.line > prompt.line:
            last = max(last, comment.end_line)
    lines = text.split("\n")
    lines.insert(last, line)
    return "\n".join(lines)


def surroundings(wiki: DevWiki) -> None:
    """The header template and the participants' user and talk pages, where missing."""
    admin = wiki.client("Admin")
    pages = {HEADER: HEADER_TEXT, f"User talk:{IP}": "Talk page of a shared address."}
    for user in ("Alice", "Bob", "Carol", "Dave"):
        pages[f"User:{user}"] = f"{user} takes part in consultations."
        pages[f"User talk:{user}"] = f"Messages for {user}."
    for title, text in pages.items():
        if not admin.read(title).exists:
            admin.edit(title, text, summary="demo", createonly=True)


def red_links(wiki: DevWiki, title: str) -> list[str]:
    """Links and templates of the rendered page whose target does not exist."""
    missing = []
    for kind, limit in (("links", "gpllimit"), ("templates", "gtllimit")):
        data = wiki.client().get(
            action="query", titles=title, generator=kind, **{limit: "max"}
        )
        missing += [p["title"] for p in data.get("query", {}).get("pages", []) if p.get("missing")]
    return sorted(missing)


def seed(wiki: DevWiki) -> bool:
    admin = wiki.client("Admin")
    surroundings(wiki)
    if admin.read(TITLE).exists:
        return False
    try:
        wiki.clock(OPENED)
        admin.edit(TITLE, organizer_text(), summary="Open the consultation")
        for number, (question, user, line, signs) in enumerate(COMMENTS, start=1):
            wiki.clock(OPENED + timedelta(days=number, minutes=17 * number))
            client = wiki.client(user)
            if user is None:
                client.session.headers["X-Forwarded-For"] = IP
            text = client.read(TITLE).text
            client.edit(TITLE, insert_comment(text, question, line + (" ~~~~" if signs else "")),
                        summary="comment")
    finally:
        wiki.clock(None)
    return True


def main() -> int:
    devwiki = Path(os.environ.get("DEVWIKI_DIR", ROOT / ".devwiki"))
    wiki = start_devwiki(devwiki, int(os.environ.get("DEVWIKI_PORT", "8089")))
    seeded = seed(wiki)
    print(f"Consultation page {'seeded' if seeded else 'already seeded'}: [[{TITLE}]]")
    config = devwiki / "demo.toml"
    config.write_text(
        f'[bot]\nstate_dir = "state"\nreport = "demo-report.json"\n\n'
        f'[[pages]]\ntitle = "{TITLE}"\ntag_unsigned = true\ngrace_minutes = 0\n',
        encoding="utf-8",
    )
    bot = [sys.executable, "-m", "bot", "run", f"-dir:{devwiki / 'pywikibot'}",
           "--config", str(config)]
    status = subprocess.run(bot, cwd=ROOT, check=False).returncode
    report = json.loads((devwiki / "demo-report.json").read_text(encoding="utf-8"))
    page = TITLE.replace(" ", "_")
    print(f"Edits this run: {report['edits']}" + ("" if report["edits"] else " (nothing new)"))
    print(f"Page:    {wiki.index_url}?title={page}")
    for edit in report["pages"][0]["edits"] if report["pages"] else []:
        print(f"Diff:    {wiki.index_url}?diff={edit['revid']}  ({edit['title']})")
    print(f"Summary: {wiki.index_url}?title={page}/Summary")
    for title in (TITLE, f"{TITLE}/Summary"):
        missing = red_links(wiki, title)
        print(f"Red links on [[{title}]]: {', '.join(missing) if missing else 'none'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
