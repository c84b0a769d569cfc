"""Quality gate 3: generated projects pass their own test suites, coverage gate
included, against the real database they chose.

A selected subset runs by default; GROUNDWORK_FULL_MATRIX=1 (nox -s matrix)
runs every combination of the answers that shape the Python files
(PYTHON_COMBINATIONS: the CI choice adds no file the suite runs).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from generated_project import COVERAGE_FLOOR, coverage_reached, run_own_tests, sync
from rendering import DEFAULTS, PYTHON_COMBINATIONS, Combination, Render

SELECTED = (
    DEFAULTS,
    Combination(database="postgresql", auth="jwt"),
    Combination(database="sqlite", auth="none"),
    Combination(python_version="3.11"),
    Combination(python_version="3.13", database="postgresql"),
)

FULL_MATRIX = os.environ.get("GROUNDWORK_FULL_MATRIX") == "1"


def tail(output: str, lines: int = 150) -> str:
    return "\n".join(output.splitlines()[-lines:])


@pytest.mark.slow
@pytest.mark.parametrize(
    "combination",
    [pytest.param(c, id=c.id) for c in (PYTHON_COMBINATIONS if FULL_MATRIX else SELECTED)],
)
def test_generated_project_passes_its_own_tests(
    combination: Combination, render: Render, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if combination.database == "postgresql":
        request.getfixturevalue("postgres_server")
    project = render(tmp_path / combination.id, **combination.answers)

    synced = sync(project)
    assert synced.returncode == 0, tail(synced.stdout + synced.stderr)
    result = run_own_tests(project)

    assert result.returncode == 0, tail(result.stdout + result.stderr)
    floor = coverage_reached(result.stdout)
    assert floor is not None, "the generated suite reports no coverage gate"
    assert floor >= COVERAGE_FLOOR, f"coverage gate lowered to {floor}%"
