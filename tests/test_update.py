"""Quality gate 5: `copier update` carries template changes into a project
without losing the user's edits (COPIER.md, "Update tests"), and the
project's uv.lock, written at copy time, stays in line with pyproject.toml."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import copier
import pytest
import yaml
from answers import Combination
from generated_project import (
    project_environment,
    uv,
)
from rendering import (
    DEFAULTS,
    EVERYTHING_ON_PER_FRAMEWORK,
    MODE,
    PACKAGE_NAME,
    PROJECT_NAME,
    git,
    render_project,
    snapshot_template,
)

USER_README_LINE = "Owned by the inventory squad; ask in #inventory before changing the API."
USER_FUNCTION = '''

def describe_item_count(count: int) -> str:
    """Added by the project's developers after generation."""
    return f"{count} items"
'''
TEMPLATE_README_LINE = "This line arrived with template v2."
TEMPLATE_NEW_FILE = "docs/upgrading.md"
# A dependency the template's v2 adds, small and pure Python.
TEMPLATE_NEW_DEPENDENCY = "humanize"
CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")

pytestmark = pytest.mark.skipif(
    MODE == "quick", reason="GROUNDWORK_MATRIX=quick (nox -s quick) runs no update test"
)


def commit_all(repository: Path, message: str) -> None:
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--no-verify", "--message", message)


def update(project: Path, **data: str) -> None:
    copier.run_update(
        str(project),
        data=data,
        defaults=True,
        overwrite=True,
        unsafe=True,
        conflict="inline",
        quiet=True,
    )


def answers(project: Path) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return loaded


def release_v2(template: Path) -> None:
    """A template maintainer's change: edit a rendered file, add a new one, tag v2."""
    readme = template / "template" / "README.md.jinja"
    readme.write_text(
        readme.read_text(encoding="utf-8") + f"\n{TEMPLATE_README_LINE}\n", encoding="utf-8"
    )
    new_file = template / "template" / TEMPLATE_NEW_FILE
    new_file.parent.mkdir(parents=True, exist_ok=True)
    new_file.write_text(
        "# Upgrading\n\nRead CHANGELOG.md before `copier update`.\n", encoding="utf-8"
    )
    commit_all(template, "Template v2")
    git(template, "tag", "v2")


def release_v2_with_a_dependency(template: Path) -> None:
    """A template maintainer's change to pyproject.toml: one more runtime dependency."""
    pyproject = template / "template" / "pyproject.toml.jinja"
    text = pyproject.read_text(encoding="utf-8")
    anchor = "dependencies = [\n"
    assert anchor in text, "pyproject.toml.jinja lists no dependencies"
    pyproject.write_text(
        text.replace(anchor, f'{anchor}    "{TEMPLATE_NEW_DEPENDENCY}>=4",\n', 1), encoding="utf-8"
    )
    commit_all(template, "Template v2: a new dependency")
    git(template, "tag", "v2")


def release_v2_with_a_migration(template: Path, entry: str) -> None:
    """Add `entry` (a YAML list item) to copier.yml's `_migrations`, commit, tag v2."""
    copier_yml = template / "copier.yml"
    text = copier_yml.read_text(encoding="utf-8")
    assert "\n_migrations:\n" in text, "copier.yml has no _migrations"
    copier_yml.write_text(text.replace("\n_migrations:\n", f"\n_migrations:\n{entry}", 1))
    commit_all(template, "Template v2")
    git(template, "tag", "v2")


def migration(action: str, old: str, new: str, stage: str) -> str:
    """A `_migrations` entry for v2 that runs tasks/migrate.py at `stage`."""
    script = "{{ _copier_conf.src_path }}/tasks/migrate.py"
    return (
        f'  - version: "2"\n'
        f'    command: ["{{{{ _copier_python }}}}", "{script}", {action}, {old}, {new}]\n'
        f"    when: \"{{{{ _stage == '{stage}' }}}}\"\n"
    )


def rename_in_template(template: Path, old: str, new: str) -> None:
    """Rename a word in copier.yml and every template file, as a maintainer
    renaming a question would."""
    word = re.compile(rf"\b{re.escape(old)}\b")
    for path in [template / "copier.yml", *(template / "template").rglob("*.jinja")]:
        text = path.read_text(encoding="utf-8")
        if word.search(text):
            path.write_text(word.sub(new, text), encoding="utf-8")


def lock_check(project: Path) -> subprocess.CompletedProcess[str]:
    """`uv lock --check`: exit 0 when uv.lock matches pyproject.toml."""
    return uv(project, "lock", "--check")


def locked_packages(project: Path) -> set[str]:
    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    return {package["name"] for package in lock["package"]}


def edit_as_a_user(project: Path) -> None:
    readme = project / "README.md"
    title, _, rest = readme.read_text(encoding="utf-8").partition("\n")
    readme.write_text(f"{title}\n\n{USER_README_LINE}\n{rest}", encoding="utf-8")
    items = project / "src" / PACKAGE_NAME / "services" / "business" / "items.py"
    items.write_text(items.read_text(encoding="utf-8") + USER_FUNCTION, encoding="utf-8")
    commit_all(project, "Describe ownership and item counts")


def leftover_conflicts(project: Path) -> list[str]:
    tracked = git(project, "ls-files").splitlines()
    problems = [name for name in tracked if name.endswith(".rej")]
    untracked = git(project, "ls-files", "--others", "--exclude-standard").splitlines()
    problems += [name for name in untracked if name.endswith(".rej")]
    for name in tracked:
        path = project / name
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            problems += [
                f"{name}: {line}"
                for line in text.splitlines()
                if line.startswith(CONFLICT_MARKERS)
            ]
    return problems


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return snapshot_template(tmp_path / "template", tag="v1")


@pytest.fixture
def v1_project(template: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A project generated from v1 and committed, as its owners would keep it."""
    combination: Combination = request.param
    return generate_at_v1(template, tmp_path / "project", **combination.answers)


def generate_at_v1(
    template: Path, destination: Path, *, lock: bool = True, **answers: str
) -> Path:
    project = render_project(template, destination, vcs_ref="v1", lock=lock, **answers)
    git(project, "init", "--quiet", "--initial-branch=main")
    commit_all(project, "Generate from Groundwork v1")
    return project


@dataclass(frozen=True)
class UpdatedProject:
    """A project generated at v1, edited by its owners, then updated to v2."""

    root: Path
    env_file_before: bytes
    env_file_mtime_before: int


@pytest.fixture(scope="module")
def updated_to_v2(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> UpdatedProject:
    """One update per profile, which the tests below read from different sides."""
    combination: Combination = request.param
    workspace = tmp_path_factory.mktemp("update")
    template = snapshot_template(workspace / "template", tag="v1")
    project = generate_at_v1(template, workspace / "project", **combination.answers)
    edit_as_a_user(project)
    env_file = project / ".env"
    before, before_mtime = env_file.read_bytes(), env_file.stat().st_mtime_ns
    release_v2(template)

    update(project)

    return UpdatedProject(project, before, before_mtime)


# The defaults and everything on per framework, generated at v1 and updated to
# v2 once per profile, on one xdist worker.
over_profiles = pytest.mark.parametrize(
    "updated_to_v2",
    [
        pytest.param(combination, id=profile, marks=pytest.mark.xdist_group(f"update-{profile}"))
        for profile, combination in (
            ("defaults", DEFAULTS),
            *((f"everything-on-{c['framework']}", c) for c in EVERYTHING_ON_PER_FRAMEWORK),
        )
    ],
    indirect=True,
    scope="module",
)


@over_profiles
def test_update_keeps_user_edits_and_brings_template_changes(
    updated_to_v2: UpdatedProject,
) -> None:
    project = updated_to_v2.root
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert USER_README_LINE in readme
    assert TEMPLATE_README_LINE in readme
    items = project / "src" / PACKAGE_NAME / "services" / "business" / "items.py"
    assert "def describe_item_count" in items.read_text(encoding="utf-8")
    assert (project / TEMPLATE_NEW_FILE).is_file()
    assert answers(project)["_commit"] == "v2"
    assert leftover_conflicts(project) == []


@over_profiles
def test_update_leaves_env_file_untouched(updated_to_v2: UpdatedProject) -> None:
    env_file = updated_to_v2.root / ".env"
    assert env_file.read_bytes() == updated_to_v2.env_file_before
    assert env_file.stat().st_mtime_ns == updated_to_v2.env_file_mtime_before


@over_profiles
def test_update_to_the_same_version_changes_nothing(updated_to_v2: UpdatedProject) -> None:
    project = updated_to_v2.root
    commit_all(project, "Update to Groundwork v2")

    update(project)

    assert git(project, "status", "--porcelain") == ""


@pytest.mark.parametrize("v1_project", [DEFAULTS], ids=["defaults"], indirect=True)
def test_copy_writes_a_lock_that_matches_pyproject(v1_project: Path) -> None:
    checked = lock_check(v1_project)
    assert checked.returncode == 0, checked.stderr
    assert "uv.lock" in git(v1_project, "ls-files").splitlines(), "the first commit has no uv.lock"


def test_copy_without_the_package_index_still_generates_and_says_how_to_lock(
    template: Path, tmp_path: Path
) -> None:
    """`copier copy` where uv cannot reach the index (network off, empty cache):
    the project is generated without uv.lock, and the message says what to do."""
    project = tmp_path / "project"
    offline = project_environment(UV_OFFLINE="1", UV_CACHE_DIR=str(tmp_path / "empty-cache"))
    command = (
        "copy",
        "--trust",
        "--defaults",
        "--vcs-ref",
        "v1",
        "-d",
        f"project_name={PROJECT_NAME}",
    )
    copied = subprocess.run(
        [sys.executable, "-m", "copier", *command, str(template), str(project)],
        env=offline,
        capture_output=True,
        text=True,
        check=False,
    )

    assert copied.returncode == 0, copied.stderr
    assert (project / "pyproject.toml").is_file()
    assert not (project / "uv.lock").exists()
    assert "Run `uv lock` in the project" in copied.stderr


@pytest.mark.parametrize("v1_project", [DEFAULTS], ids=["defaults"], indirect=True)
def test_update_that_adds_a_dependency_brings_the_lock_in_line(
    template: Path, v1_project: Path
) -> None:
    project = v1_project
    pinned_before = (project / "uv.lock").read_text(encoding="utf-8")
    release_v2_with_a_dependency(template)

    update(project)

    assert TEMPLATE_NEW_DEPENDENCY in locked_packages(project)
    checked = lock_check(project)
    assert checked.returncode == 0, checked.stderr
    assert leftover_conflicts(project) == []
    # Only the new package (and what it needs) is added: every other pin stays.
    before = tomllib.loads(pinned_before)["package"]
    after = {
        package["name"]: package["version"]
        for package in tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))["package"]
    }
    assert all(after[package["name"]] == package["version"] for package in before)


def test_update_writes_the_lock_a_project_never_had(template: Path, tmp_path: Path) -> None:
    """A project generated before uv.lock existed (or where uv was out of reach)."""
    project = generate_at_v1(template, tmp_path / "project", lock=False)
    assert not (project / "uv.lock").exists()
    release_v2(template)

    update(project)

    checked = lock_check(project)
    assert checked.returncode == 0, checked.stderr


OWNER_EMAIL = "inventory@shop.example"


def test_a_renamed_question_keeps_its_answer(template: Path, tmp_path: Path) -> None:
    project = generate_at_v1(template, tmp_path / "project", author_email=OWNER_EMAIL)
    rename_in_template(template, "author_email", "contact_email")
    release_v2_with_a_migration(
        template, migration("rename-answer", "author_email", "contact_email", "before")
    )

    update(project)

    recorded = answers(project)
    assert recorded["contact_email"] == OWNER_EMAIL
    assert "author_email" not in recorded
    assert OWNER_EMAIL in (project / "pyproject.toml").read_text(encoding="utf-8")
    assert leftover_conflicts(project) == []


@pytest.mark.parametrize("v1_project", [DEFAULTS], ids=["defaults"], indirect=True)
def test_a_moved_file_keeps_the_owners_edits(template: Path, v1_project: Path) -> None:
    project = v1_project
    old, new = Path("docs/security.md"), Path("docs/security-policy.md")
    with (project / old).open("a", encoding="utf-8") as security:
        security.write(f"\n{USER_README_LINE}\n")
    commit_all(project, "Name the owners in the security policy")
    git(template / "template", "mv", f"{old}.jinja", f"{new}.jinja")
    moved = template / "template" / f"{new}.jinja"
    heading, reworded = (
        "## Reporting a vulnerability\n",
        "## Reporting a vulnerability privately\n",
    )
    assert heading in moved.read_text(encoding="utf-8")
    moved.write_text(moved.read_text(encoding="utf-8").replace(heading, reworded), "utf-8")
    release_v2_with_a_migration(template, migration("move-file", str(old), str(new), "after"))

    update(project)

    assert not (project / old).exists()
    merged = (project / new).read_text(encoding="utf-8")
    assert USER_README_LINE in merged, "the owner's edit was left behind"
    assert reworded in merged, "the template's own change to the moved file is missing"
    assert leftover_conflicts(project) == []


# Files that differ between any two copies: .env holds secrets generated per
# copy, and uv.lock pins what the index offered at the time (lock_check).
PER_COPY = (Path(".env"), Path("uv.lock"))


def project_files(root: Path) -> dict[Path, bytes]:
    return {
        path.relative_to(root): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


@pytest.mark.parametrize(
    ("question", "answer"), [("database", "postgresql"), ("framework", "litestar")]
)
@pytest.mark.parametrize("v1_project", [DEFAULTS], ids=["defaults"], indirect=True)
def test_an_update_that_changes_an_answer_gives_what_a_fresh_copy_gives(
    template: Path, v1_project: Path, tmp_path: Path, question: str, answer: str
) -> None:
    """Switching a stack by `copier update` leaves no file of the old one and
    misses none of the new: the project is the copy the matrix checks (its
    suites, linters and validators), with a lock that matches it."""
    project = v1_project
    assert answers(project)[question] != answer

    update(project, **{question: answer})

    fresh = render_project(
        template, tmp_path / "fresh", vcs_ref="v1", lock=False, **{question: answer}
    )
    updated, copied = project_files(project), project_files(fresh)
    for per_copy in PER_COPY:
        updated.pop(per_copy, None)
        copied.pop(per_copy, None)
    assert sorted(updated.keys() - copied.keys()) == [], "left from the old answer"
    assert sorted(copied.keys() - updated.keys()) == [], "missing after the update"
    assert [path for path in sorted(updated) if updated[path] != copied[path]] == []
    checked = lock_check(project)
    assert checked.returncode == 0, checked.stderr
