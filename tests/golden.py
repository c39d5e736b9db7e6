"""Golden cases: `tests/cases/<kind>/*.mwtest` files, each one case, read like the wikitext.

A case file is a sequence of blocks; a line `%% name` starts the block `name` (e.g. `input`,
`output`, `expect`, `options`); text before the first block is a free description. Blocks keep
their text exactly, except the single newline that ends each block. Set UPDATE_GOLDEN=1 to
rewrite the expected block of failing cases from the code's output (then review the diff).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"
_BLOCK = re.compile(r"^%% ([\w-]+)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Case:
    path: Path
    blocks: dict[str, str]

    @property
    def name(self) -> str:
        return self.path.stem

    def __getitem__(self, block: str) -> str:
        return self.blocks[block]

    def get(self, block: str, default: str | None = None) -> str | None:
        return self.blocks.get(block, default)

    def check(self, block: str, actual: str) -> None:
        """Assert actual == the block; with UPDATE_GOLDEN=1 write actual into the file instead."""
        expected = self.blocks.get(block)
        if expected == actual:
            return
        if os.environ.get("UPDATE_GOLDEN") == "1":
            write_block(self.path, block, actual)
            return
        assert actual == expected, f"{self.path.name}: block {block!r} differs"


def parse_case(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    matches = list(_BLOCK.finditer(text))
    blocks: dict[str, str] = {}
    for i, match in enumerate(matches):
        start = match.end() + 1
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[start:end]
        blocks[match.group(1)] = body[:-1] if body.endswith("\n") else body
    return Case(path, blocks)


def write_block(path: Path, block: str, value: str) -> None:
    case = parse_case(path)
    text = path.read_text(encoding="utf-8")
    head = text[: _BLOCK.search(text).start()] if _BLOCK.search(text) else text
    blocks = dict(case.blocks)
    blocks[block] = value
    body = "".join(f"%% {name}\n{content}\n" for name, content in blocks.items())
    path.write_text(head + body, encoding="utf-8")


def cases(kind: str) -> list:
    """pytest params, one per case file of a kind, named after the file."""
    files = sorted((CASES / kind).glob("*.mwtest"))
    return [pytest.param(parse_case(f), id=f.stem) for f in files]
