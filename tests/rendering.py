"""Render the template the way users do: from a git repository, through Copier's API."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import copier
from covering import covering_array

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent

# Left out of template snapshots: local build output, environments and caches.
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git",
    "build",
    "site",
    ".venv",
    ".nox",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
)

# project_name has no default: every render names its project.
PROJECT_NAME = "Inventory Service"
PACKAGE_NAME = "inventory_service"
PROJECT_SLUG = "inventory-service"

# The `render` fixture: render(destination, **answers) -> project directory.
Render = Callable[..., Path]

STACK_CHOICES: dict[str, tuple[str, ...]] = {
    "python_version": ("3.11", "3.12", "3.13"),
    "framework": ("fastapi", "litestar", "django"),
    "database": ("sqlite", "postgresql", "mysql"),
    "auth": ("none", "jwt"),
    "ci": ("github", "gitlab", "none"),
    "kubernetes": ("kustomize", "helm", "none"),
}
# The `observability` multiselect, in the order copier.yml lists it.
OBSERVABILITY_CHOICES = ("metrics", "tracing", "sentry")
OBSERVABILITY_DEFAULT = ("metrics", "tracing")
# Every subset a user can select, from none to all.
OBSERVABILITY_SELECTIONS = tuple(
    selection
    for size in range(len(OBSERVABILITY_CHOICES) + 1)
    for selection in itertools.combinations(OBSERVABILITY_CHOICES, size)
)


def git(cwd: Path, *args: str) -> str:
    completed = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return completed.stdout


def snapshot_template(destination: Path, tag: str = "v1") -> Path:
    """Copy the template's working tree into a fresh git repository tagged `tag`.

    Rendering from git, as users do, gives `_commit` in the answers and lets
    `copier update` find versions; the copy includes uncommitted work.
    """
    shutil.copytree(TEMPLATE_ROOT, destination, ignore=SNAPSHOT_IGNORE, symlinks=True)
    git(destination, "init", "--quiet", "--initial-branch=main")
    git(destination, "add", "--all")
    git(destination, "commit", "--quiet", "--no-verify", "--message", "Template snapshot")
    git(destination, "tag", tag)
    return destination


def render_project(
    template: Path, destination: Path, vcs_ref: str = "HEAD", **answers: Any
) -> Path:
    """Render with `answers` and defaults for the rest, as `copier copy --defaults -d` does."""
    copier.run_copy(
        str(template),
        destination,
        data={"project_name": PROJECT_NAME, **answers},
        defaults=True,
        unsafe=True,
        vcs_ref=vcs_ref,
        quiet=True,
    )
    return destination


@dataclass(frozen=True)
class Combination:
    """One choice per stack question; every other answer is its default."""

    python_version: str = "3.12"
    framework: str = "fastapi"
    database: str = "sqlite"
    auth: str = "jwt"
    ci: str = "github"
    kubernetes: str = "kustomize"
    observability: tuple[str, ...] = OBSERVABILITY_DEFAULT

    @property
    def id(self) -> str:
        return f"{self.python_id}-{self.ci}-{self.kubernetes}"

    @property
    def python_id(self) -> str:
        """Names the answers that shape the Python files; `ci` and `kubernetes` add
        only their own files (test_render.py checks it)."""
        observed = "+".join(self.observability) or "unobserved"
        return f"py{self.python_version}-{self.framework}-{self.database}-{self.auth}-{observed}"

    @property
    def manifests_id(self) -> str:
        """Names the answers that shape the Kubernetes manifests."""
        observed = "+".join(self.observability) or "unobserved"
        return f"{self.kubernetes}-{self.database}-{self.auth}-{observed}"

    @property
    def answers(self) -> dict[str, Any]:
        return {
            "python_version": self.python_version,
            "framework": self.framework,
            "database": self.database,
            "auth": self.auth,
            "ci": self.ci,
            "kubernetes": self.kubernetes,
            "observability": list(self.observability),
        }


def _from_row(row: dict[str, Any]) -> Combination:
    """A covering-array row (observability as one yes/no per choice) as a Combination."""
    return Combination(
        **{name: row[name] for name in STACK_CHOICES},
        observability=tuple(choice for choice in OBSERVABILITY_CHOICES if row[choice]),
    )


def _unique(combinations: Iterable[Combination]) -> tuple[Combination, ...]:
    return tuple(dict.fromkeys(combinations))


def _first_per(
    key: Callable[[Combination], str], combinations: Iterable[Combination]
) -> tuple[Combination, ...]:
    chosen: dict[str, Combination] = {}
    for combination in combinations:
        chosen.setdefault(key(combination), combination)
    return tuple(chosen.values())


DEFAULTS = Combination()
EVERYTHING_ON = Combination(
    database="postgresql", kubernetes="helm", observability=OBSERVABILITY_CHOICES
)
# Every answer on, once per framework.
EVERYTHING_ON_PER_FRAMEWORK = tuple(
    replace(EVERYTHING_ON, framework=framework) for framework in STACK_CHOICES["framework"]
)
# Every pair of answer values, the multiselect's choices counted as yes/no
# questions, appears together in at least one of these.
ANSWER_FACTORS: dict[str, tuple[Any, ...]] = {
    **STACK_CHOICES,
    **dict.fromkeys(OBSERVABILITY_CHOICES, (True, False)),
}
COVERING_COMBINATIONS = tuple(_from_row(row) for row in covering_array(ANSWER_FACTORS, 2))
# The answers that shape the Python files, paired the same way: the projects
# whose own test suites run by default.
PYTHON_FACTORS = {
    name: ANSWER_FACTORS[name]
    for name in ("python_version", "framework", "database", "auth", *OBSERVABILITY_CHOICES)
}
PYTHON_COVERING_COMBINATIONS = tuple(
    _from_row({**DEFAULTS.answers, **row}) for row in covering_array(PYTHON_FACTORS, 2)
)
# Rendered and checked statically: the product of the stack answers with the
# operations answers at their defaults, the product of the operations answers
# with the stack at its defaults, and the covering array.
STACK_COMBINATIONS = tuple(
    Combination(*values)
    for values in itertools.product(
        *(
            STACK_CHOICES[name]
            for name in ("python_version", "framework", "database", "auth", "ci")
        )
    )
)
OPERATIONS_COMBINATIONS = tuple(
    Combination(ci=ci, kubernetes=kubernetes, observability=observability)
    for ci in STACK_CHOICES["ci"]
    for kubernetes in STACK_CHOICES["kubernetes"]
    for observability in OBSERVABILITY_SELECTIONS
)
ALL_COMBINATIONS = _unique((*STACK_COMBINATIONS, *OPERATIONS_COMBINATIONS, *COVERING_COMBINATIONS))
# One combination per distinct set of Python files and per distinct set of
# manifests: ruff, mypy and the Kubernetes validators run on these only.
PYTHON_COMBINATIONS = _first_per(lambda c: c.python_id, ALL_COMBINATIONS)
# Prometheus rules, dashboard and scrape configuration: once per selection of
# observability and database (the compose file it scrapes through).
METRICS_COMBINATIONS = _first_per(
    lambda c: f"{c.database}-{'+'.join(c.observability)}",
    (c for c in ALL_COMBINATIONS if "metrics" in c.observability),
)
# The project's own deployment check script, once per set of checks it runs
# (the Helm variant needs the helm CLI, which the test environment lacks).
DEPLOYMENT_CHECK_COMBINATIONS = _first_per(
    lambda c: f"{c.kubernetes}-{'metrics' in c.observability}",
    (
        c
        for c in ALL_COMBINATIONS
        if c.kubernetes != "helm" and (c.kubernetes == "kustomize" or "metrics" in c.observability)
    ),
)
MANIFEST_COMBINATIONS = _first_per(
    lambda c: c.manifests_id, (c for c in ALL_COMBINATIONS if c.kubernetes != "none")
)


@dataclass(frozen=True)
class RenderedProject:
    root: Path
    combination: Combination
    # Files as rendered, relative to root, before any tool wrote caches or venvs.
    files: tuple[Path, ...]

    @property
    def package_dir(self) -> Path:
        return self.root / "src" / PACKAGE_NAME


def rendered_files(root: Path) -> tuple[Path, ...]:
    return tuple(sorted(path.relative_to(root) for path in root.rglob("*") if path.is_file()))


class RenderCache:
    """Renders each combination once per test session, on first use."""

    def __init__(self, template: Path, workspace: Path) -> None:
        self._template = template
        self._workspace = workspace
        self._projects: dict[Combination, RenderedProject] = {}
        self._failures: dict[Combination, Exception] = {}

    def get(self, combination: Combination) -> RenderedProject:
        """The rendered project; a combination that failed to render fails every time."""
        if combination in self._failures:
            raise self._failures[combination]
        if combination not in self._projects:
            destination = self._workspace / combination.id
            try:
                root = render_project(self._template, destination, **combination.answers)
            except Exception as error:
                self._failures[combination] = error
                raise
            self._projects[combination] = RenderedProject(root, combination, rendered_files(root))
        return self._projects[combination]


def read_env_file(path: Path) -> Mapping[str, str]:
    """KEY=VALUE lines of a dotenv file; comments and blank lines skipped."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        values[key.strip()] = value.strip().strip("\"'")
    return values
