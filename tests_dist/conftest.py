"""The built artifacts under test: `make wheel` and `make sdist` pass them in by path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _artifact(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value:
        pytest.fail(f"{variable} is not set: run these tests through `make wheel` or `make sdist`")
    path = Path(value)
    if not path.is_file():
        pytest.fail(f"{variable}={value} is not a file")
    return path


@pytest.fixture(scope="session")
def wheel() -> Path:
    return _artifact("EXA_WHEEL")


@pytest.fixture(scope="session")
def sdist() -> Path:
    return _artifact("EXA_SDIST")


def install_and_smoke_test(target: str, tmp_path: Path, env: dict[str, str] | None = None) -> str:
    """Install `target` (a wheel or an sdist) into a fresh venv, then run smoke.py there."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir", target],
        check=True,
        env=env,
    )
    smoke = subprocess.run(
        [str(python), str(Path(__file__).parent / "smoke.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    return smoke.stdout
