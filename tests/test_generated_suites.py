"""Quality gate 3: generated projects pass their own test suites, coverage gate
included, against the real database they chose.

By default: the defaults, plus a covering array of the answers that shape the
Python files (every pair of their values appears in a project whose suite
runs; tests/covering.py). GROUNDWORK_FULL_MATRIX=1 (nox -s matrix) runs every
distinct set of Python files among the rendered combinations.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from generated_project import (
    COVERAGE_FLOOR,
    coverage_reached,
    require_database_server,
    run_own_tests,
    sync,
)
from rendering import (
    DEFAULTS,
    PYTHON_COMBINATIONS,
    PYTHON_COVERING_COMBINATIONS,
    Combination,
    Render,
)

SELECTED = tuple(dict.fromkeys((DEFAULTS, *PYTHON_COVERING_COMBINATIONS)))

FULL_MATRIX = os.environ.get("GROUNDWORK_FULL_MATRIX") == "1"


def tail(output: str, lines: int = 150) -> str:
    return "\n".join(output.splitlines()[-lines:])


@pytest.mark.slow
@pytest.mark.parametrize(
    "combination",
    [pytest.param(c, id=c.id) for c in (PYTHON_COMBINATIONS if FULL_MATRIX else SELECTED)],
)
def test_generated_project_passes_its_own_tests(
    combination: Combination, render: Render, tmp_path: Path
) -> None:
    require_database_server(combination.database)
    project = render(tmp_path / combination.id, **combination.answers)

    synced = sync(project)
    assert synced.returncode == 0, tail(synced.stdout + synced.stderr)
    result = run_own_tests(project)

    assert result.returncode == 0, tail(result.stdout + result.stderr)
    floor = coverage_reached(result.stdout)
    assert floor is not None, "the generated suite reports no coverage gate"
    assert floor >= COVERAGE_FLOOR, f"coverage gate lowered to {floor}%"
