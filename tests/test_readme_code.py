"""The README's Python code: every block type-checks under `mypy --strict`, and those that are
neither a fragment nor one of examples/ (run by their own tests) run against an ExaServer.

A fragment is marked by an HTML comment on the line before it: `<!-- not checked: why -->`.
"""

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

BLOCKS = blocks(ROOT / "README.md")


def test_the_blocks_are_found() -> None:
    assert len(BLOCKS) > 20
    fragments = [b for b in BLOCKS if b.fragment]
    assert len(fragments) <= len(BLOCKS) // 3  # marked sparingly
    assert sum(b.example is not None for b in BLOCKS) >= 8


def test_every_block_type_checks(tmp_path: Path) -> None:
    assert type_errors(BLOCKS, tmp_path) == []


RUNNABLE = runnable(BLOCKS)


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda b: f"line {b.line}")
def test_the_block_runs_against_a_new_account(block: Block, tmp_path: Path) -> None:
    run_against_a_new_account(block, tmp_path)


def test_enough_blocks_run() -> None:
    assert len(RUNNABLE) >= 6


def test_each_fragment_is_one(tmp_path: Path) -> None:
    assert any(b.fragment for b in BLOCKS)
    assert fragments_that_stand_alone(BLOCKS, tmp_path) == []
