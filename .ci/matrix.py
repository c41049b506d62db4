"""`make test-matrix`: one built wheel, the whole pytest suite, on every supported CPython.

    python .ci/matrix.py [--jobs N] WHEEL [VERSION ...]

Each version gets its own venv (.venv-matrix/3.X) with requirements-test.txt and the wheel,
and runs the suite from the repository root, importing the installed package (the source
tree's `python/` is not on the path). The suites run N at a time (default 2: they mostly wait
on sockets and subprocesses), each writing .venv-matrix/3.X/pytest.log; a failing version's
log is printed. Interpreters are found under pyenv
(`$PYENV_ROOT/versions/3.X.*`, newest patch first), then as `python3.X` on PATH. A missing
interpreter is a failure, not a skip: the classifiers promise every version.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENVS = ROOT / ".venv-matrix"
REQUIREMENTS = ROOT / "requirements-test.txt"


def find_python(version: str) -> Path | None:
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    patch = re.compile(rf"{re.escape(version)}\.(\d+)")
    found = [
        (int(match.group(1)), path / "bin" / "python")
        for path in pyenv.glob(f"{version}.*")
        if (match := patch.fullmatch(path.name)) and (path / "bin" / "python").exists()
    ]
    if found:
        return max(found)[1]
    on_path = shutil.which(f"python{version}")
    return Path(on_path) if on_path else None


def run(*args: str | Path, capture: bool = False) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=ROOT, text=True, check=True, capture_output=capture
    )
    return done.stdout or ""


def prepare(version: str, interpreter: Path, wheel: Path) -> Path:
    venv = VENVS / version
    python = venv / "bin" / "python"
    stamp = venv / ".requirements"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not (python.exists() and stamp.exists() and stamp.read_text() == wanted):
        shutil.rmtree(venv, ignore_errors=True)
        run(interpreter, "-m", "venv", venv)
        run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(python, "-m", "pip", "install", "--quiet", "-r", REQUIREMENTS)
        stamp.write_text(wanted)
    run(python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", wheel)
    return python


def suite(version: str, python: Path) -> tuple[str, str, float]:
    """Runs the whole suite; returns (version, outcome, seconds)."""
    log = VENVS / version / "pytest.log"
    env = {**os.environ, "HYPOTHESIS_STORAGE_DIRECTORY": str(VENVS / version / ".hypothesis")}
    started = time.monotonic()
    with log.open("w") as out:
        done = subprocess.run(
            [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.monotonic() - started
    lines = log.read_text().splitlines()
    summary = lines[-1].strip("= ") if lines else "no output"
    if done.returncode != 0:
        print(f"\n=== CPython {version} FAILED, {log}:\n" + "\n".join(lines[-200:]), flush=True)
        return version, f"FAILED: {summary}", seconds
    return version, summary, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("wheel", type=Path)
    parser.add_argument("versions", nargs="*", default=["3.10", "3.11", "3.12", "3.13"])
    args = parser.parse_args()
    # A job started in the background inherits an ignored SIGINT, and so would every process
    # of the suite: its Ctrl-C tests would then wait for a signal that never arrives.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    wheel = args.wheel.resolve()
    results: list[tuple[str, str, float]] = []
    ready: list[tuple[str, Path]] = []
    for version in args.versions:
        interpreter = find_python(version)
        if interpreter is None:
            results.append((version, "FAILED: no interpreter found (pyenv install it)", 0.0))
            continue
        print(f"=== CPython {version}: {interpreter}", flush=True)
        python = prepare(version, interpreter, wheel)
        where = run(python, "-c", "import exa_webhooks; print(exa_webhooks.__file__)", capture=True)
        if not where.strip().startswith(str(VENVS)):
            results.append((version, f"FAILED: imported the wrong package: {where}", 0.0))
            continue
        ready.append((version, python))
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results += pool.map(lambda v: suite(*v), ready)
    print(f"\n=== test matrix: {wheel.name}")
    for version, outcome, seconds in sorted(results):
        print(f"CPython {version:5} {outcome} ({seconds:.0f} s)")
    return 0 if not any(outcome.startswith("FAILED") for _, outcome, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
