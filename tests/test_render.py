"""Quality gates 1, 2 and 4 for every combination of stack answers: it renders
clean files, passes the project's own ruff and mypy --strict, and its CI,
Docker and compose files pass offline validators.

Each combination is rendered once per session (tests/rendering.py RenderCache)
and all its checks run on one xdist worker (xdist_group).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import checks
import pytest
from generated_project import checker_environment, declared_requirements
from rendering import (
    ALL_COMBINATIONS,
    DEFAULTS,
    Combination,
    Render,
    RenderCache,
    RenderedProject,
    git,
    read_env_file,
)

Checker = Callable[[str], Path]


def combination_params(combinations: Iterable[Combination]) -> list[object]:
    return [
        pytest.param(combination, id=combination.id, marks=pytest.mark.xdist_group(combination.id))
        for combination in combinations
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Parametrized here, not in fixture params, so that the xdist_group marks
    # exist at collection: all checks of a combination share one worker's render.
    if "project" in metafunc.fixturenames:
        metafunc.parametrize("project", combination_params(ALL_COMBINATIONS), indirect=True)
    if "github_project" in metafunc.fixturenames:
        github = (c for c in ALL_COMBINATIONS if c.ci == "github")
        metafunc.parametrize("github_project", combination_params(github), indirect=True)


@pytest.fixture
def project(request: pytest.FixtureRequest, render_cache: RenderCache) -> RenderedProject:
    combination: Combination = request.param
    return render_cache.get(combination)


@pytest.fixture
def github_project(request: pytest.FixtureRequest, render_cache: RenderCache) -> RenderedProject:
    combination: Combination = request.param
    return render_cache.get(combination)


@pytest.fixture(scope="session")
def checker(render_cache: RenderCache, shared_tmp: Path) -> Checker:
    """checker(python_version) -> a venv with the union of the runtime and dev
    dependencies generated projects on that Python declare (ruff, mypy, libraries)."""

    def environment_for(python_version: str) -> Path:
        requirements: set[str] = set()
        for combination in ALL_COMBINATIONS:
            if combination.python_version == python_version and combination.ci == DEFAULTS.ci:
                pyproject = render_cache.get(combination).root / "pyproject.toml"
                requirements |= declared_requirements(pyproject)
        return checker_environment(shared_tmp / "checkers", python_version, requirements)

    return environment_for


@pytest.fixture(scope="session")
def mypy_cache(shared_tmp: Path, worker_id: str) -> Callable[[str], Path]:
    """One mypy cache per Python version and worker: the libraries are checked once."""
    return lambda python_version: shared_tmp / f"mypy-cache-py{python_version}-{worker_id}"


def test_combination_renders_its_answers(project: RenderedProject) -> None:
    answers = (project.root / ".copier-answers.yml").read_text(encoding="utf-8")

    for question, answer in project.combination.answers.items():
        assert f"{question}: {answer}" in answers or f"{question}: '{answer}'" in answers
    assert (project.package_dir / "__init__.py").is_file()


def test_no_leftover_jinja_markup(project: RenderedProject) -> None:
    assert checks.leftover_jinja(project.root, project.files) == []


def test_no_empty_or_whitespace_only_files(project: RenderedProject) -> None:
    assert checks.empty_files(project.root, project.files) == []


def test_ruff_check_passes(project: RenderedProject, checker: Checker) -> None:
    ruff = checker(project.combination.python_version) / "bin" / "ruff"

    result = checks.ruff_check(str(ruff), project.root)

    assert result.returncode == 0, checks.report(result)


def test_ruff_format_leaves_output_unchanged(project: RenderedProject, checker: Checker) -> None:
    ruff = checker(project.combination.python_version) / "bin" / "ruff"

    result = checks.ruff_format_check(str(ruff), project.root)

    assert result.returncode == 0, checks.report(result)


def test_mypy_strict_passes(
    project: RenderedProject, checker: Checker, mypy_cache: Callable[[str], Path]
) -> None:
    version = project.combination.python_version
    mypy = checker(version) / "bin" / "mypy"

    result = checks.mypy_strict(str(mypy), project.root, mypy_cache(version))

    assert result.returncode == 0, checks.report(result)


def test_yaml_files_have_no_errors(project: RenderedProject) -> None:
    result = checks.yamllint(project.root, project.files)

    assert result.returncode == 0, checks.report(result)


def test_dockerfile_passes_hadolint(project: RenderedProject) -> None:
    result = checks.hadolint(project.root / "infrastructure" / "docker" / "Dockerfile")

    assert result.returncode == 0, checks.report(result)


def test_compose_file_passes_docker_compose_config(project: RenderedProject) -> None:
    result = checks.compose_config(project.root / "compose.yaml")

    assert result.returncode == 0, checks.report(result)


def test_compose_file_matches_compose_spec(project: RenderedProject) -> None:
    result = checks.json_schema("vendor.compose-spec", project.root / "compose.yaml")

    assert result.returncode == 0, checks.report(result)


def workflows(project: RenderedProject) -> list[Path]:
    return sorted((project.root / ".github" / "workflows").glob("*.y*ml"))


def test_github_workflows_pass_actionlint(github_project: RenderedProject) -> None:
    assert workflows(github_project), "ci=github renders no workflow"
    for workflow in workflows(github_project):
        result = checks.actionlint(workflow)

        assert result.returncode == 0, checks.report(result)


def test_github_workflows_match_schema(github_project: RenderedProject) -> None:
    assert workflows(github_project), "ci=github renders no workflow"
    for workflow in workflows(github_project):
        result = checks.json_schema("vendor.github-workflows", workflow)

        assert result.returncode == 0, checks.report(result)


def test_no_ci_renders_no_workflows(render_cache: RenderCache) -> None:
    project = render_cache.get(Combination(ci="none"))

    assert not (project.root / ".github").exists()


def git_ignores(repository: Path, path: str) -> bool:
    return (
        subprocess.run(
            ["git", "check-ignore", "--quiet", path], cwd=repository, check=False
        ).returncode
        == 0
    )


def test_env_file_is_git_ignored_and_example_is_not(
    project: RenderedProject, tmp_path: Path
) -> None:
    assert (project.root / ".env").is_file()
    assert (project.root / ".env.example").is_file()
    shutil.copy(project.root / ".gitignore", tmp_path / ".gitignore")
    git(tmp_path, "init", "--quiet")

    assert git_ignores(tmp_path, ".env")
    assert not git_ignores(tmp_path, ".env.example")


def test_secrets_appear_only_in_env_file(project: RenderedProject) -> None:
    secrets = checks.secret_values(read_env_file(project.root / ".env"))
    if project.combination.auth == "jwt":
        assert "SECRET_KEY" in secrets

    for name, value in secrets.items():
        leaks = checks.files_containing(
            project.root, (f for f in project.files if f != Path(".env")), value
        )
        assert leaks == [], f"the value of {name} from .env is also written to {leaks}"


def test_each_copy_generates_its_own_secrets(render: Render, tmp_path: Path) -> None:
    first = read_env_file(render(tmp_path / "first") / ".env")
    second = read_env_file(render(tmp_path / "second") / ".env")

    secrets = checks.secret_values(first)
    assert secrets
    for name, value in secrets.items():
        assert second[name] != value, f"{name} is the same in two copies"


def test_long_package_name_output_is_still_formatted(
    render: Render, tmp_path: Path, checker: Checker
) -> None:
    # Import lines grow with the package name; the output must stay ruff-clean
    # at the longest name the validator allows (the default is cut to fit).
    project = render(
        tmp_path / "long-name",
        project_name='Northwind "Customer" Loyalty Points & Rewards Service for Stores',
        database="postgresql",
    )
    assert (project / "src" / "northwind_customer_loyalty_point").is_dir()
    ruff = str(checker(DEFAULTS.python_version) / "bin" / "ruff")

    for result in (checks.ruff_check(ruff, project), checks.ruff_format_check(ruff, project)):
        assert result.returncode == 0, checks.report(result)
