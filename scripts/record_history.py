"""Record short real page histories for offline tests: MediaWiki writes them, we keep them.

Usage: .venv/bin/python scripts/record_history.py [NAME ...] [--out DIR]

Plays each named scenario of tests/corpus/named.py (default: all) on a throwaway local wiki,
one real save per revision by real accounts and IP editors, then writes DIR/NAME.json (default
tests/cases/histories): every revision as MediaWiki lists it (revid, parentid, user, anon,
timestamp, sha1, tags, comment, size), every revision's text, and the ground truth per comment.
tests/histories.py loads them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.corpus.driver import Player, records
from tests.corpus.named import NAMED
from tests.devwiki import devwiki_available, start_devwiki

ROOT = Path(__file__).resolve().parents[1]
KEPT = ("revid", "parentid", "user", "anon", "timestamp", "sha1", "tags", "comment", "size")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(NAMED))
    parser.add_argument("--out", default=str(ROOT / "tests" / "cases" / "histories"),
                        help="where to write NAME.json")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in NAMED]
    if unknown:
        parser.error(f"unknown history {unknown[0]!r} (known: {', '.join(NAMED)})")
    available, reason = devwiki_available()
    if not available:
        print(f"record_history: error: the local wiki cannot start: {reason}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="record-history-") as work:
        devwiki = start_devwiki(Path(work) / "wiki")
        try:
            player = Player(devwiki)
            for name in args.names or list(NAMED):
                scenario = NAMED[name]()
                title = f"Consultation/{name}"
                played = player.play(scenario, title)
                revisions = player.history(title, content=True)
                data = {
                    "name": name,
                    "title": title,
                    "description": " ".join((NAMED[name].__doc__ or "").split()),
                    "generator": f"scripts/record_history.py (tests/corpus/named.py:{name})",
                    "revisions": [
                        {key: rev.get(key, False if key == "anon" else None) for key in KEPT}
                        for rev in revisions
                    ],
                    "texts": {str(rev["revid"]): rev["slots"]["main"]["content"]
                              for rev in revisions},
                    "truth": [c.to_dict() for c in records(played)],
                }
                path = out / f"{name}.json"
                path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                encoding="utf-8")
                print(f"{path}: {len(revisions)} revisions, {len(data['truth'])} comments")
        finally:
            devwiki.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
