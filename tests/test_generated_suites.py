"""Quality gate 3: generated projects pass their own test suites, coverage gate
included, against the real database they chose, and serve the HTTP contract.

Which projects: SUITES in tests/rendering.py. By default, the defaults,
everything on for each framework, and a pairwise covering array of the
answers that shape Python files or services (every allowed pair of their
values appears in a project whose suite runs; tests/covering.py). With
GROUNDWORK_MATRIX=full (nox -s matrix): every distinct set of Python files;
with GROUNDWORK_MATRIX=quick (nox -s quick): the defaults only.

The contract (tests/contracts/) is what every framework must serve: the same
paths, methods, status codes and media types, and the same rules for what a
request may carry (bounds, patterns, unknown fields), per `auth` answer; a
project with a queue also serves the paths of the `*-queue-*` fragments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import checks
import pytest
import yaml
from answers import Combination
from generated_project import (
    COVERAGE_FLOOR,
    coverage_reached,
    http_contract,
    openapi_document,
    request_contract,
    require_servers,
    run_own_tests,
    sync,
)
from rendering import COMPLETE, PACKAGE_NAME, SUITES, Render

CONTRACTS = Path(__file__).parent / "contracts"

pytestmark = pytest.mark.slow


def contract(kind: str, combination: Combination) -> dict[str, Any]:
    """The `kind` contract ("http" or "requests") these answers' project must
    serve: the one for its `auth` answer, and with a queue the paths it adds."""
    auth = combination["auth"]
    fragments = [f"{kind}-auth-{auth}.yaml"]
    if combination.get("queue", "none") != "none":
        fragments.append(f"{kind}-queue-auth-{auth}.yaml")
    paths: dict[str, Any] = {}
    for fragment in fragments:
        added = yaml.safe_load((CONTRACTS / fragment).read_text("utf-8"))
        assert not paths.keys() & added.keys(), f"{fragment} states a path again"
        paths |= added
    return paths


def tail(output: str, lines: int = 150) -> str:
    return "\n".join(output.splitlines()[-lines:])


# Each combination of SUITES, rendered and installed once for both tests, on
# one worker.
over_suites = pytest.mark.parametrize(
    "synced_project",
    [pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(f"suite-{c.id}")) for c in SUITES],
    indirect=True,
    scope="module",
)


@pytest.fixture(scope="module")
def synced_project(
    request: pytest.FixtureRequest, render: Render, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Combination, Path]:
    """The combination rendered and installed with `uv sync`, once for its tests."""
    combination: Combination = request.param
    project = render(tmp_path_factory.mktemp("suite") / combination.id, **combination.answers)
    synced = sync(project)
    assert synced.returncode == 0, tail(synced.stdout + synced.stderr)
    return combination, project


@over_suites
def test_generated_project_passes_its_own_tests(synced_project: tuple[Combination, Path]) -> None:
    combination, project = synced_project
    require_servers(combination.answers)

    result = run_own_tests(project, costly=combination in COMPLETE)

    assert result.returncode == 0, tail(result.stdout + result.stderr)
    floor = coverage_reached(result.stdout)
    assert floor is not None, "the generated suite reports no coverage gate"
    assert floor >= COVERAGE_FLOOR, f"coverage gate lowered to {floor}%"


@over_suites
def test_generated_project_serves_the_http_contract(
    synced_project: tuple[Combination, Path], tmp_path: Path
) -> None:
    combination, project = synced_project
    responses, requests = (contract(kind, combination) for kind in ("http", "requests"))

    document = openapi_document(project, PACKAGE_NAME, tmp_path / "openapi.json")

    assert checks.openapi_problems(document) == []
    assert http_contract(document) == responses
    assert request_contract(document) == requests
