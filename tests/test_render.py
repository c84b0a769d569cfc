"""Quality gates 1, 2 and 4 for the rendered combinations (STATIC in
tests/rendering.py: the defaults, everything on per framework and a strength-3
covering array): each renders clean files, passes the project's own ruff and
mypy --strict, and its CI, Docker and compose files pass offline validators.
Kubernetes and monitoring files have their own module, tests/test_operations.py.

Each combination is rendered once per session (tests/rendering.py RenderCache).
Combinations with the same Python files share one xdist worker (`over()`
groups them by `python_key`), so that comparing them with each other renders
nothing twice. ruff runs once per set of Python files (PYTHON_COMBINATIONS):
the other answers change no file it reads
(test_only_python_answers_change_python_files). mypy and the security checks
run once per set among a pairwise subset of them (TYPED_COMBINATIONS).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import checks
import pytest
import yaml
from answers import Combination
from compiled_templates import compiled_each_time
from generated_project import checker_environment, declared_requirements
from rendering import (
    DEFAULTS,
    EVERYTHING_ON_PER_FRAMEWORK,
    MODEL,
    PACKAGE_NAME,
    PYTHON_COMBINATIONS,
    PYTHON_DERIVED,
    STATIC,
    TYPED_COMBINATIONS,
    Render,
    RenderCache,
    RenderedProject,
    answered,
    git,
    having,
    over,
    python_key,
    read_env_file,
    rendered_files,
)

Checker = Callable[[str], Path]

# What each CI choice adds to the project root; `none` adds nothing.
CI_PATHS = {"github": ".github", "gitlab": ".gitlab-ci.yml"}
# The pipeline files each CI choice renders.
CI_FILES = {"github": (".github/workflows/ci.yml",), "gitlab": (".gitlab-ci.yml",)}
# The Renovate manager that keeps each CI's actions or images current.
RENOVATE_CI_MANAGERS = {"github": "github-actions", "gitlab": "gitlabci"}
# What each Kubernetes choice adds; `none` adds nothing.
KUBERNETES_PATHS = {
    "kustomize": "infrastructure/kubernetes/kustomize",
    "helm": "infrastructure/kubernetes/helm",
}


@pytest.fixture(scope="session")
def checker(render_cache: RenderCache, shared_tmp: Path) -> Checker:
    """checker(python_version) -> a venv with the union of the runtime and dev
    dependencies generated projects on that Python declare (ruff, mypy, libraries)."""

    def environment_for(python_version: str) -> Path:
        requirements: set[str] = set()
        for combination in PYTHON_COMBINATIONS:
            if combination["python_version"] == python_version:
                pyproject = render_cache.get(combination).root / "pyproject.toml"
                requirements |= declared_requirements(pyproject)
        return checker_environment(shared_tmp / "checkers", python_version, requirements)

    return environment_for


@pytest.fixture(scope="session")
def mypy_cache(shared_tmp: Path, worker_id: str) -> Callable[[str], Path]:
    """One mypy cache per Python version and worker: the libraries are checked once."""
    return lambda python_version: shared_tmp / f"mypy-cache-py{python_version}-{worker_id}"


def test_templates_compiled_once_per_process_render_what_jinja_renders(
    render: Render, tmp_path: Path
) -> None:
    """The tests compile each template file once per process (compiled_templates.py):
    code compiled while rendering one combination renders another byte for byte
    as Jinja alone renders it (but for `.env`, whose secrets are new each time)."""
    render(tmp_path / "first", lock=False, **DEFAULTS.answers)
    answers = EVERYTHING_ON_PER_FRAMEWORK[0].answers
    shared = render(tmp_path / "shared", lock=False, **answers)
    with compiled_each_time():
        alone = render(tmp_path / "alone", lock=False, **answers)

    files = rendered_files(alone)
    assert rendered_files(shared) == files
    different = [
        path
        for path in files
        if path.name != ".env" and (shared / path).read_bytes() != (alone / path).read_bytes()
    ]
    assert different == []


@over(STATIC)
def test_combination_renders_its_answers(project: RenderedProject) -> None:
    answers = yaml.safe_load((project.root / ".copier-answers.yml").read_text(encoding="utf-8"))

    assert project.combination.answers.items() <= answers.items()
    assert (project.package_dir / "__init__.py").is_file()


@over(STATIC)
def test_no_leftover_jinja_markup(project: RenderedProject) -> None:
    assert checks.leftover_jinja(project.root, project.files) == []


@over(STATIC)
def test_no_empty_or_whitespace_only_files(project: RenderedProject) -> None:
    assert checks.empty_files(project.root, project.files) == []


@over(PYTHON_COMBINATIONS)
def test_ruff_check_passes(project: RenderedProject, checker: Checker) -> None:
    ruff = checker(project.combination["python_version"]) / "bin" / "ruff"

    result = checks.ruff_check(str(ruff), project.root)

    assert result.returncode == 0, checks.report(result)


@over(PYTHON_COMBINATIONS)
def test_ruff_format_leaves_output_unchanged(project: RenderedProject, checker: Checker) -> None:
    ruff = checker(project.combination["python_version"]) / "bin" / "ruff"

    result = checks.ruff_format_check(str(ruff), project.root)

    assert result.returncode == 0, checks.report(result)


@over(TYPED_COMBINATIONS)
def test_mypy_strict_passes(
    project: RenderedProject, checker: Checker, mypy_cache: Callable[[str], Path]
) -> None:
    version = project.combination["python_version"]
    mypy = checker(version) / "bin" / "mypy"

    result = checks.mypy_strict(str(mypy), project.root, mypy_cache(version))

    assert result.returncode == 0, checks.report(result)


@over(TYPED_COMBINATIONS)
def test_bandit_and_detect_secrets_pass(project: RenderedProject, checker: Checker) -> None:
    tools = checker(project.combination["python_version"]) / "bin"

    result = checks.security_checks(tools, project.root)

    assert result.returncode == 0, checks.report(result)


@over(PYTHON_COMBINATIONS)
def test_business_layer_imports_only_the_standard_library(
    project: RenderedProject,
) -> None:
    business = project.package_dir / "services" / "business"

    assert checks.foreign_imports(business) == []


# What must be the same code whichever framework serves the API: the business
# rules, and the end-to-end suite that talks HTTP to the running service.
FRAMEWORK_NEUTRAL_DIRECTORIES = (
    Path("src") / PACKAGE_NAME / "services" / "business",
    Path("tests") / "e2e",
)


@pytest.mark.parametrize("directory", FRAMEWORK_NEUTRAL_DIRECTORIES, ids=str)
@pytest.mark.skipif(
    len(answered("framework", STATIC)) < 2, reason="a single framework is rendered"
)
@pytest.mark.parametrize("auth", answered("auth", STATIC))
def test_framework_neutral_code_is_the_same_for_every_framework(
    render_cache: RenderCache, auth: str, directory: Path
) -> None:
    def files(framework: str) -> dict[Path, bytes]:
        root = render_cache.get(MODEL.combination(framework=framework, auth=auth)).root / directory
        return {path.relative_to(root): path.read_bytes() for path in root.rglob("*.py")}

    reference, *others = (files(framework) for framework in answered("framework", STATIC))

    assert reference
    for other in others:
        assert other == reference


@over(STATIC)
def test_yaml_files_have_no_errors(project: RenderedProject) -> None:
    result = checks.yamllint(project.root, project.files)

    assert result.returncode == 0, checks.report(result)


@over(STATIC)
def test_dockerfile_passes_hadolint(project: RenderedProject) -> None:
    result = checks.hadolint(project.root / "infrastructure" / "docker" / "Dockerfile")

    assert result.returncode == 0, checks.report(result)


@over(STATIC)
def test_image_and_ci_install_exactly_what_uv_lock_records(project: RenderedProject) -> None:
    """Every `uv sync` of the image build and the pipelines is `--locked`, and
    the image starts from an exact Python release."""
    build_files = [
        "infrastructure/docker/Dockerfile",
        *CI_FILES.get(project.combination["ci"], ()),
    ]
    for name in build_files:
        text = (project.root / name).read_text(encoding="utf-8")
        syncs = re.findall(r"uv sync\b[^\n]*", text)
        assert syncs, f"{name} runs no uv sync"
        assert all("--locked" in sync for sync in syncs), f"{name}: {syncs}"
    dockerfile = (project.root / "infrastructure" / "docker" / "Dockerfile").read_text(
        encoding="utf-8"
    )
    bases = re.findall(r"^FROM (python:\S+)", dockerfile, re.MULTILINE)
    python_version = project.combination["python_version"]
    assert bases, "the Dockerfile starts from no Python image"
    assert all(
        re.fullmatch(rf"python:{re.escape(python_version)}\.\d+-slim-\w+", b) for b in bases
    ), bases


@over(STATIC)
def test_compose_file_passes_docker_compose_config(project: RenderedProject) -> None:
    result = checks.compose_config(project.root / "compose.yaml")

    assert result.returncode == 0, checks.report(result)


@over(STATIC)
def test_compose_file_matches_compose_spec(project: RenderedProject) -> None:
    result = checks.json_schema("vendor.compose-spec", project.root / "compose.yaml")

    assert result.returncode == 0, checks.report(result)


@over(STATIC)
def test_renovate_config_matches_schema(project: RenderedProject) -> None:
    result = checks.json_schema("vendor.renovate", project.root / "renovate.json")

    assert result.returncode == 0, checks.report(result)


@over(STATIC)
def test_renovate_updates_the_ci_the_project_has_and_no_other(project: RenderedProject) -> None:
    config = json.loads((project.root / "renovate.json").read_text(encoding="utf-8"))
    expected = RENOVATE_CI_MANAGERS.get(project.combination["ci"])

    enabled = set(config["enabledManagers"]) & set(RENOVATE_CI_MANAGERS.values())

    assert enabled == ({expected} if expected else set())


@over(having(STATIC, ci="github") + having(STATIC, ci="gitlab"))
def test_template_update_script_passes_shellcheck(project: RenderedProject) -> None:
    script = project.root / "infrastructure" / "ci-cd" / "update-from-template"

    result = checks.run([checks.executable("shellcheck"), script], project.root)

    assert result.returncode == 0, checks.report(result)


def workflows(project: RenderedProject) -> list[Path]:
    return sorted((project.root / ".github" / "workflows").glob("*.y*ml"))


@over(having(STATIC, ci="github"))
def test_github_workflows_pass_actionlint(project: RenderedProject) -> None:
    assert workflows(project), "ci=github renders no workflow"
    for workflow in workflows(project):
        result = checks.actionlint(workflow)

        assert result.returncode == 0, checks.report(result)


@over(having(STATIC, ci="github"))
def test_github_workflows_match_schema(project: RenderedProject) -> None:
    assert workflows(project), "ci=github renders no workflow"
    for workflow in workflows(project):
        result = checks.json_schema("vendor.github-workflows", workflow)

        assert result.returncode == 0, checks.report(result)


@over(having(STATIC, ci="gitlab"))
def test_gitlab_ci_file_matches_schema(project: RenderedProject) -> None:
    result = checks.json_schema("vendor.gitlab-ci", project.root / ".gitlab-ci.yml")

    assert result.returncode == 0, checks.report(result)


@over(having(STATIC, ci="github"))
def test_github_template_update_runs_on_schedule_or_on_demand(project: RenderedProject) -> None:
    workflow = yaml.safe_load(
        (project.root / ".github" / "workflows" / "template-update.yml").read_text(
            encoding="utf-8"
        )
    )

    # PyYAML reads the key `on` as True.
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write"}


@over(having(STATIC, ci="gitlab"))
def test_gitlab_template_update_runs_in_scheduled_pipelines_only(
    project: RenderedProject,
) -> None:
    pipeline = yaml.safe_load((project.root / ".gitlab-ci.yml").read_text(encoding="utf-8"))

    [rule] = pipeline["template-update"]["rules"]
    assert rule["if"].startswith('$CI_PIPELINE_SOURCE == "schedule"')
    assert "when" not in rule


# The image CI runs each database server from.
CI_DATABASE_IMAGES = {"postgresql": "postgres:17", "mysql": "mariadb:11.4"}
CI_REDIS_IMAGE = "redis:8.2"
# The image CI runs each broker from (Redis's serves the cache too), and its URL scheme.
CI_BROKER_IMAGES = {"redis": CI_REDIS_IMAGE, "rabbitmq": "rabbitmq:4.1", "nats": "nats:2.11"}
BROKER_URL_SCHEMES = {"redis": "redis://", "rabbitmq": "amqp://", "nats": "nats://"}
# SQLAlchemy's URLs name the async driver; Django's name the database alone.
ASYNC_DRIVERS = {"postgresql": "asyncpg", "mysql": "aiomysql"}


def ci_database_url_scheme(combination: Combination) -> str:
    database = combination["database"]
    if combination["framework"] == "django":
        return f"{database}://"
    return f"{database}+{ASYNC_DRIVERS[database]}://"


def broker(combination: Combination) -> str | None:
    """The broker the queue takes events from; None without a queue."""
    return combination.get("broker") if combination.get("queue", "none") != "none" else None


@over(having(STATIC, ci="gitlab"))
def test_gitlab_ci_tests_against_the_servers_chosen_and_no_others(
    project: RenderedProject,
) -> None:
    pipeline = yaml.safe_load((project.root / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    test_job = pipeline["test"]
    services = test_job.get("services", [])

    images, variables = expected_ci_servers(project.combination)
    assert [service["name"] for service in services] == images
    assert sorted(name for name in test_job.get("variables", {}) if name.startswith("TEST_")) == (
        sorted(variables)
    )
    for name, prefix in variables.items():
        assert test_job["variables"][name].startswith(prefix)
    for service in services:
        if service["name"].startswith("nats:"):
            assert "-js" in service["command"], "NATS runs without JetStream"


def expected_ci_servers(combination: Combination) -> tuple[list[str], dict[str, str]]:
    """The server images a test job needs, and its TEST_* URLs with their schemes."""
    images: list[str] = []
    variables: dict[str, str] = {}
    if combination["database"] in CI_DATABASE_IMAGES:
        images.append(CI_DATABASE_IMAGES[combination["database"]])
        variables["TEST_DATABASE_URL"] = ci_database_url_scheme(combination)
    # One Redis serves the cache and a Redis broker alike.
    if combination["cache"] == "redis" or broker(combination) == "redis":
        images.append(CI_REDIS_IMAGE)
    if combination["cache"] == "redis":
        variables["TEST_CACHE_URL"] = "redis://"
    if chosen := broker(combination):
        if chosen != "redis":
            images.append(CI_BROKER_IMAGES[chosen])
        variables["TEST_BROKER_URL"] = BROKER_URL_SCHEMES[chosen]
    return images, variables


def started_by_steps(steps: list[dict[str, str]]) -> list[tuple[str, list[str]]]:
    """The images that steps start with `docker run` (a server that a service
    container cannot start), each with the arguments after it."""
    started = []
    for step in steps:
        if "docker run" in (run := step.get("run", "")):
            # The image is the first name:tag word; port mappings start with a digit.
            words = run.split()
            [position, *_] = (
                i for i, w in enumerate(words) if re.fullmatch(r"[a-z][\w./-]*:[\w.-]+", w)
            )
            started.append((words[position], words[position + 1 :]))
    return started


@over(having(STATIC, ci="github"))
def test_github_workflow_tests_against_the_servers_chosen_and_no_others(
    project: RenderedProject,
) -> None:
    workflow = yaml.safe_load(
        (project.root / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    )
    test_job = workflow["jobs"]["test"]
    started = started_by_steps(test_job["steps"])

    images, variables = expected_ci_servers(project.combination)
    services = [service["image"] for service in test_job.get("services", {}).values()]
    assert services + [image for image, _ in started] == images
    assert sorted(test_job.get("env", {})) == sorted(variables)
    for name, prefix in variables.items():
        assert test_job["env"][name].startswith(prefix)
    for image, arguments in started:
        if image.startswith("nats:"):
            assert "-js" in arguments, "NATS runs without JetStream"


def expected_compose_servers(combination: Combination) -> set[str]:
    """The compose services of the servers the project needs."""
    servers = {"db"} if combination["database"] in CI_DATABASE_IMAGES else set()
    if combination["cache"] == "redis" or broker(combination) == "redis":
        servers.add("redis")
    if chosen := broker(combination):
        servers.add(chosen)
    return servers


@over(STATIC)
def test_compose_runs_the_servers_chosen_and_no_others(project: RenderedProject) -> None:
    compose = yaml.safe_load((project.root / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    # The service's own image is built; monitoring is behind a profile.
    servers = {
        name: service
        for name, service in services.items()
        if "build" not in service and "profiles" not in service
    }
    chosen = broker(project.combination)

    assert set(servers) == expected_compose_servers(project.combination)
    for name, server in servers.items():
        assert all(port.startswith("127.0.0.1:") for port in server["ports"]), name
        assert "healthcheck" in server, name
        # The database is the migrations' to wait for; the app waits for them.
        waiting = services["migrate" if name == "db" else "app"]["depends_on"]
        assert name in waiting, name
    environment = services["app"]["environment"]
    if chosen is None:
        assert "BROKER_URL" not in environment
        assert "worker" not in services
        return
    url = environment["BROKER_URL"]
    assert url.startswith(BROKER_URL_SCHEMES[chosen])
    assert f"@{chosen}:" in url or f"//{chosen}:" in url, url
    # Its readiness asks what the service's does.
    assert services["worker"]["depends_on"] == services["app"]["depends_on"]
    assert chosen in services["worker"]["depends_on"]
    # What the broker holds outlives its container.
    assert any(volume.split(":")[0] in compose["volumes"] for volume in servers[chosen]["volumes"])
    if chosen == "nats":
        assert "-js" in servers["nats"]["command"], "NATS runs without JetStream"


@over(having(STATIC, ci="gitlab"))
def test_gitlab_ci_runs_the_uv_and_python_of_the_dockerfile(
    project: RenderedProject,
) -> None:
    dockerfile = (project.root / "infrastructure" / "docker" / "Dockerfile").read_text(
        encoding="utf-8"
    )
    uv_image = re.search(r"^FROM (ghcr\.io/astral-sh/uv:\S+) AS uv$", dockerfile, re.MULTILINE)
    assert uv_image, "the Dockerfile names no uv image"
    pipeline = yaml.safe_load((project.root / ".gitlab-ci.yml").read_text(encoding="utf-8"))

    python_version = project.combination["python_version"]
    assert pipeline[".uv"]["image"] == f"{uv_image[1]}-python{python_version}-trixie-slim"


@pytest.mark.parametrize(
    "ci",
    [
        pytest.param(ci, marks=pytest.mark.xdist_group(python_key(DEFAULTS)))
        for ci in answered("ci", STATIC)
    ],
)
def test_ci_choice_renders_only_its_own_ci_files(render_cache: RenderCache, ci: str) -> None:
    assert set(CI_PATHS) == set(MODEL.values("ci")) - {"none"}, "CI_PATHS misses a CI choice"
    project = render_cache.get(MODEL.combination(ci=ci))

    rendered = {choice for choice, path in CI_PATHS.items() if (project.root / path).exists()}

    assert rendered == ({ci} & CI_PATHS.keys())


def python_inputs(project: RenderedProject) -> dict[Path, bytes]:
    """The files ruff and mypy read: Python sources and their configuration."""
    return {
        relative: (project.root / relative).read_bytes()
        for relative in project.files
        if relative.suffix in {".py", ".pyi"}
        or relative.name in {"pyproject.toml", ".python-version"}
    }


@over(PYTHON_DERIVED)
def test_only_python_answers_change_python_files(
    project: RenderedProject, render_cache: RenderCache
) -> None:
    # What allows ruff, mypy and the generated suites to run on PYTHON_COMBINATIONS only:
    # the NOT_SHAPING_PYTHON answers add files of their own and change no Python file.
    key = python_key(project.combination)
    representative = next(c for c in PYTHON_COMBINATIONS if python_key(c) == key)

    assert python_inputs(project) == python_inputs(render_cache.get(representative))


@pytest.mark.parametrize(
    "kubernetes",
    [
        pytest.param(choice, marks=pytest.mark.xdist_group(python_key(DEFAULTS)))
        for choice in answered("kubernetes", STATIC)
    ],
)
def test_kubernetes_choice_renders_only_its_own_files(
    render_cache: RenderCache, kubernetes: str
) -> None:
    assert set(KUBERNETES_PATHS) == set(MODEL.values("kubernetes")) - {"none"}
    project = render_cache.get(MODEL.combination(kubernetes=kubernetes))

    rendered = {
        choice for choice, path in KUBERNETES_PATHS.items() if (project.root / path).exists()
    }

    assert rendered == ({kubernetes} & KUBERNETES_PATHS.keys())


def git_ignores(repository: Path, path: str) -> bool:
    return (
        subprocess.run(
            ["git", "check-ignore", "--quiet", path], cwd=repository, check=False
        ).returncode
        == 0
    )


@over(STATIC)
def test_env_file_is_git_ignored_and_example_is_not(
    project: RenderedProject, tmp_path: Path
) -> None:
    assert (project.root / ".env").is_file()
    assert (project.root / ".env.example").is_file()
    shutil.copy(project.root / ".gitignore", tmp_path / ".gitignore")
    git(tmp_path, "init", "--quiet")

    assert git_ignores(tmp_path, ".env")
    assert not git_ignores(tmp_path, ".env.example")


@over(STATIC)
def test_secrets_appear_only_in_env_file(project: RenderedProject) -> None:
    secrets = checks.secret_values(read_env_file(project.root / ".env"))
    if project.combination["auth"] == "jwt":
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


@pytest.mark.parametrize(
    "everything_on",
    [pytest.param(c, id=c["framework"]) for c in EVERYTHING_ON_PER_FRAMEWORK],
)
def test_long_package_name_output_is_still_formatted(
    render: Render, tmp_path: Path, checker: Checker, everything_on: Combination
) -> None:
    # Import lines and names grow with the package name; every file must stay
    # ruff-clean at the longest name the validator allows (the default is cut to fit).
    project = render(
        tmp_path / "long-name",
        **{
            **everything_on.answers,
            "project_name": 'Northwind "Customer" Loyalty Points & Rewards Service for Stores',
        },
    )
    assert (project / "src" / "northwind_customer_loyalty_point").is_dir()
    ruff = str(checker(DEFAULTS["python_version"]) / "bin" / "ruff")

    for result in (checks.ruff_check(ruff, project), checks.ruff_format_check(ruff, project)):
        assert result.returncode == 0, checks.report(result)
