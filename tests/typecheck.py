"""`mypy --strict` with the project's configuration, run on some files by a test."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
_MYPY = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
_OPTIONS = ["--no-error-summary", "--show-error-codes", "--no-pretty"]
_ERROR = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<message>.*)  \[(?P<code>[a-z-]+)\]$"
)


class Error(NamedTuple):
    file: str  # the file's name
    line: int
    code: str
    message: str


def mypy(*paths: Path) -> list[Error]:
    """The errors mypy finds in ``paths`` (the cache in the checkout's .mypy_cache, which
    mypy writes atomically, keeps repeated runs quick)."""
    pytest.importorskip("mypy", reason="mypy comes with requirements-dev.txt")
    result = subprocess.run(
        [*_MYPY, *_OPTIONS, *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    errors = []
    for line in result.stdout.splitlines():
        if (found := _ERROR.match(line)) is not None:
            name = Path(found["path"]).name
            errors.append(Error(name, int(found["line"]), found["code"], found["message"]))
        elif ": note: " not in line:
            pytest.fail(f"unexpected mypy output: {line}\n{result.stderr}")
    assert result.returncode == (1 if errors else 0), result.stdout + result.stderr
    return errors
