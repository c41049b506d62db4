"""The Python code blocks of a Markdown file (the README, the guides in docs/), checked the
same way wherever they are: type-checked under `mypy --strict`, and run against an ExaServer.

A fragment is marked by an HTML comment on the line before it: `<!-- not checked: why -->`.
A block identical to a file of examples/ is that file (run by its own tests).

The guides include the README's sections rather than copy them (pymdownx.snippets):
`--8<-- "README.md:name"` in a guide, and in the README, as HTML comments that GitHub and
PyPI do not show, `<!-- --8<-- [start:name] -->` ... `<!-- --8<-- [end:name] -->`.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from exa_webhooks.testing import ExaServer
from typecheck import mypy

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
_FENCE = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
_MARKER = re.compile(r"<!-- --8<-- \[(?P<kind>start|end):(?P<name>[a-z][-_0-9a-z]*)\] -->")
_LIKE_A_MARKER = re.compile(r"-+8<-+\s+\[\s*(start|end)\s*:", re.IGNORECASE)  # to snippets
_INCLUDE = re.compile(r'--8<-- "(?P<path>[^":]+):(?P<name>[a-z][-_0-9a-z]*)"')


@dataclass
class Block:
    source: str  # the Markdown file, relative to the checkout
    line: int  # of its fence
    code: str
    fragment: bool
    example: Path | None  # the file of examples/ it shows, if any

    @property
    def where(self) -> str:
        return f"{self.source} line {self.line}"

    @property
    def slug(self) -> str:
        return f"{Path(self.source).stem}_line_{self.line}"


def blocks(markdown: Path) -> list[Block]:
    text = markdown.read_text()
    examples = {p.read_text().strip(): p for p in EXAMPLES.glob("*.py")}
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        code = match.group(1)
        found.append(
            Block(
                source=str(markdown.relative_to(ROOT)),
                line=text.count("\n", 0, match.start()) + 1,
                code=code,
                fragment=before.startswith("<!-- not checked:"),
                example=examples.get(code.strip()),
            )
        )
    return found


def type_errors(found: list[Block], tmp_path: Path) -> list[str]:
    """mypy's errors in every checked block (its examples/ file, else a copy in
    ``tmp_path``), each located in its Markdown file."""
    files = {}
    for block in found:
        if block.fragment:
            continue
        path = block.example or tmp_path / f"{block.slug}.py"
        if block.example is None:
            path.write_text(block.code)
        files[path] = block
    by_name = {path.name: block for path, block in files.items()}
    return [
        f"{by_name[e.file].source} line {by_name[e.file].line + e.line}: {e.message} [{e.code}]"
        for e in mypy(*files)
    ]


def runnable(found: list[Block]) -> list[Block]:
    return [b for b in found if not b.fragment and b.example is None]


def run_against_a_new_account(block: Block, tmp_path: Path) -> None:
    """In a fresh interpreter, configured as a user would be (by environment), against a
    server with no webhook yet: a new account, where code that assumes one breaks."""
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
        assert result.returncode == 0, f"{block.where}:\n{result.stderr}"
        if "create_webhook" in block.code and "ExaServer()" not in block.code:
            assert server.webhooks  # it talked to this server


def fragments_that_stand_alone(found: list[Block], tmp_path: Path) -> list[str]:
    """The blocks marked as fragments that make sense alone (so should be checked): a
    fragment is not Python (a signature), or mypy finds names it lacks."""
    parsed = {}
    for block in found:
        if not block.fragment:
            continue
        try:
            ast.parse(block.code)
        except SyntaxError:
            continue
        path = tmp_path / f"fragment_{block.slug}.py"
        path.write_text(block.code)
        parsed[path.name] = block
    if not parsed:
        return []
    erring = {e.file for e in mypy(*(tmp_path / name for name in parsed))}
    return sorted(parsed[name].where for name in parsed if name not in erring)


@dataclass
class Section:
    name: str
    start: int  # the line of its start marker
    end: int  # the line of its end marker

    def holds(self, block: Block) -> bool:
        return self.start < block.line < self.end


def sections(text: str) -> dict[str, Section]:
    """The sections a Markdown file marks for the guides to include, by name. ``ValueError``
    for a marker pymdownx.snippets would misread (an end without its start, a start without
    its end, which runs to the end of the file, a section inside another, a name used twice)
    or one written differently, which might not be a marker to it at all."""
    found: dict[str, Section] = {}
    open_: tuple[str, int] | None = None
    for number, line in enumerate(text.split("\n"), 1):
        if not _LIKE_A_MARKER.search(line):
            continue
        marker = _MARKER.fullmatch(line)
        if marker is None:
            raise ValueError(f"line {number}: not a section marker as written here: {line!r}")
        name = marker["name"]
        if marker["kind"] == "start":
            if open_ is not None:
                raise ValueError(f"line {number}: {name} starts inside {open_[0]}")
            if name in found:
                raise ValueError(f"line {number}: a second section {name}")
            open_ = (name, number)
        else:
            if open_ is None or open_[0] != name:
                raise ValueError(f"line {number}: {name} ends, but it was not started")
            found[name] = Section(name, open_[1], number)
            open_ = None
    if open_ is not None:
        raise ValueError(f"line {open_[1]}: {open_[0]} never ends")
    return found


def includes(markdown: Path) -> list[tuple[str, str]]:
    """The (file, section) a guide includes, in order. ``ValueError`` for a line of snippet
    syntax other than ``--8<-- "file:section"`` alone on its line (a whole file, line
    ranges, the block form), which the checks of the includes would not understand."""
    found = []
    for number, line in enumerate(markdown.read_text().split("\n"), 1):
        if "8<-" not in line:
            continue
        include = _INCLUDE.fullmatch(line)
        if include is None:
            raise ValueError(f"{markdown.name} line {number}: not a section include: {line!r}")
        found.append((include["path"], include["name"]))
    return found
