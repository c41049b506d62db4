"""The guides (docs/*.md): what they include of the README, and the Python code of their own.

A guide includes its README sections (`--8<-- "README.md:receiving"`, pymdownx.snippets)
rather than copying them, so the README's code, checked by tests/test_readme_code.py, is the
guides' code. Here: every include names a section the README marks, the markers are
balanced, no guide copies README text again, and no guide has Python code of its own.
"""

from __future__ import annotations

import re

import pytest

from doc_blocks import (
    ROOT,
    Section,
    blocks,
    includes,
    runnable,
    sections,
)

README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs").glob("*.md"))
PAGES = {"quickstart.md", "managing.md", "receiving.md", "testing.md", "cli.md", "reliability.md"}
OWN = [block for guide in GUIDES for block in blocks(guide)]  # written in a guide itself


def _included() -> list[Section]:
    marked = sections(README.read_text())
    return [marked[name] for guide in GUIDES for _, name in includes(guide) if name in marked]


def test_every_guide_is_found() -> None:
    names = {guide.name for guide in GUIDES}
    assert names >= PAGES
    assert all(includes(ROOT / "docs" / name) for name in PAGES)
    # The README's code the guides show: most of it, run or type-checked there.
    shown = [b for b in blocks(README) if any(s.holds(b) for s in _included())]
    assert len(shown) > 20
    assert len(runnable(shown)) >= 6


def test_every_include_names_a_readme_section() -> None:
    marked = sections(README.read_text())
    wrong = [
        f"{guide.name}: {path}:{name}"
        for guide in GUIDES
        for path, name in includes(guide)
        if path != "README.md" or name not in marked
    ]
    assert wrong == []


def test_every_readme_section_is_included_once() -> None:
    names = [name for guide in GUIDES for _, name in includes(guide)]
    assert sorted(names) == sorted(sections(README.read_text()))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<!-- --8<-- [start:a] -->\ntext\n", "a never ends"),
        ("text\n<!-- --8<-- [end:a] -->\n", "a ends, but it was not started"),
        (
            "<!-- --8<-- [start:a] -->\n<!-- --8<-- [end:b] -->\n<!-- --8<-- [end:a] -->\n",
            "b ends, but it was not started",
        ),
        ("<!-- --8<-- [start:a] -->\n<!-- --8<-- [start:b] -->\n", "b starts inside a"),
        ("<!-- --8<-- [start:a] -->\n<!-- --8<-- [end:a] -->\n" * 2, "a second section a"),
        ("<!-- --8<-- [start: a] -->\n", "not a section marker"),
    ],
)
def test_unbalanced_markers_are_found(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        sections(text)


def test_the_readme_markers_are_balanced() -> None:
    marked = sections(README.read_text())
    assert {"quickstart", "receiving", "testing", "reliability"} <= set(marked)
    assert all(s.start < s.end for s in marked.values())


def test_every_reference_link_is_defined_in_its_section() -> None:
    # A section shown alone in a guide must carry the definitions of its `[text][name]` links.
    lines = README.read_text().split("\n")
    undefined = []
    for section in sections(README.read_text()).values():
        text = "\n".join(lines[section.start : section.end - 1])
        text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
        used = set(re.findall(r"\]\[([^\]]+)\]", text))
        defined = set(re.findall(r"^\[([^\]]+)\]:", text, re.MULTILINE))
        undefined += [f"{section.name}: [{name}]" for name in sorted(used - defined)]
    assert undefined == []


def test_no_guide_copies_the_readme() -> None:
    # (index.md, the site's home page, sums the README up in words of its own.)
    readme = set(README.read_text().split("\n"))
    copied = [
        f"{name}: {line}"
        for name in sorted(PAGES)
        for line in (ROOT / "docs" / name).read_text().split("\n")
        if len(line.strip()) >= 40 and not line.startswith("#") and line in readme
    ]
    assert copied == []


def test_the_guides_code_is_the_readmes() -> None:
    # Every example lives in the README (run and type-checked by test_readme_code); a guide
    # that grew a Python block of its own would have it checked by nobody.
    assert [block.where for block in OWN] == []
