"""The guides' Python code (docs/*.md), checked as the README's is: every block type-checks
under `mypy --strict`, and those that are neither a fragment nor one of examples/ run against
an ExaServer, so that no documented example drifts."""

from __future__ import annotations

from pathlib import Path

import pytest

from doc_blocks import (
    ROOT,
    Block,
    blocks,
    fragments_that_stand_alone,
    run_against_a_new_account,
    runnable,
    type_errors,
)

GUIDES = sorted((ROOT / "docs").glob("*.md"))
BLOCKS = [block for guide in GUIDES for block in blocks(guide)]
RUNNABLE = runnable(BLOCKS)


def test_every_guide_is_found() -> None:
    names = {guide.name for guide in GUIDES}
    assert {"quickstart.md", "managing.md", "receiving.md", "testing.md", "cli.md"} <= names
    assert {"reliability.md"} <= names
    assert len(BLOCKS) > 20
    assert len(RUNNABLE) >= 6


def test_every_block_type_checks(tmp_path: Path) -> None:
    assert type_errors(BLOCKS, tmp_path) == []


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda b: b.slug)
def test_the_block_runs_against_a_new_account(block: Block, tmp_path: Path) -> None:
    run_against_a_new_account(block, tmp_path)


def test_each_fragment_is_one(tmp_path: Path) -> None:
    assert fragments_that_stand_alone(BLOCKS, tmp_path) == []
