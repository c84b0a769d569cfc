"""The questions: each rule rejects bad answers with its message, on every path
an answer can take (Python API `data=`, CLI `-d`, user defaults), and leaves
nothing behind; tricky but valid answers render valid files."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from checks import executable
from pytest_copie.plugin import Copie
from rendering import PROJECT_NAME, Render, render_project

# (question, bad answer, words of the message that states the rule)
INVALID_ANSWERS = [
    pytest.param("project_name", "", "project name is required", id="name-empty"),
    pytest.param("project_name", "   ", "project name is required", id="name-whitespace"),
    pytest.param("project_name", "N" * 65, "at most 64 characters", id="name-65-chars"),
    pytest.param("project_name", "\\" * 40, "too many quotes", id="name-many-backslashes"),
    pytest.param("project_name", "Two\nLines", "single line", id="name-newline"),
    pytest.param("project_slug", "Inventory", "DNS-1123 label", id="slug-uppercase"),
    pytest.param("project_slug", "-inventory", "DNS-1123 label", id="slug-leading-hyphen"),
    pytest.param("project_slug", "s" * 64, "DNS-1123 label", id="slug-64-chars"),
    pytest.param("package_name", "1service", "starting with a letter", id="package-digit"),
    pytest.param("package_name", "a" * 33, "at most 32 characters", id="package-too-long"),
    pytest.param("package_name", "class", "Python keyword", id="package-keyword"),
    pytest.param("package_name", "json", "must not shadow", id="package-stdlib-json"),
    pytest.param("package_name", "typing", "must not shadow", id="package-stdlib-typing"),
    pytest.param("package_name", "fastapi", "must not shadow", id="package-dependency"),
    pytest.param("author_email", "platform.example.com", "name@example.com", id="email-no-at"),
    pytest.param("author_email", "platform@localhost", "name@example.com", id="email-no-dot"),
    pytest.param("description", "One\nTwo", "single line", id="description-newline"),
    pytest.param("description", "d" * 201, "at most 200 characters", id="description-201"),
    pytest.param("database", "oracle", "Invalid choice for 'database'", id="database-choice"),
    pytest.param(
        "python_version", "3.10", "Invalid choice for 'python_version'", id="python-choice"
    ),
    pytest.param("ci", "jenkins", "Invalid choice for 'ci'", id="ci-choice"),
]

TRICKY_NAME = 'Café "Ünïcode" O\'Brien \\ API'
TRICKY_TEXT = {
    "project_name": TRICKY_NAME,
    "description": "Says \"hello\" to O'Brien's café \\ nowhere: {not jinja}",
    "author_name": 'Zoë "ZO" O\'Brien \\ Team',
}


def assert_nothing_left(destination: Path) -> None:
    assert not destination.exists() or not any(destination.iterdir()), (
        f"a rejected answer left files in {destination}: {sorted(destination.rglob('*'))}"
    )


def answers_file(project: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return loaded


@pytest.mark.parametrize(("question", "answer", "message"), INVALID_ANSWERS)
def test_python_api_rejects_invalid_answer_with_its_rule(
    template_repo: Path, tmp_path: Path, question: str, answer: str, message: str
) -> None:
    destination = tmp_path / "project"
    data = {"project_name": PROJECT_NAME, question: answer}

    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        copier.run_copy(
            str(template_repo), destination, data=data, defaults=True, unsafe=True, quiet=True
        )

    assert question in str(raised.value)
    assert_nothing_left(destination)


@pytest.mark.parametrize(("question", "answer", "message"), INVALID_ANSWERS)
def test_cli_rejects_invalid_answer_with_its_rule(
    template_repo: Path, tmp_path: Path, question: str, answer: str, message: str
) -> None:
    destination = tmp_path / "project"
    data = {"project_name": PROJECT_NAME, question: answer}
    data_options = [option for key, value in data.items() for option in ("-d", f"{key}={value}")]

    completed = subprocess.run(
        [
            executable("copier"),
            "copy",
            "--trust",
            "--defaults",
            *data_options,
            str(template_repo),
            str(destination),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode != 0, completed.stdout
    assert message in completed.stderr, completed.stderr
    assert_nothing_left(destination)


def test_user_defaults_are_validated_too(copie: Copie, template_repo: Path) -> None:
    # pytest-copie passes answers as user defaults (what ~/.config/copier/settings.yml
    # gives a platform team): a bad default must fail like a bad answer.
    result = copie.copy(
        extra_answers={"project_name": PROJECT_NAME, "project_slug": "Not A Label"},
        template_dir=template_repo,
    )

    assert result.exit_code != 0
    assert "DNS-1123 label" in str(result.exception)


def test_cli_defaults_render_a_project(template_repo: Path, tmp_path: Path) -> None:
    destination = tmp_path / "project"

    completed = subprocess.run(
        [
            executable("copier"),
            "copy",
            "--trust",
            "--defaults",
            "--vcs-ref",
            "HEAD",
            "-d",
            f"project_name={PROJECT_NAME}",
            str(template_repo),
            str(destination),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    answers = answers_file(destination)
    assert answers["project_slug"] == "inventory-service"
    assert answers["package_name"] == "inventory_service"
    assert answers["_commit"] == "v1"


def test_user_defaults_render_a_project(copie: Copie, template_repo: Path) -> None:
    result = copie.copy(extra_answers={"project_name": PROJECT_NAME}, template_dir=template_repo)

    assert result.exit_code == 0, result.exception
    assert result.project_dir is not None
    assert (result.project_dir / "pyproject.toml").is_file()


@pytest.mark.parametrize(
    ("project_name", "slug", "package"),
    [
        pytest.param("Inventory Service", "inventory-service", "inventory_service", id="plain"),
        pytest.param(
            "  Café  Über API!! ", "cafe-uber-api", "cafe_uber_api", id="accents-punctuation"
        ),
        pytest.param(
            TRICKY_NAME, "cafe-unicode-o-brien-api", "cafe_unicode_o_brien_api", id="quotes"
        ),
        # The longest name: the slug is cut to 63 characters, the package to 32.
        pytest.param(
            "A" * 40 + " " + "B" * 23, "a" * 40 + "-" + "b" * 22, "a" * 32, id="64-chars"
        ),
    ],
)
def test_slug_and_package_are_derived_from_the_name(
    render: Render, tmp_path: Path, project_name: str, slug: str, package: str
) -> None:
    project = render(tmp_path / "project", project_name=project_name)

    answers = answers_file(project)
    assert answers["project_name"] == project_name
    assert answers["project_slug"] == slug
    assert answers["package_name"] == package
    assert (project / "src" / package).is_dir()


@pytest.fixture(
    params=[
        pytest.param({"database": "sqlite", "python_version": "3.11"}, id="sqlite-py3.11"),
        pytest.param({"database": "postgresql", "python_version": "3.13"}, id="postgresql-py3.13"),
        pytest.param({"database": "mysql", "python_version": "3.12"}, id="mysql-py3.12"),
    ],
    scope="module",
)
def tricky_project(
    request: pytest.FixtureRequest,
    template_repo: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    destination = tmp_path_factory.mktemp("tricky") / "project"
    return render_project(template_repo, destination, **request.param, **TRICKY_TEXT)


def test_project_name_with_quotes_renders_valid_toml(tricky_project: Path) -> None:
    pyproject = tomllib.loads((tricky_project / "pyproject.toml").read_text(encoding="utf-8"))

    assert pyproject["project"]["description"] == TRICKY_TEXT["description"]
    assert pyproject["project"]["authors"][0]["name"] == TRICKY_TEXT["author_name"]


def test_project_name_with_quotes_renders_valid_yaml(tricky_project: Path) -> None:
    yaml_files = [
        path
        for path in tricky_project.rglob("*")
        if path.suffix in {".yml", ".yaml"} and path.is_file()
    ]

    assert yaml_files
    for path in yaml_files:
        list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    assert answers_file(tricky_project)["project_name"] == TRICKY_NAME


def test_project_name_with_quotes_renders_valid_python(tricky_project: Path) -> None:
    # Compiled by the project's own Python: syntax differs between versions.
    python_version = answers_file(tricky_project)["python_version"]
    compile_all = (
        "import pathlib, sys\n"
        "paths = sorted(pathlib.Path(sys.argv[1]).rglob('*.py'))\n"
        "assert paths, 'no Python files'\n"
        "for path in paths:\n"
        "    compile(path.read_text(encoding='utf-8'), str(path), 'exec')\n"
    )

    completed = subprocess.run(
        [f"python{python_version}", "-c", compile_all, str(tricky_project)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr


def test_project_name_appears_verbatim_in_the_readme(tricky_project: Path) -> None:
    assert TRICKY_NAME in (tricky_project / "README.md").read_text(encoding="utf-8")
