"""Sessions for working on the template:
nox -s lint | tests | quick | matrix | matrix_sizes | demo | docs | bench | bench_service."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
from interpreters import pyenv_versions  # shared with the test suite
from profiles import EVERYTHING_ON  # checked against copier.yml by the test suite

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "tests"]

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
DEMO_DIR = ROOT / "build" / "demo"
DEMO_NAME = "Groundwork Demo"
DEMO_SLUG = "groundwork-demo"
BENCH_RUNS = 7
FRAMEWORKS = ("fastapi", "litestar", "django")


def uv_environment() -> dict[str, str]:
    """Let uv find every installed Python, and share one cache between projects."""
    environment = {
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))
    }
    if versions := pyenv_versions():
        environment["PYENV_VERSION"] = versions
    return environment


def install_group(session: nox.Session, group: str) -> None:
    session.install(*nox.project.dependency_groups(PYPROJECT, group))


def require_a_commit(session: nox.Session) -> None:
    """Copier renders from git (uncommitted changes included); it needs one commit."""
    head = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if head.returncode != 0:
        session.error("the template repository has no commit yet: commit once, then rerun")


def cli_value(value: str | list[str]) -> str:
    """An answer as `copier copy -d` takes it: a list in YAML flow style."""
    return f"[{', '.join(value)}]" if isinstance(value, list) else value


def copier_copy(session: nox.Session, destination: Path, **answers: str | list[str]) -> None:
    data = [
        option for key, value in answers.items() for option in ("-d", f"{key}={cli_value(value)}")
    ]
    session.run(
        "copier",
        "copy",
        "--trust",
        "--defaults",
        "--quiet",
        "--vcs-ref",
        "HEAD",
        *data,
        str(ROOT),
        str(destination),
        silent=True,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and shellcheck on the template repository's own code."""
    install_group(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("shellcheck", "scripts/ensure-services", ".ci/run")


def run_tests(session: nox.Session, *, matrix: str, default_args: tuple[str, ...] = ()) -> None:
    """The test suite on two workers; `matrix` selects the combinations
    (GROUNDWORK_MATRIX, tests/rendering.py); arguments after `--` replace
    `default_args`."""
    install_group(session, "test")
    session.run(str(ROOT / "scripts" / "ensure-services"), external=True)
    environment: dict[str, str | None] = {
        **uv_environment(),
        "GROUNDWORK_MATRIX": matrix,
        # Bytecode caches on, where a machine turns them off: each module of a
        # throwaway environment is compiled once, not in every process that
        # imports it (servers, checkers, each generated suite's subprocesses).
        "PYTHONDONTWRITEBYTECODE": None,
    }
    session.run(
        "pytest",
        "-n",
        "2",
        "--dist",
        "loadgroup",
        "--durations",
        "15",
        *(session.posargs or default_args),
        env=environment,
    )


@nox.session
def tests(session: nox.Session) -> None:
    """The template's test suite, as CI runs it: the defaults, everything on per
    framework and a strength-3 covering array; suites on a pairwise array."""
    run_tests(session, matrix="ci")


@nox.session
def quick(session: nox.Session) -> None:
    """The edit loop: the defaults only, static gates and their own suite.

    The questions' validators, on every path an answer takes and at the
    prompt, are left to `tests` (they test no combination of answers, and
    would cost more than the rest of this session):
    `nox -s quick -- tests/test_questions.py tests/test_prompts.py` runs them alone."""
    questions = ("--ignore", "tests/test_questions.py", "--ignore", "tests/test_prompts.py")
    run_tests(session, matrix="quick", default_args=questions)


@nox.session
def matrix(session: nox.Session) -> None:
    """Every valid combination, and every distinct set of Python files' own
    suite (slow: hours; on demand)."""
    run_tests(session, matrix="full")


@nox.session
def matrix_sizes(session: nox.Session) -> None:
    """Print the sizes of the matrix, today and with three more 3-valued questions."""
    test_group = nox.project.dependency_groups(PYPROJECT, "test")
    install_group(session, "render")
    session.install(*(r for r in test_group if r.startswith(("pytest==", "pyyaml=="))))
    session.run("python", str(ROOT / "tests" / "matrix_sizes.py"))


@nox.session
def demo(session: nox.Session) -> None:
    """Render the defaults into build/demo and serve it on http://127.0.0.1:8000."""
    require_a_commit(session)
    install_group(session, "render")
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    copier_copy(session, DEMO_DIR, project_name=DEMO_NAME)
    session.log(f"Rendered {DEMO_DIR}; serving on http://127.0.0.1:8000 (Ctrl-C stops it)")
    # The demo gets its own .venv: drop what points uv at this session's venv.
    environment: dict[str, str | None] = {
        **uv_environment(),
        "UV_PROJECT_ENVIRONMENT": None,
        "UV_PYTHON": None,
        "VIRTUAL_ENV": None,
    }
    with session.chdir(DEMO_DIR):
        session.run("uv", "sync", external=True, env=environment)
        session.run("uv", "run", DEMO_SLUG, "migrate", external=True, env=environment)
        session.run("uv", "run", DEMO_SLUG, "seed", external=True, env=environment)
        session.run("uv", "run", DEMO_SLUG, "serve", external=True, env=environment)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the template's documentation site; warnings are errors."""
    install_group(session, "docs")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "build" / "site"))


@nox.session
def bench(session: nox.Session) -> None:
    """Time `copier copy` for the defaults and for everything on, per framework."""
    require_a_commit(session)
    install_group(session, "render")
    profiles = {
        f"{framework} {profile}": {"project_name": DEMO_NAME, "framework": framework, **answers}
        for framework in FRAMEWORKS
        for profile, answers in (("defaults", {}), ("everything on", EVERYTHING_ON))
    }
    results: dict[str, list[float]] = {}
    for profile, answers in profiles.items():
        timings = results.setdefault(profile, [])
        for _ in range(BENCH_RUNS):
            with tempfile.TemporaryDirectory(prefix="groundwork-bench-") as workspace:
                started = time.perf_counter()
                copier_copy(session, Path(workspace) / "project", **answers)
                timings.append(time.perf_counter() - started)
    session.log(f"copier copy, {BENCH_RUNS} runs each (seconds):")
    for profile, timings in results.items():
        session.log(
            f"  {profile:<24} min {min(timings):.2f}  median {statistics.median(timings):.2f}"
            f"  max {max(timings):.2f}"
        )


def ensure_wrk(session: nox.Session) -> None:
    """wrk, the load generator, from Debian's package when it is missing."""
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        session.error("wrk is missing: apt-get install wrk (Debian, Ubuntu) or brew install wrk")
    session.log("installing wrk (Debian package wrk)")
    environment = {"DEBIAN_FRONTEND": "noninteractive"}
    for command in (("update", "-qq"), ("install", "-y", "-qq", "wrk")):
        session.run("apt-get", *command, external=True, env=environment, silent=True)


def run_service_bench(session: nox.Session, module: str) -> None:
    """A benchmark of tests/service_bench/, with what it needs: wrk and the servers."""
    require_a_commit(session)
    install_group(session, "bench")
    ensure_wrk(session)
    session.run(str(ROOT / "scripts" / "ensure-services"), external=True)
    session.run(
        "python",
        "-m",
        module,
        *session.posargs,
        env={**uv_environment(), "PYTHONPATH": str(ROOT / "tests")},
    )


@nox.session
def bench_service(session: nox.Session) -> None:
    """The generated service of the last release tag and of the working tree, side
    by side: requests per second and p99 of list, create and /health/live, against
    the same SQL from a bare client and the framework's bare route.

    `nox -s bench_service -- --help` lists the options, such as `--base REV`,
    `--framework`, `--database mysql`, `--seconds` and `--rounds`."""
    run_service_bench(session, "service_bench")


@nox.session
def bench_queue(session: nox.Session) -> None:
    """The working tree's service without a queue and with each offered one, side
    by side: create's throughput and p99, and each queue's event latency (from
    the request's answer to the consumer done) at a steady rate.

    `nox -s bench_queue -- --help` lists the options, such as `--framework`,
    `--database mysql`, `--seconds`, `--rounds` and `--rate`."""
    run_service_bench(session, "service_bench.queue")
