"""Fixtures shared by the template's tests: a git snapshot of the template,
rendering, and the environment generated projects install and run in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from compiled_templates import share_compiled_templates
from interpreters import pyenv_versions
from rendering import (
    MATRIX,
    MODES,
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
    # Each process compiles each of the template's files once, not at every render.
    share_compiled_templates()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how large the matrix is, which combinations were rendered and checked,
    and which generated projects ran their own suites, and how each ended."""
    reports = [
        report
        for outcome in ("passed", "failed", "error")
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", None) == "call"
    ]
    rendered = sorted(
        {
            value
            for report in reports
            for name, value in report.user_properties
            if name == "combination"
        }
    )
    ran = [
        (report.nodeid.split("[", 1)[1].split("]", 1)[0], report.outcome)
        for report in reports
        if "test_generated_project_passes_its_own_tests[" in report.nodeid
    ]
    if not rendered and not ran:
        return
    terminalreporter.section("matrix")
    terminalreporter.write_line(f"GROUNDWORK_MATRIX={MATRIX.mode}: {MODES[MATRIX.mode]}")
    terminalreporter.write_line(
        ", ".join(f"{name}: {size}" for name, size in MATRIX.sizes().items())
    )
    if rendered:
        terminalreporter.write_line(f"combinations rendered and checked here ({len(rendered)}):")
        for combination in rendered:
            terminalreporter.write_line(f"        {combination}")
    if ran:
        terminalreporter.write_line("generated projects whose own suites ran:")
        complete = {combination.id for combination in MATRIX.complete}
        for combination, outcome in sorted(ran):
            note = "  (and its costly tests)" if combination in complete else ""
            terminalreporter.write_line(f"{outcome:>6}  {combination}{note}")


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


@pytest.fixture
def project(request: pytest.FixtureRequest, render_cache: RenderCache) -> RenderedProject:
    """The project rendered for the combination the test is parametrized with:
    `@over(combinations)` (rendering.py) says which, at each test."""
    combination: Combination = request.param
    request.node.user_properties.append(("combination", combination.id))
    return render_cache.get(combination)
