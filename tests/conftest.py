"""Fixtures shared by the template's tests: a git snapshot of the template,
rendering, and the environment generated projects install and run in."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from generated_project import DEFAULT_TEST_DATABASE_URL
from interpreters import pyenv_versions
from rendering import Render, RenderCache, render_project, snapshot_template


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


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's working tree as a git repository tagged v1."""
    return snapshot_template(tmp_path_factory.mktemp("template") / "groundwork")


@pytest.fixture
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


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server generated projects test against (TEST_DATABASE_URL);
    fails, never skips, when it is down."""
    url = urlsplit(os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL))
    host, port = url.hostname or "127.0.0.1", url.port or 5432
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as error:
        pytest.fail(
            f"PostgreSQL is not reachable on {host}:{port} ({error}); "
            "run scripts/ensure-services (nox -s tests does) and try again",
            pytrace=False,
        )
    return f"{host}:{port}"
