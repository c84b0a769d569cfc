"""Fixtures shared by the template's tests: a git snapshot of the template,
rendering, and the environment generated projects install and run in."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from interpreters import pyenv_versions
from rendering import (
    ALL_COMBINATIONS,
    DEPLOYMENT_CHECK_COMBINATIONS,
    MANIFEST_COMBINATIONS,
    METRICS_COMBINATIONS,
    PYTHON_COMBINATIONS,
    Combination,
    Render,
    RenderCache,
    RenderedProject,
    render_project,
    snapshot_template,
)


def pytest_configure(config: pytest.Config) -> None:
    # Commits made by the tests (template snapshots, generated projects).
    for variable, value in {
        "GIT_AUTHOR_NAME": "Groundwork Tests",
        "GIT_AUTHOR_EMAIL": "tests@groundwork.invalid",
        "GIT_COMMITTER_NAME": "Groundwork Tests",
        "GIT_COMMITTER_EMAIL": "tests@groundwork.invalid",
    }.items():
        os.environ.setdefault(variable, value)
    if versions := pyenv_versions():
        os.environ["PYENV_VERSION"] = versions
    # One uv cache for every generated project: installs become hard links.
    os.environ.setdefault("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which generated projects ran their own suites, and how each ended."""
    ran = [
        (report.nodeid.split("[", 1)[1].split("]", 1)[0], report.outcome)
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call"
        and "test_generated_project_passes_its_own_tests[" in report.nodeid
    ]
    if ran:
        terminalreporter.section("generated projects whose own suites ran")
        for combination, outcome in sorted(ran):
            terminalreporter.write_line(f"{outcome:>6}  {combination}")


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's working tree as a git repository tagged v1."""
    return snapshot_template(tmp_path_factory.mktemp("template") / "groundwork")


@pytest.fixture(scope="session")
def render(template_repo: Path) -> Render:
    """`render(destination, **answers)`: copy the template like `copier copy --defaults -d`."""

    def render_into(destination: Path, **answers: Any) -> Path:
        return render_project(template_repo, destination, **answers)

    return render_into


@pytest.fixture(scope="session")
def render_cache(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> RenderCache:
    return RenderCache(template_repo, tmp_path_factory.mktemp("renders"))


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A temporary directory shared by all xdist workers of this test run."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base
    return shared / "shared"


# The combinations each rendered-project fixture runs over.
PROJECT_FIXTURES: dict[str, tuple[Combination, ...]] = {
    "project": ALL_COMBINATIONS,
    "python_project": PYTHON_COMBINATIONS,
    # Python files identical to a PYTHON_COMBINATIONS project's, by python_id.
    "derived_project": tuple(c for c in ALL_COMBINATIONS if c not in PYTHON_COMBINATIONS),
    "github_project": tuple(c for c in ALL_COMBINATIONS if c.ci == "github"),
    "gitlab_project": tuple(c for c in ALL_COMBINATIONS if c.ci == "gitlab"),
    "kustomize_project": tuple(c for c in MANIFEST_COMBINATIONS if c.kubernetes == "kustomize"),
    "helm_project": tuple(c for c in MANIFEST_COMBINATIONS if c.kubernetes == "helm"),
    "manifests_project": MANIFEST_COMBINATIONS,
    "metrics_project": METRICS_COMBINATIONS,
    "deployment_check_project": DEPLOYMENT_CHECK_COMBINATIONS,
}


def combination_params(combinations: Iterable[Combination]) -> list[object]:
    return [
        pytest.param(
            combination,
            id=combination.id,
            marks=pytest.mark.xdist_group(combination.python_id),
        )
        for combination in combinations
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Parametrized here, not in fixture params, so that the xdist_group marks
    # exist at collection: all checks of a combination share one worker's render.
    for fixture, combinations in PROJECT_FIXTURES.items():
        # A test module's own fixture of the same name shadows ours: leave it alone.
        if fixture in metafunc.fixturenames and not hasattr(metafunc.module, fixture):
            metafunc.parametrize(fixture, combination_params(combinations), indirect=True)


def rendered_combination(
    request: pytest.FixtureRequest, render_cache: RenderCache
) -> RenderedProject:
    """The project rendered for the combination pytest_generate_tests assigned."""
    combination: Combination = request.param
    return render_cache.get(combination)


# One fixture per selection in PROJECT_FIXTURES, all rendering the same way.
project = pytest.fixture(name="project")(rendered_combination)
python_project = pytest.fixture(name="python_project")(rendered_combination)
derived_project = pytest.fixture(name="derived_project")(rendered_combination)
github_project = pytest.fixture(name="github_project")(rendered_combination)
gitlab_project = pytest.fixture(name="gitlab_project")(rendered_combination)
kustomize_project = pytest.fixture(name="kustomize_project")(rendered_combination)
helm_project = pytest.fixture(name="helm_project")(rendered_combination)
manifests_project = pytest.fixture(name="manifests_project")(rendered_combination)
metrics_project = pytest.fixture(name="metrics_project")(rendered_combination)
deployment_check_project = pytest.fixture(name="deployment_check_project")(rendered_combination)
