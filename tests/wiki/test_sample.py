"""user-config.py.sample works as its comments say: as it is for Meta-Wiki, and edited for a local
wiki (here the dev wiki, for real), with no deprecated setting."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.devwiki import DevWiki, free_port
from tests.wiki.conftest import ROOT
from tests.wiki.proxied import SAMPLE, run, write_config

USER_CONFIG = (ROOT / "user-config.py.sample").read_text(encoding="utf-8")


def folder(devwiki: DevWiki, base: Path, user_config: str) -> Path:
    pwb = base / "pywikibot"
    pwb.mkdir()
    (pwb / "user-config.py").write_text(user_config, encoding="utf-8")
    shutil.copy2(devwiki.pywikibot_dir / "user-password.py", pwb / "user-password.py")
    return pwb


def for_a_local_wiki(api_url: str) -> str:
    """The edit the sample's comments ask for: '#' before the three Meta-Wiki lines, none before
    the four lines of a wiki without a family, and the wiki's api.php address."""
    text = re.sub(r"^(family = 'meta'|mylang = 'meta'|usernames\['meta'\]\['meta'\] = .*)$",
                  r"# \1", USER_CONFIG, flags=re.MULTILINE)
    text, uncommented = re.subn(r"^# ((?:family_files|family|mylang|usernames)\b.*'mywiki'.*)$",
                                r"\1", text, flags=re.MULTILINE)
    assert uncommented == 4
    return text.replace("http://127.0.0.1:8089/api.php", api_url)


def test_the_sample_edited_for_a_local_wiki_runs_the_bot(devwiki, tmp_path: Path) -> None:
    title = "Sample test/Local wiki"
    devwiki.client("Alice").edit(title, SAMPLE, summary="setup")
    pwb = folder(devwiki, tmp_path, for_a_local_wiki(devwiki.api_url))
    config = write_config(tmp_path, f'[[pages]]\ntitle = "{title}"\n')
    result = run(pwb, config, "--dry-run")
    assert result.status == 0, result.output
    assert f"[[{title}]]: would save" in result.stdout
    assert "Logging in to mywiki:mywiki as ConsultationBot" in result.stderr
    assert "deprecated" not in result.output.lower()
    assert "WARNING" not in result.stderr, result.stderr


def test_the_sample_as_it_is_is_for_meta_wiki(devwiki, tmp_path: Path) -> None:
    """The bot must get as far as asking meta.wikimedia.org, through a proxy that is not there:
    a test never goes to the internet."""
    pwb = folder(devwiki, tmp_path, USER_CONFIG)
    config = write_config(tmp_path, "[bot]\nmax_retries = 0\n"
                                    '[[pages]]\ntitle = "Leadership Development Dialogue"\n')
    nowhere = f"http://127.0.0.1:{free_port()}"
    result = run(pwb, config, "--dry-run",
                 env={"HTTPS_PROXY": nowhere, "HTTP_PROXY": nowhere, "NO_PROXY": ""})
    assert result.status == 1, result.output
    assert "meta.wikimedia.org" in result.stderr
    assert "cannot reach the wiki" in result.stderr
    assert "deprecated" not in result.output.lower()
    assert "undefined" not in result.output
