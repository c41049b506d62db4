"""The README's Python code: every block type-checks under `mypy --strict`, and those that are
neither a fragment nor one of examples/ (run by their own tests) run against an ExaServer.

A fragment is marked by an HTML comment on the line before it: `<!-- not checked: why -->`.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from exa_webhooks.testing import ExaServer
from typecheck import mypy

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
_FENCE = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


@dataclass
class Block:
    line: int  # of its fence
    code: str
    fragment: bool
    example: Path | None  # the file of examples/ it shows, if any


def blocks() -> list[Block]:
    readme = (ROOT / "README.md").read_text()
    examples = {p.read_text().strip(): p for p in EXAMPLES.glob("*.py")}
    found = []
    for match in _FENCE.finditer(readme):
        before = readme[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        code = match.group(1)
        found.append(
            Block(
                line=readme.count("\n", 0, match.start()) + 1,
                code=code,
                fragment=before.startswith("<!-- not checked:"),
                example=examples.get(code.strip()),
            )
        )
    return found


BLOCKS = blocks()


def test_the_blocks_are_found() -> None:
    assert len(BLOCKS) > 20
    fragments = [b for b in BLOCKS if b.fragment]
    assert len(fragments) <= len(BLOCKS) // 3  # marked sparingly
    assert sum(b.example is not None for b in BLOCKS) >= 8


def _files(tmp_path: Path) -> dict[Path, Block]:
    """Each checked block as a file: its examples/ file, else a copy in ``tmp_path``."""
    files = {}
    for block in BLOCKS:
        if block.fragment:
            continue
        path = block.example or tmp_path / f"readme_line_{block.line}.py"
        if block.example is None:
            path.write_text(block.code)
        files[path] = block
    return files


def test_every_block_type_checks(tmp_path: Path) -> None:
    files = _files(tmp_path)
    errors = mypy(*files)
    by_name = {path.name: block for path, block in files.items()}
    report = [
        f"README.md line {by_name[e.file].line + e.line}: {e.message} [{e.code}]" for e in errors
    ]
    assert report == []


RUNNABLE = [b for b in BLOCKS if not b.fragment and b.example is None]


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda b: f"line {b.line}")
def test_the_block_runs_against_a_new_account(block: Block, tmp_path: Path) -> None:
    """Each in a fresh interpreter, configured as a user would be (by environment), against
    a server with no webhook yet: a new account, where code that assumes one breaks."""
    path = tmp_path / "block.py"
    path.write_text(block.code)
    with ExaServer() as server:
        env = {**os.environ, "EXA_API_KEY": server.api_key, "EXA_BASE_URL": server.url}
        result = subprocess.run(
            [sys.executable, str(path)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )
        assert result.returncode == 0, f"README.md line {block.line}:\n{result.stderr}"
        if "create_webhook" in block.code and "ExaServer()" not in block.code:
            assert server.webhooks  # it talked to this server


def test_enough_blocks_run() -> None:
    assert len(RUNNABLE) >= 6


def test_each_fragment_is_one(tmp_path: Path) -> None:
    """A block marked as a fragment does not make sense alone (else it should be checked):
    it is not Python (a signature), or mypy finds names it lacks."""
    parsed = {}
    for block in BLOCKS:
        if not block.fragment:
            continue
        try:
            ast.parse(block.code)
        except SyntaxError:
            continue
        path = tmp_path / f"readme_fragment_{block.line}.py"
        path.write_text(block.code)
        parsed[path.name] = block
    assert parsed
    erring = {e.file for e in mypy(*(tmp_path / name for name in parsed))}
    assert sorted(erring) == sorted(parsed)
