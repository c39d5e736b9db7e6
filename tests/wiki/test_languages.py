"""The bot on German, French and Polish MediaWiki with a local time zone, with no profile file and
no language setting: signatures MediaWiki writes are read back (author and UTC time) in summer
and winter, unsigned comments get the wiki's own template in its own date format, and the bot's
words are in the wiki's language.

Every signature here is MediaWiki's: `~~~~` saved through the API by real accounts (default,
nickname and custom signatures, a female user's gendered namespace) and an IP editor, with the
wiki's clock driven to each moment (libfaketime). The dates expected in tags are what the wiki
itself writes for `~~~~~` at the same moment. One wiki per language for the whole module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.text.model.analysis import analyze
from bot.text.model.profile import load_profile, normalize_user
from tests.devwiki import DevWiki, devwiki_available, start_devwiki
from tests.wikiclient import WikiClient

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Language:
    code: str
    zone: str
    female_user: str  # namespace of a female user's page, and of her talk page
    female_talk: str
    contributions: str  # Special:Contributions, as the wiki names it
    template: str  # the unsigned template the bot uses there by default
    intro: str  # how the summary page begins
    attention: str  # the summary's "Needs attention" heading
    tagged_two: str  # the edit summary after tagging two comments
    summary_edit: str  # the summary subpage's edit summary


LANGUAGES = {
    "de": Language("de", "Europe/Berlin", "Benutzerin", "Benutzerin Diskussion",
                   "Spezial:Beiträge", "unsigniert", "''Dies ist eine Zusammenfassung von",
                   "== Zu prüfen ==",
                   "Bot: 2 unsignierte Beiträge markiert",
                   "Bot: Zusammenfassung der Konsultation aktualisiert"),
    "fr": Language("fr", "Europe/Paris", "Utilisatrice", "Discussion utilisatrice",
                   "Spécial:Contributions", "non signé", "''Ceci est un résumé de",
                   "== À vérifier ==",
                   "Bot : 2 commentaires non signés marqués",
                   "Bot : résumé de la consultation mis à jour"),
    "pl": Language("pl", "Europe/Warsaw", "Wikipedystka", "Dyskusja wikipedystki",
                   "Specjalna:Wkład", "niepodpisany", "''To jest podsumowanie strony",
                   "== Do sprawdzenia ==",
                   "Bot: oznaczono 2 niepodpisane komentarze",
                   "Bot: zaktualizowano podsumowanie konsultacji"),
}
# Winter; summer late in the evening (the local date is the next day); the hour the clocks go
# back, once in summer time and once in winter time (02:30 local both times).
MOMENTS = (
    datetime(2021, 1, 15, 8, 5, tzinfo=UTC),
    datetime(2021, 7, 15, 22, 45, tzinfo=UTC),
    datetime(2021, 10, 31, 0, 30, tzinfo=UTC),
    datetime(2021, 10, 31, 1, 30, tzinfo=UTC),
)
IP = "192.0.2.44"


@pytest.fixture(scope="module", params=list(LANGUAGES))
def wiki(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[DevWiki, Language]]:
    available, reason = devwiki_available()
    if not available:
        pytest.fail(f"the local MediaWiki cannot start: {reason} (run scripts/devwiki install)")
    language = LANGUAGES[request.param]
    devwiki = start_devwiki(tmp_path_factory.mktemp(f"devwiki-{language.code}"),
                            lang=language.code, timezone=language.zone)
    assert (devwiki.lang, devwiki.timezone) == (language.code, language.zone)
    try:
        yield devwiki, language
    finally:
        devwiki.clock(None)
        devwiki.stop()


def set_option(client: WikiClient, name: str, value: str) -> None:
    client.post(action="options", optionname=name, optionvalue=value, token=client.token())


def signers(devwiki: DevWiki, language: Language) -> dict[str, WikiClient]:
    """Accounts with a default signature, a female user's custom one linking her gendered
    namespace, a nickname, a custom one linking only Special:Contributions, and an IP editor."""
    alice, bob, carol, dave = (devwiki.client(u) for u in ("Alice", "Bob", "Carol", "Dave"))
    set_option(bob, "gender", "female")
    set_option(bob, "nickname", f"[[{language.female_user}:Bob|Bob die Zweite]] "
                                f"([[{language.female_talk}:Bob|✉]])")
    set_option(bob, "fancysig", "1")
    set_option(carol, "nickname", "Caro")
    set_option(dave, "nickname", f"[[{language.contributions}/Dave|D.]]")
    set_option(dave, "fancysig", "1")
    anonymous = devwiki.client()
    anonymous.session.headers["X-Forwarded-For"] = IP
    return {"Alice": alice, "Bob": bob, "Carol": carol, "Dave": dave, IP: anonymous}


def append(client: WikiClient, title: str, text: str) -> int:
    # A token from under the moved clock: MediaWiki's tokens carry the time they were made.
    result = client.post(action="edit", title=title, appendtext=text, summary="test",
                         token=client.token())
    return result["edit"]["newrevid"]


def bot(devwiki: DevWiki, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True,
        timeout=300, check=False, stdin=subprocess.DEVNULL,
        env={**os.environ, "PYWIKIBOT_DIR": str(devwiki.pywikibot_dir), "PYTHONPATH": str(ROOT)},
    )


def test_signatures_mediawiki_writes_are_read_back_in_summer_and_winter(
    wiki: tuple[DevWiki, Language], tmp_path: Path
) -> None:
    devwiki, language = wiki
    title = "Signaturen"
    admin = devwiki.client("Admin")
    devwiki.clock(datetime(2021, 1, 1, 9, 0, tzinfo=UTC))
    admin.edit(title, "== Frage ==\n", summary="start")
    clients = signers(devwiki, language)
    expected: list[tuple[str, datetime]] = []
    for number, moment in enumerate(MOMENTS):
        for name, client in clients.items():
            devwiki.clock(moment)
            append(client, title, f"\n:* Kommentar {number} von {name}. ~~~~")
            expected.append((normalize_user(name), moment))
    devwiki.clock(None)

    # The profile as `consultation-bot profile` prints it, read by the offline commands.
    printed = bot(devwiki, "profile", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    profile_file = tmp_path / "profile.json"
    profile_file.write_text(printed.stdout, encoding="utf-8")
    profile = load_profile(profile_file)
    assert (profile.language, profile.timezone) == (language.code, language.zone)
    page = tmp_path / "page.wikitext"
    page.write_text(admin.read(title).text, encoding="utf-8")
    analyzed = bot(devwiki, "analyze", str(page), "--profile", str(profile_file), "--json",
                   cwd=tmp_path)
    assert analyzed.returncode == 0, analyzed.stderr
    comments = json.loads(analyzed.stdout)["comments"]
    found = [(c["author"], datetime.fromisoformat(c["timestamp"].replace("Z", "+00:00"))
              if c["timestamp"] else None) for c in comments]
    right = sum(1 for got, want in zip(found, expected, strict=True) if got == want)
    print(f"{language.code}: {right}/{len(expected)} signatures read back (author, UTC time)")
    assert right / len(expected) >= 0.99, [
        (got, want) for got, want in zip(found, expected, strict=True) if got != want
    ]
    assert all(c["status"] == "signed" for c in comments)
    # The same, in process, with the profile the offline commands read.
    assert [(c.author, c.timestamp) for c in analyze(page.read_text(), profile).comments] == found


def mediawiki_date(devwiki: DevWiki, client: WikiClient, moment: datetime) -> str:
    """What the wiki itself writes for ~~~~~ at `moment`."""
    devwiki.clock(moment)
    client.edit("Datum", "~~~~~", summary="date")
    return client.read("Datum").text


def test_run_tags_with_the_local_template_and_date_in_the_wikis_language(
    wiki: tuple[DevWiki, Language], tmp_path: Path
) -> None:
    devwiki, language = wiki
    title, other = "Konsultation", "Konsultation ohne Vorlage"
    admin = devwiki.client("Admin")
    winter, summer = MOMENTS[0], MOMENTS[1]
    dates = {moment: mediawiki_date(devwiki, admin, moment) for moment in (winter, summer)}
    opening = "Einleitung der Organisatoren.\n\n== Frage eins ==\nWorum geht es?\n"
    clients = signers(devwiki, language)
    for page in (title, other):
        devwiki.clock(datetime(2021, 1, 2, 9, 0, tzinfo=UTC))
        admin.edit(page, opening, summary="start")
        # After the first signed comment (above it is the organizers' question text).
        append(clients["Alice"], page, "\n:* Mit Unterschrift. ~~~~")
        devwiki.clock(winter)
        append(clients[IP], page, "\n:* Ein Beitrag ohne Unterschrift.")
        devwiki.clock(summer)
        append(clients["Carol"], page, "\n:* Noch einer, auch ohne.")
    devwiki.clock(None)
    config = tmp_path / "bot.toml"
    config.write_text(textwrap.dedent(f"""
        [bot]
        state_dir = "{tmp_path}/state"
        report = "{tmp_path}/report.json"

        [defaults]
        collapse = false
        tag_unsigned = true
        grace_minutes = 0

        [[pages]]
        title = "{title}"

        [[pages]]
        title = "{other}"
        unsigned_template = "Keine solche Vorlage"
        summary = false
    """), encoding="utf-8")

    first = bot(devwiki, "run", "--config", str(config), cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "site profile read from the wiki" in first.stdout
    text = admin.read(title).text
    tag = "{{" + language.template
    assert f":* Ein Beitrag ohne Unterschrift. {tag}|{IP}|{dates[winter]}}}}}" in text
    assert f":* Noch einer, auch ohne. {tag}|Carol|{dates[summer]}}}}}" in text
    changes = [c for c in admin.recent_changes() if c["user"] == "ConsultationBot"]
    assert {c["title"]: c["comment"] for c in changes} == {
        title: language.tagged_two, f"{title}/Summary": language.summary_edit,
        f"{title}/Summary.json": language.summary_edit,
    }
    summary = admin.read(f"{title}/Summary").text
    assert summary.startswith(language.intro) and f"\n{language.attention}\n" in summary
    # The page whose template the wiki lacks: one warning, no tag.
    assert admin.read(other).text.count("{{") == 0
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    (warning,) = next(p for p in report["pages"] if p["title"] == other)["warnings"]
    assert "{{Keine solche Vorlage}}" in warning
    assert first.stdout.count("{{Keine solche Vorlage}}") == 1

    # Run again: the tags are read as tags (nothing to change), the profile is the kept one.
    second = bot(devwiki, "run", "--config", str(config), cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "site profile read from the wiki" not in second.stdout
    assert f"[[{title}]]: nothing to change" in second.stdout
    assert admin.read(title).text == text
