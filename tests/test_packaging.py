"""The package's metadata as installed, and the repository files that promise it.

These read the metadata of the installed distribution (the wheel under test in
`make test-matrix`, the editable build under `make test`), not only pyproject.toml.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import exa_webhooks as ew

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
HOME = "https://github.com/exa-webhooks/exa-webhooks"


def _cargo_version() -> str:
    return str(tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"])


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_version_lives_in_cargo_toml_only() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    assert "version" not in project
    assert project["dynamic"] == ["version"]
    assert metadata.version("exa-webhooks") == ew.__version__ == _cargo_version()


def test_the_license_is_mit_by_spdx_expression_and_file() -> None:
    meta = metadata.metadata("exa-webhooks")
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    # PEP 639: a license classifier beside the expression is refused by PyPI.
    assert not [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def _site_url() -> str:
    # mkdocs.yml has mkdocs's own YAML tags (!relative): read the one line.
    found = re.search(r"^site_url: (\S+)$", (ROOT / "mkdocs.yml").read_text(), re.MULTILINE)
    assert found
    return found.group(1)


def test_project_urls_point_at_the_projects_home() -> None:
    urls = dict(
        entry.split(", ", 1) for entry in metadata.metadata("exa-webhooks").get_all("Project-URL")
    )
    assert set(urls) == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    # The documentation: the site `make docs` builds, on GitHub Pages (.github/workflows/docs.yml)
    assert (
        urls.pop("Documentation") == _site_url() == "https://exa-webhooks.github.io/exa-webhooks/"
    )
    assert all(url.startswith(HOME) for url in urls.values()), urls
    assert urls["Changelog"] == f"{HOME}/blob/main/CHANGELOG.md"


def test_classifiers_name_the_frameworks_oses_and_typing() -> None:
    classifiers = set(metadata.metadata("exa-webhooks").get_all("Classifier") or [])
    assert {
        "Framework :: AsyncIO",
        "Framework :: Pytest",
        "Operating System :: POSIX :: Linux",
        "Operating System :: MacOS",
        "Operating System :: Microsoft :: Windows",
        "Typing :: Typed",
    } <= classifiers
    versions = sorted(
        c.rsplit(" :: ", 1)[1]
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    # Exactly the versions `make test-matrix` runs the whole suite on.
    matrix = re.search(r"^MATRIX_PYTHONS := (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert matrix
    assert versions == matrix.group(1).split() == ["3.10", "3.11", "3.12", "3.13"]
    assert metadata.metadata("exa-webhooks")["Requires-Python"] == ">=3.10"


def test_the_changelog_keeps_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    version = _cargo_version()
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", text, re.MULTILINE)
    assert headings[0] == ("Unreleased", "")
    assert (version, headings[1][1]) in headings
    assert re.fullmatch(r" - \d{4}-\d{2}-\d{2}", headings[1][1])
    # Every heading links to its diff or its release.
    for name, _ in headings:
        assert re.search(rf"^\[{re.escape(name)}\]: {HOME}/", text, re.MULTILINE), name


def test_every_readme_link_works_on_pypi() -> None:
    # PyPI renders the README with no repository around it: a relative link is a dead link.
    text = (ROOT / "README.md").read_text()
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    inline = re.findall(r"\]\(([^)\s]+)\)", text)
    references = re.findall(r"^\[[^\]]+\]:\s*(\S+)", text, re.MULTILINE)
    links = inline + references
    assert links
    relative = [link for link in links if not re.match(r"https://", link)]
    assert relative == []
    used = set(re.findall(r"\]\[([^\]]+)\]", text))
    defined = set(re.findall(r"^\[([^\]]+)\]:", text, re.MULTILINE))
    assert used <= defined


def test_the_readme_starts_with_what_a_user_types() -> None:
    text = (ROOT / "README.md").read_text()
    sections = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert sections[0] == "Install"
    install = text.split("## Install", 1)[1].split("\n## ", 1)[0]
    assert "pip install exa-webhooks\n" in install
    working = text.split("## Working on exa-webhooks", 1)[1]
    assert "make demo" in working
    assert "make test" in working


def _workflow(name: str) -> dict[str, Any]:
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    assert isinstance(workflow, dict)
    return workflow


def _release_workflow() -> dict[str, Any]:
    return _workflow("release.yml")


def _smoke_tested(job: dict[str, Any]) -> bool:
    """The job builds with maturin-action, then runs the smoke test on what it built."""
    steps = job["steps"]
    built = [i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("PyO3/maturin")]
    smoked = [i for i, s in enumerate(steps) if "tests_dist/smoke.py" in s.get("run", "")]
    return bool(built and smoked) and max(built) < min(smoked)


def test_the_release_workflow_builds_every_target() -> None:
    jobs = _release_workflow()["jobs"]
    linux = {
        (p["libc"], p["target"], p["manylinux"])
        for p in jobs["linux"]["strategy"]["matrix"]["platform"]
    }
    assert linux == {
        ("manylinux", "x86_64", "2014"),
        ("manylinux", "aarch64", "2014"),
        ("musllinux", "x86_64", "musllinux_1_2"),
        ("musllinux", "aarch64", "musllinux_1_2"),
    }
    macos = {p["target"] for p in jobs["macos"]["strategy"]["matrix"]["platform"]}
    assert macos == {"x86_64", "aarch64"}
    (windows,) = [s for s in jobs["windows"]["steps"] if "maturin" in str(s.get("uses", ""))]
    assert windows["with"]["target"] == "x64"
    (sdist,) = [s for s in jobs["sdist"]["steps"] if "maturin" in str(s.get("uses", ""))]
    assert sdist["with"]["command"] == "sdist"
    for name in ("linux", "macos", "windows", "sdist"):
        assert _smoke_tested(jobs[name]), name
    assert (ROOT / "tests_dist" / "smoke.py").is_file()


def test_the_release_workflow_publishes_tags_by_trusted_publishing() -> None:
    workflow = _release_workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["tags"] == ["v*"]
    publish = workflow["jobs"]["publish"]
    assert set(publish["needs"]) == {"linux", "macos", "windows", "sdist"}
    assert publish["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert publish["permissions"] == {"id-token": "write"}
    (upload,) = [s for s in publish["steps"] if "pypi-publish" in str(s.get("uses", ""))]
    assert "with" not in upload  # no password or token: PyPI trusts the workflow itself


def test_the_docs_workflow_builds_with_make_docs_and_deploys_to_pages() -> None:
    workflow = _workflow("docs.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read"}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    steps = build["steps"]
    (built,) = [i for i, s in enumerate(steps) if s.get("run", "").strip() == "make docs"]
    (uploaded,) = [
        i for i, s in enumerate(steps) if "upload-pages-artifact" in str(s.get("uses", ""))
    ]
    assert built < uploaded
    assert steps[uploaded]["with"]["path"] == "site"  # the Makefile's --site-dir
    assert "--site-dir site" in (ROOT / "Makefile").read_text()
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [str(s.get("uses", "")).split("@")[0] for s in deploy["steps"]] == [
        "actions/deploy-pages"
    ]
