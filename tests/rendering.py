"""Render the template the way users do: from a git repository, through Copier's
API; and which combinations of answers the tests render.

The combinations come from copier.yml itself (tests/answers.py): its choices
and the constraints between them are never restated here. Which of them run
is set by GROUNDWORK_MATRIX (see MODES).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import answers
import copier
import pytest
from answers import Combination, InvalidCombinationError, Model
from profiles import EVERYTHING_ON

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
    template: Path, destination: Path, vcs_ref: str = "HEAD", *, lock: bool = True, **answers: Any
) -> Path:
    """Render with `answers` and defaults for the rest, as `copier copy --defaults -d` does.

    Without `lock`, Copier's tasks are skipped: no uv.lock is written (it takes
    the package index), for checks that install nothing from the project."""
    copier.run_copy(
        str(template),
        destination,
        data={"project_name": PROJECT_NAME, **answers},
        defaults=True,
        unsafe=True,
        vcs_ref=vcs_ref,
        quiet=True,
        skip_tasks=not lock,
    )
    return destination


MODEL = answers.load(TEMPLATE_ROOT / "copier.yml")

# The answers that change no Python file, only add files of their own
# (test_render.py, test_only_python_answers_change_python_files): ruff, mypy
# and the generated suites run once per set of the other answers.
NOT_SHAPING_PYTHON = ("ci", "kubernetes")
# The answers that change no Kubernetes manifest nor the deployment check
# (test_operations.py, test_only_manifest_answers_change_manifests): the
# Kubernetes checks run once per set of the other answers.
NOT_SHAPING_MANIFESTS = ("python_version", "framework", "ci")


# Each value of these factors (answers, or the options of observability) meets
# the costly tests of the generated suites (hostile input, server processes) in
# some suite.
COMPLETE_ACROSS = ("framework", "database", "auth", "cache", "observability.metrics")


def python_key(combination: Combination) -> str:
    """Names the answers that shape the Python files."""
    return combination.key(without=NOT_SHAPING_PYTHON)


def manifests_key(combination: Combination) -> str:
    """Names the answers that shape the Kubernetes manifests."""
    return combination.key(without=NOT_SHAPING_MANIFESTS)


def unique(combinations: Iterable[Combination]) -> tuple[Combination, ...]:
    return tuple(dict.fromkeys(combinations))


def first_per(
    key: Callable[[Combination], object], combinations: Iterable[Combination]
) -> tuple[Combination, ...]:
    chosen: dict[object, Combination] = {}
    for combination in combinations:
        chosen.setdefault(key(combination), combination)
    return tuple(chosen.values())


def having(combinations: Iterable[Combination], **wanted: Any) -> tuple[Combination, ...]:
    """The combinations with these answers."""
    return tuple(c for c in combinations if all(c.get(k) == v for k, v in wanted.items()))


def answered(question: str, combinations: Iterable[Combination]) -> tuple[Any, ...]:
    """The answers to `question` among `combinations`, in copier.yml order."""
    found = {combination.get(question) for combination in combinations}
    return tuple(value for value in MODEL.values(question) if value in found)


def everything_on(model: Model) -> tuple[Combination, ...]:
    """The EVERYTHING_ON profile once per framework (raises if copier.yml refuses it)."""
    return tuple(
        model.combination(**{**EVERYTHING_ON, "framework": framework})
        for framework in model.values("framework")
    )


def variants(
    model: Model,
    combination: Combination,
    questions: Iterable[str],
    among: Iterable[Combination] | None = None,
) -> tuple[Combination, ...]:
    """`combination` with one of `questions` answered differently, each valid way
    (each way found `among` these combinations, if given)."""
    found = []
    for question in questions:
        for value in model.values(question) if among is None else answered(question, among):
            if combination.get(question) == value:
                continue
            try:
                found.append(model.combination(**{**combination.answers, question: value}))
            except InvalidCombinationError:
                continue
    return tuple(found)


# GROUNDWORK_MATRIX: which combinations are rendered (STATIC: quality gates
# 1, 2 and 4) and which run their own suites (SUITES: gate 3).
MODES = {
    "ci": "the defaults, everything on per framework and a strength-3 covering array; "
    "suites for the defaults, everything on and a pairwise array",
    "full": "every valid combination; suites for every distinct set of Python files (slow)",
    "quick": "the defaults only, and their own suite",
}


@dataclass(frozen=True)
class Matrix:
    mode: str
    defaults: Combination
    everything_on: tuple[Combination, ...]
    # Every allowed triple of answer values of any three factors.
    strength_3: tuple[Combination, ...]
    # Every allowed pair of values of the factors that shape Python files or
    # services, the others at their defaults, with the defaults and everything on.
    pairwise: tuple[Combination, ...]
    static: tuple[Combination, ...]
    suites: tuple[Combination, ...]
    # As few of `static` as have every pair of answer values that `static` has.
    static_pairwise: tuple[Combination, ...]

    @property
    def python(self) -> tuple[Combination, ...]:
        """One rendered combination per distinct set of Python files."""
        return first_per(python_key, self.static)

    @property
    def typed(self) -> tuple[Combination, ...]:
        """The rendered combinations that mypy and the security checks read: one
        per distinct set of Python files among `static_pairwise`. Their findings
        come from one file, or from two answers that shape it together; ruff,
        which reads every distinct set, finds the names a third answer leaves
        undefined or unused."""
        keys = {python_key(combination) for combination in self.static_pairwise}
        return tuple(c for c in self.python if python_key(c) in keys)

    @property
    def manifests(self) -> tuple[Combination, ...]:
        """One rendered combination per distinct set of Kubernetes manifests."""
        return first_per(manifests_key, (c for c in self.static if c["kubernetes"] != "none"))

    @property
    def complete(self) -> tuple[Combination, ...]:
        """The suites that also run their costly tests: the hostile-input tests
        (schemathesis, about half a minute per identity) and the tests that
        start the service's own server processes (several workers, SIGTERM).
        As few as give every value of COMPLETE_ACROSS at least once: the first
        smallest set, searched size by size (a few suites suffice, as each
        factor has at most three values); in the full matrix, every suite."""
        if self.mode == "full":
            return self.suites

        def values(combination: Combination) -> frozenset[tuple[str, object]]:
            row = MODEL.row(combination)
            return frozenset((factor, row[factor]) for factor in COMPLETE_ACROSS)

        given = {combination: values(combination) for combination in self.suites}
        wanted = frozenset().union(*given.values())
        for size in range(1, len(self.suites) + 1):
            for chosen in itertools.combinations(self.suites, size):
                if frozenset().union(*(given[combination] for combination in chosen)) == wanted:
                    return chosen
        raise AssertionError("the suites together lack a value of COMPLETE_ACROSS")

    def sizes(self) -> dict[str, int]:
        return {
            "strength-3 rows": len(self.strength_3),
            "pairwise rows": len(self.pairwise),
            "rendered projects": len(self.static),
            "distinct Python sets": len(self.python),
            "type-checked Python sets": len(self.typed),
            "distinct manifest sets": len(self.manifests),
            "generated suites": len(self.suites),
            "suites with their costly tests": len(self.complete),
        }


def build_matrix(model: Model, mode: str) -> Matrix:
    if mode not in MODES:
        raise ValueError(f"GROUNDWORK_MATRIX={mode!r}: expected one of {', '.join(MODES)}")
    defaults = model.defaults
    profile = everything_on(model)
    strength_3 = model.covering(3)
    # The rows the defaults and everything on leave uncovered: they run anyway.
    pairwise = model.covering(2, at_defaults=NOT_SHAPING_PYTHON, given=(defaults, *profile))
    if mode == "full":
        static = model.all_combinations()
        suites = first_per(python_key, static)
        static_pairwise = static
    elif mode == "quick":
        static = suites = static_pairwise = (defaults,)
    else:
        static = unique((defaults, *profile, *strength_3))
        suites = unique((defaults, *profile, *pairwise))
        static_pairwise = model.covering_subset(static, 2, first=(defaults, *profile))
    return Matrix(mode, defaults, profile, strength_3, pairwise, static, suites, static_pairwise)


MODE = os.environ.get("GROUNDWORK_MATRIX", "ci")
MATRIX = build_matrix(MODEL, MODE)

DEFAULTS = MATRIX.defaults
EVERYTHING_ON_PER_FRAMEWORK = MATRIX.everything_on
# Quality gates 1, 2 and 4 run on each of these.
STATIC = MATRIX.static
# Quality gate 3: these run their own suites against real services.
SUITES = MATRIX.suites
# These run their costly tests too; the other suites leave them out.
COMPLETE = MATRIX.complete
# ruff and mypy: once per distinct set of Python files.
PYTHON_COMBINATIONS = MATRIX.python
# mypy and the security checks: once per distinct set among a pairwise subset.
TYPED_COMBINATIONS = MATRIX.typed
# Compared with the representative of their Python files, to prove that the
# NOT_SHAPING_PYTHON answers change none: the other rendered combinations, and
# the defaults and everything on with each other answer to those questions
# that the rendered combinations give.
PYTHON_DERIVED = unique(
    c
    for c in (
        *STATIC,
        *(
            variant
            for representative in (DEFAULTS, *EVERYTHING_ON_PER_FRAMEWORK)
            if representative in STATIC
            for variant in variants(MODEL, representative, NOT_SHAPING_PYTHON, among=STATIC)
        ),
    )
    if c not in PYTHON_COMBINATIONS
)
# The Kubernetes checks: once per distinct set of manifests.
MANIFEST_COMBINATIONS = MATRIX.manifests
MANIFEST_DERIVED = tuple(
    c for c in STATIC if c["kubernetes"] != "none" and c not in MANIFEST_COMBINATIONS
)
# Prometheus rules, dashboard and scrape configuration: once per selection of
# observability and database (the compose file it scrapes through), with and
# without a worker (its own rules, panels and scrape job).
METRICS_COMBINATIONS = first_per(
    lambda c: (c["database"], c["observability"], c["queue"] != "none"),
    (c for c in STATIC if "metrics" in c["observability"]),
)
# The project's own deployment check script, once per set of checks it runs
# (the Helm variant needs the helm CLI, which the test environment lacks).
DEPLOYMENT_CHECK_COMBINATIONS = first_per(
    lambda c: (c["kubernetes"], "metrics" in c["observability"]),
    (
        c
        for c in STATIC
        if c["kubernetes"] != "helm"
        and (c["kubernetes"] == "kustomize" or "metrics" in c["observability"])
    ),
)


def over(combinations: Iterable[Combination]) -> pytest.MarkDecorator:
    """Run the test once per combination, its `project` argument the rendered
    project (conftest.py). Combinations with the same Python files share an
    xdist group, hence one worker: each is rendered once, and comparing them
    with each other renders nothing twice."""
    return pytest.mark.parametrize(
        "project",
        [
            pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(python_key(c)))
            for c in combinations
        ],
        indirect=True,
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
    """Renders each combination once per test session, on first use.

    The static gates read the rendered files and check them with a shared
    environment (test_render.py `checker`), never with the project's own
    lock: these renders write none. The suites install from it (`sync`)."""

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
                root = render_project(
                    self._template, destination, lock=False, **combination.answers
                )
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
