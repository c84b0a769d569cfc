"""Render the template the way users do: from a git repository, through Copier's API."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier

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
    "database": ("sqlite", "postgresql"),
    "auth": ("none", "jwt"),
    "ci": ("github", "gitlab", "none"),
}


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
    database: str = "sqlite"
    auth: str = "jwt"
    ci: str = "github"

    @property
    def id(self) -> str:
        return f"{self.python_id}-{self.ci}"

    @property
    def python_id(self) -> str:
        """Names the answers that shape the Python files; `ci` adds only CI files."""
        return f"py{self.python_version}-{self.database}-{self.auth}"

    @property
    def answers(self) -> dict[str, str]:
        return {
            "python_version": self.python_version,
            "database": self.database,
            "auth": self.auth,
            "ci": self.ci,
        }


ALL_COMBINATIONS = tuple(
    Combination(*values) for values in itertools.product(*STACK_CHOICES.values())
)
DEFAULTS = Combination()
# One combination per distinct set of Python files: the CI choice adds CI files
# only (test_render.py checks it), so the costly Python checks (ruff, mypy, the
# generated test suites) run on these 12 rather than on all 36 combinations.
PYTHON_COMBINATIONS = tuple(c for c in ALL_COMBINATIONS if c.ci == DEFAULTS.ci)


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
