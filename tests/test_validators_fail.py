"""Every check tests/test_render.py relies on, shown to fail on a broken sample:
a validator that cannot fail would pass silently."""

from __future__ import annotations

from pathlib import Path

import checks
import pytest
from rendering import read_env_file

BROKEN_WORKFLOW = """\
name: ci
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: ${{ matrix.depth }}
      - run: echo "${{ github.event.pull_request.title }}"
    timeout-minutes: soon
"""

BROKEN_GITLAB_CI = """\
stages: [test]
test:
  stage: test
  image: python:3.12-slim
  interruptible: sometimes
  script:
    - uv run pytest
"""

BROKEN_DOCKERFILE = """\
FROM python:latest
RUN apt-get update && apt-get install -y curl
CMD python -m app
"""

BROKEN_COMPOSE = """\
services:
  app:
    build: .
    depends_on:
      - database
    ports:
      - "8000:8000"
"""

UNKNOWN_KEY_COMPOSE = """\
services:
  app:
    image: example/app:1.0
    restart_policy: always
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_leftover_jinja_check_finds_markup(tmp_path: Path) -> None:
    write(tmp_path / "README.md", "# {{ project_name }}\n")
    write(tmp_path / "app.py", "{% if uses_auth %}\nimport jwt\n{% endif %}\n")
    write(tmp_path / "notes.md", "Done. {# remove me #}\n")
    files = [Path("README.md"), Path("app.py"), Path("notes.md")]

    found = checks.leftover_jinja(tmp_path, files)

    assert found == [
        "README.md:1: # {{ project_name }}",
        "app.py:1: {% if uses_auth %}",
        "app.py:3: {% endif %}",
        "notes.md:1: Done. {# remove me #}",
    ]


def test_leftover_jinja_check_allows_github_expressions(tmp_path: Path) -> None:
    write(tmp_path / "ci.yml", "ref: ${{ github.ref }}\n")

    assert checks.leftover_jinja(tmp_path, [Path("ci.yml")]) == []


def test_empty_file_check_finds_empty_and_blank_files(tmp_path: Path) -> None:
    write(tmp_path / "empty.py", "")
    write(tmp_path / "blank.md", "  \n\t\n")
    write(tmp_path / "full.py", '"""Docstring."""\n')

    found = checks.empty_files(tmp_path, [Path("empty.py"), Path("blank.md"), Path("full.py")])

    assert found == [Path("empty.py"), Path("blank.md")]


def test_secret_check_finds_a_leaked_secret(tmp_path: Path) -> None:
    write(tmp_path / ".env", "APP_ENV=development\nSECRET_KEY=s3cr3t-value-0123456789\n")
    write(tmp_path / "settings.py", 'SECRET_KEY = "s3cr3t-value-0123456789"\n')

    secrets = checks.secret_values(read_env_file(tmp_path / ".env"))

    assert secrets == {"SECRET_KEY": "s3cr3t-value-0123456789"}
    assert checks.files_containing(tmp_path, [Path("settings.py")], secrets["SECRET_KEY"]) == [
        Path("settings.py")
    ]


def test_ruff_check_fails_on_unused_import(tmp_path: Path) -> None:
    write(tmp_path / "module.py", "import os\n")

    result = checks.ruff_check(checks.executable("ruff"), tmp_path)

    assert result.returncode == 1, checks.report(result)
    assert "F401" in result.stdout


def test_ruff_format_check_fails_on_unformatted_code(tmp_path: Path) -> None:
    write(tmp_path / "module.py", "x = {  'a':1 }\n")

    result = checks.ruff_format_check(checks.executable("ruff"), tmp_path)

    assert result.returncode == 1, checks.report(result)


def test_mypy_strict_fails_on_untyped_function(tmp_path: Path) -> None:
    write(tmp_path / "module.py", "def double(value):\n    return value * 2\n")

    result = checks.mypy_strict(
        checks.executable("mypy"), tmp_path, tmp_path / ".mypy_cache", "module.py"
    )

    assert result.returncode == 1, checks.report(result)
    assert "no-untyped-def" in result.stdout


def test_actionlint_fails_on_broken_workflow(tmp_path: Path) -> None:
    workflow = write(tmp_path / ".github" / "workflows" / "ci.yml", BROKEN_WORKFLOW)

    result = checks.actionlint(workflow)

    assert result.returncode == 1, checks.report(result)
    assert "matrix" in result.stdout


def test_workflow_schema_fails_on_broken_workflow(tmp_path: Path) -> None:
    workflow = write(tmp_path / ".github" / "workflows" / "ci.yml", BROKEN_WORKFLOW)

    result = checks.json_schema("vendor.github-workflows", workflow)

    assert result.returncode == 1, checks.report(result)
    assert "timeout-minutes" in result.stdout


def test_gitlab_ci_schema_fails_on_broken_pipeline(tmp_path: Path) -> None:
    pipeline = write(tmp_path / ".gitlab-ci.yml", BROKEN_GITLAB_CI)

    result = checks.json_schema("vendor.gitlab-ci", pipeline)

    assert result.returncode == 1, checks.report(result)
    assert "interruptible" in result.stdout


def test_hadolint_fails_on_broken_dockerfile(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", BROKEN_DOCKERFILE)

    result = checks.hadolint(dockerfile)

    assert result.returncode == 1, checks.report(result)
    assert "DL3007" in result.stdout


def test_compose_config_fails_on_undefined_dependency(tmp_path: Path) -> None:
    compose_file = write(tmp_path / "compose.yaml", BROKEN_COMPOSE)

    result = checks.compose_config(compose_file)

    assert result.returncode != 0, checks.report(result)
    assert "database" in result.stderr


def test_compose_schema_fails_on_unknown_key(tmp_path: Path) -> None:
    compose_file = write(tmp_path / "compose.yaml", UNKNOWN_KEY_COMPOSE)

    result = checks.json_schema("vendor.compose-spec", compose_file)

    assert result.returncode == 1, checks.report(result)
    assert "restart_policy" in result.stdout


@pytest.mark.parametrize(
    "document",
    [
        pytest.param("services:\n  app: {image: a}\n  app: {image: b}\n", id="duplicate-key"),
        pytest.param("services:\n  app:\n    image: [unclosed\n", id="syntax-error"),
    ],
)
def test_yamllint_fails_on_broken_yaml(tmp_path: Path, document: str) -> None:
    write(tmp_path / "compose.yaml", document)

    result = checks.yamllint(tmp_path, [Path("compose.yaml")])

    assert result.returncode == 1, checks.report(result)
