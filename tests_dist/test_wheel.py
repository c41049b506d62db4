"""The wheel as pip receives it: its files, its metadata and, for Linux, the glibc it needs."""

from __future__ import annotations

import configparser
import io
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from conftest import install_and_smoke_test

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"]
DIST_INFO = f"exa_webhooks-{VERSION}.dist-info"
# What a manylinux2014 extension may link against (PEP 599), by name.
MANYLINUX2014_LIBS = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libgcc_s.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
}


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _tags(wheel: Path) -> tuple[str, str, str]:
    python, abi, platform = wheel.name.removesuffix(".whl").split("-")[-3:]
    return python, abi, platform


def test_one_abi3_wheel_serves_every_cpython_from_310(wheel: Path) -> None:
    python, abi, _ = _tags(wheel)
    assert (python, abi) == ("cp310", "abi3")
    assert wheel.name.startswith(f"exa_webhooks-{VERSION}-")


def test_the_wheel_carries_the_stubs_py_typed_and_the_license(wheel: Path) -> None:
    names = _names(wheel)
    sources = {p.name for p in (ROOT / "python" / "exa_webhooks").iterdir() if p.is_file()}
    assert {"py.typed", "_native.pyi", "_page.pyi"} <= sources
    assert {f"exa_webhooks/{name}" for name in sources} <= names
    with zipfile.ZipFile(wheel) as archive:
        license_text = archive.read(f"{DIST_INFO}/licenses/LICENSE").decode()
    assert license_text == (ROOT / "LICENSE").read_text()


def test_the_wheel_holds_the_package_and_its_metadata_only(wheel: Path) -> None:
    stray = [n for n in _names(wheel) if not n.startswith(("exa_webhooks/", f"{DIST_INFO}/"))]
    assert stray == []
    native = [n for n in _names(wheel) if re.match(r"exa_webhooks/_native\.(?!pyi$)", n)]
    assert native in (["exa_webhooks/_native.abi3.so"], ["exa_webhooks/_native.pyd"])


def test_the_wheel_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        meta = Parser().parsestr(archive.read(f"{DIST_INFO}/METADATA").decode())
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read(f"{DIST_INFO}/entry_points.txt").decode())
    assert meta["Name"] == "exa-webhooks"
    assert meta["Version"] == VERSION
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert meta["Requires-Python"] == ">=3.10"
    # No runtime dependencies; optional ones only behind extras (redis for RedisDedupe).
    assert all("extra ==" in r for r in meta.get_all("Requires-Dist") or [])
    assert meta["Description-Content-Type"].startswith("text/markdown")
    assert dict(entry_points["console_scripts"]) == {"exa-webhooks": "exa_webhooks.cli:main"}
    assert dict(entry_points["pytest11"]) == {"exa_webhooks": "exa_webhooks.pytest_plugin"}


def _native_elf(wheel: Path) -> io.BytesIO:
    with zipfile.ZipFile(wheel) as archive:
        return io.BytesIO(archive.read("exa_webhooks/_native.abi3.so"))


def _require_manylinux_2_17(wheel: Path) -> None:
    if "manylinux_2_17" not in _tags(wheel)[2]:
        pytest.skip(f"{wheel.name} does not claim manylinux_2_17")


def test_no_symbol_needs_a_glibc_newer_than_2_17(wheel: Path) -> None:
    _require_manylinux_2_17(wheel)
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerNeedSection

    elf = ELFFile(_native_elf(wheel))
    needed: set[str] = set()
    glibc: set[tuple[int, ...]] = set()
    for section in elf.iter_sections():
        if isinstance(section, DynamicSection):
            needed |= {tag.needed for tag in section.iter_tags() if tag.entry.d_tag == "DT_NEEDED"}
        if isinstance(section, GNUVerNeedSection):
            for _, auxiliaries in section.iter_versions():
                for aux in auxiliaries:
                    if aux.name.startswith("GLIBC_") and aux.name[6:7].isdigit():
                        glibc.add(tuple(int(part) for part in aux.name[6:].split(".")))
    assert needed, "no DT_NEEDED entries: not a dynamically linked extension?"
    assert needed <= MANYLINUX2014_LIBS
    assert glibc, "no versioned glibc symbols found: the check would prove nothing"
    assert max(glibc) <= (2, 17), sorted(glibc)


def test_auditwheel_agrees_on_manylinux_2_17(wheel: Path) -> None:
    _require_manylinux_2_17(wheel)
    auditwheel = shutil.which("auditwheel", path=str(Path(sys.executable).parent))
    assert auditwheel, "auditwheel is not installed (requirements-release.txt)"
    shown = subprocess.run(
        [auditwheel, "show", str(wheel)], capture_output=True, text=True, check=True
    ).stdout
    shown = " ".join(shown.split())
    assert 'is consistent with the following platform tag: "manylinux_2_17_x86_64"' in shown


def test_the_wheel_installs_and_works_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    assert "smoke test passed" in install_and_smoke_test(str(wheel), tmp_path)
