"""The sdist: everything a build from source needs, nothing of the repository's tooling.

`make sdist` also builds a wheel from it with pip and runs test_wheel.py on that wheel
(including an install into a fresh venv and the smoke test).
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from email.parser import Parser
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"]
TOP = f"exa_webhooks-{VERSION}"


def _members(sdist: Path) -> dict[str, bytes]:
    with tarfile.open(sdist) as archive:
        return {
            member.name.removeprefix(f"{TOP}/"): archive.extractfile(member).read()  # type: ignore[union-attr]
            for member in archive.getmembers()
            if member.isfile()
        }


def _repository_files(*folders: str) -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--", *folders], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(listed.stdout.split())


def test_the_sdist_has_everything_a_build_needs(sdist: Path) -> None:
    assert sdist.name == f"{TOP}.tar.gz"
    members = _members(sdist)
    required = {"Cargo.toml", "Cargo.lock", "pyproject.toml", "README.md", "LICENSE", "PKG-INFO"}
    assert required <= set(members)
    # Every Rust source, the Python layer with its stubs and py.typed, as in the repository.
    assert _repository_files("crates", "python") <= set(members)
    assert {"python/exa_webhooks/py.typed", "python/exa_webhooks/_native.pyi"} <= set(members)
    assert members["LICENSE"] == (ROOT / "LICENSE").read_bytes()
    assert members["Cargo.lock"] == (ROOT / "Cargo.lock").read_bytes()


def test_the_sdist_leaves_the_repository_tooling_out(sdist: Path) -> None:
    tooling = [n for n in _members(sdist) if n.startswith((".ci/", ".github/", "bench/", ".git"))]
    assert tooling == []
    # bench/limit is a workspace member in the repository only: the sdist's workspace must not
    # name it, or cargo refuses to build.
    workspace = tomllib.loads(_members(sdist)["Cargo.toml"].decode())["workspace"]
    assert sorted(workspace["members"]) == ["crates/core", "crates/python", "crates/server"]
    assert workspace["package"]["version"] == VERSION


def test_the_sdist_metadata(sdist: Path) -> None:
    meta = Parser().parsestr(_members(sdist)["PKG-INFO"].decode())
    assert (meta["Name"], meta["Version"]) == ("exa-webhooks", VERSION)
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert meta["Requires-Python"] == ">=3.10"


def _locked(lock: str) -> set[tuple[str, str]]:
    return {(p["name"], p["version"]) for p in tomllib.loads(lock)["package"]}


def test_a_build_from_the_sdist_uses_the_locked_versions(sdist: Path, tmp_path: Path) -> None:
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    tree = tmp_path / TOP
    # Resolving without the workspace only drops the benchmark's entries from the lock:
    # nothing is added or upgraded (offline: every crate must be in the lock already).
    subprocess.run(
        [
            "cargo",
            "metadata",
            "--offline",
            "--format-version",
            "1",
            "--manifest-path",
            str(tree / "Cargo.toml"),
        ],
        check=True,
        capture_output=True,
    )
    resolved = _locked((tree / "Cargo.lock").read_text())
    original = _locked((ROOT / "Cargo.lock").read_text())
    assert ("exa-webhooks", VERSION) in resolved
    assert resolved <= original, sorted(resolved - original)
