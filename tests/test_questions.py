"""The questions: each rule rejects bad answers with its message, on every path
an answer can take (Python API `data=`, CLI `-d`, user defaults), and leaves
nothing behind; tricky but valid answers render valid files."""

# Names in other scripts, some with letters that look Latin.
# ruff: noqa: RUF001

from __future__ import annotations

import importlib.util
import re
import subprocess
import tomllib
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any

import copier
import pytest
import yaml
from checks import executable
from pytest_copie.plugin import Copie
from rendering import PROJECT_NAME, TEMPLATE_ROOT, Render, render_project

SLUG_RULE = "a-z, 0-9 and inner hyphens; max 63"
SHADOW_RULE = "not a stdlib or dependency module"
# Copier shows a refusal on the one line under the prompt and cuts it there.
TERMINAL_COLUMNS = 80

# (question, bad answer, words of the message that states the rule); every
# message a validator in copier.yml can give is among these.
INVALID_ANSWERS = [
    pytest.param("project_name", "", "a name is required", id="name-empty"),
    pytest.param("project_name", "   ", "a name is required", id="name-whitespace"),
    pytest.param("project_name", "N" * 65, "at most 64 characters", id="name-65-chars"),
    pytest.param("project_name", "\\" * 40, "too many quotes", id="name-many-backslashes"),
    pytest.param("project_name", "Two\nLines", "one line", id="name-newline"),
    # With --defaults, a name that derives no slug is refused (asked for, at the prompt).
    pytest.param("project_name", "!!!", "set project_slug", id="name-derives-no-slug"),
    pytest.param("project_slug", "Inventory", SLUG_RULE, id="slug-uppercase"),
    pytest.param("project_slug", "-inventory", SLUG_RULE, id="slug-leading-hyphen"),
    pytest.param("project_slug", "s" * 64, SLUG_RULE, id="slug-64-chars"),
    pytest.param("project_slug", "123", "set package_name", id="slug-derives-no-package"),
    pytest.param("package_name", "1service", "start with a letter", id="package-digit"),
    pytest.param("package_name", "a" * 33, "at most 32 characters", id="package-too-long"),
    pytest.param("package_name", "class", "not a Python keyword", id="package-keyword"),
    pytest.param("package_name", "json", SHADOW_RULE, id="package-stdlib-json"),
    pytest.param("package_name", "typing", SHADOW_RULE, id="package-stdlib-typing"),
    pytest.param("package_name", "fastapi", SHADOW_RULE, id="package-dependency"),
    pytest.param("author_name", "  ", "an author is required", id="author-empty"),
    pytest.param("author_name", "Two\nTeams", "one line", id="author-newline"),
    pytest.param("author_email", "platform.example.com", "name@example.com", id="email-no-at"),
    pytest.param("author_email", "platform@localhost", "name@example.com", id="email-no-dot"),
    pytest.param("description", "One\nTwo", "one line", id="description-newline"),
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


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def display_width(text: str) -> int:
    """Columns the text takes on a terminal."""
    return sum(column_width(char) for char in text)


def column_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in {"W", "F"} else 1


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
    # Copier ends with a traceback: its last line is what a user reads first.
    assert message in last_line(completed.stderr), completed.stderr
    assert_nothing_left(destination)


def validators() -> dict[str, str]:
    """Each question's validator, as copier.yml writes it."""
    questions = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"))
    return {
        name: question["validator"]
        for name, question in questions.items()
        if not name.startswith("_") and "validator" in question
    }


def test_every_validator_message_fits_one_line_of_the_prompt(
    template_repo: Path, tmp_path: Path
) -> None:
    # The prompt shows Copier's error, "Validation error for question 'x': "
    # and the message, on one line cut at the terminal's width: it must fit
    # whole. Each branch of a validator gives one message; INVALID_ANSWERS
    # must reach them all.
    questions = validators()
    messages: dict[str, set[str]] = {question: set() for question in questions}
    for index, case in enumerate(INVALID_ANSWERS):
        question, answer, _ = case.values
        if question not in questions:
            continue
        with pytest.raises(ValueError, match="Validation error") as raised:
            copier.run_copy(
                str(template_repo),
                tmp_path / str(index),
                data={"project_name": PROJECT_NAME, question: answer},
                defaults=True,
                unsafe=True,
                quiet=True,
            )
        messages[question].add(str(raised.value))

    for question, validator in questions.items():
        branches = len(re.findall(r"{%-?\s*(?:el)?if\b", validator))
        assert len(messages[question]) == branches, (question, sorted(messages[question]))
        for message in messages[question]:
            assert "\n" not in message, message
            assert display_width(message) <= TERMINAL_COLUMNS, message


def test_user_defaults_are_validated_too(copie: Copie, template_repo: Path) -> None:
    # pytest-copie passes answers as user defaults (what ~/.config/copier/settings.yml
    # gives a platform team): a bad default must fail like a bad answer.
    result = copie.copy(
        extra_answers={"project_name": PROJECT_NAME, "project_slug": "Not A Label"},
        template_dir=template_repo,
    )

    assert result.exit_code != 0
    assert SLUG_RULE in str(result.exception)


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


# A name in another script, or one that derives an invalid identifier, through
# `copier copy --defaults -d`: (answers, slug and package, or the words of the
# rule stated on the last line of a refusal).
NAMES = [
    pytest.param({"project_name": "!!!"}, "set project_slug", id="punctuation-only"),
    pytest.param(
        {"project_name": "Склад Сервис"}, ("sklad-servis", "sklad_servis"), id="cyrillic"
    ),
    pytest.param(
        {"project_name": "Київ Сервіс"}, ("kiiv-servis", "kiiv_servis"), id="cyrillic-ukrainian"
    ),
    pytest.param(
        {"project_name": "Αποθήκη Ευρώπη"}, ("apothiki-evropi", "apothiki_evropi"), id="greek"
    ),
    pytest.param(
        {"project_name": "インベントリ・サービス"},
        ("inbentori-sabisu", "inbentori_sabisu"),
        id="katakana",
    ),
    pytest.param({"project_name": "在庫サービス"}, "set project_slug", id="kanji-and-kana"),
    pytest.param({"project_name": "在庫"}, "set project_slug", id="kanji-only"),
    pytest.param(
        {"project_name": "在庫サービス", "project_slug": "zaiko"},
        ("zaiko", "zaiko"),
        id="kanji-with-slug",
    ),
    pytest.param({"project_name": "123 Service"}, ("123-service", "service"), id="leading-digits"),
    pytest.param({"project_name": "123"}, "set package_name", id="digits-only"),
    pytest.param(
        {"project_name": "123", "package_name": "service_123"},
        ("123", "service_123"),
        id="digits-with-package",
    ),
    pytest.param({"project_name": "Json"}, ("json", "json_service"), id="stdlib-module"),
    pytest.param({"project_name": "FastAPI"}, ("fastapi", "fastapi_service"), id="dependency"),
    pytest.param({"project_name": "class"}, ("class", "class_service"), id="keyword"),
]


@pytest.mark.parametrize(("answers", "expected"), NAMES)
def test_any_name_renders_or_is_refused_with_its_rule(
    template_repo: Path, tmp_path: Path, answers: dict[str, str], expected: str | tuple[str, str]
) -> None:
    destination = tmp_path / "project"
    data_options = [option for item in answers.items() for option in ("-d", "=".join(item))]

    completed = subprocess.run(
        [
            executable("copier"),
            "copy",
            "--trust",
            "--defaults",
            "--quiet",
            *data_options,
            str(template_repo),
            str(destination),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    if isinstance(expected, str):
        assert completed.returncode != 0, completed.stdout
        assert expected in last_line(completed.stderr), completed.stderr
        assert_nothing_left(destination)
        return
    assert completed.returncode == 0, completed.stderr
    slug, package = expected
    recorded = answers_file(destination)
    assert (recorded["project_slug"], recorded["package_name"]) == (slug, package)
    assert (destination / "src" / package / "__init__.py").is_file()


def load_naming() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "naming", TEMPLATE_ROOT / "extensions" / "naming.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


naming = load_naming()


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        pytest.param("Straße Łódź Ærø", "strasse-lodz-aero", id="latin-unaccented-letters"),
        pytest.param("Ｗｉｄｅ　Ｌａｔｉｎ", "wide-latin", id="latin-fullwidth"),
        pytest.param("Щёлково Объект", "shchelkovo-obieekt", id="russian"),
        pytest.param("Їжак Ґанок Єнот", "izhak-ganok-ienot", id="ukrainian"),
        pytest.param("Ўзор Беларусь", "uzor-belarus", id="belarusian"),
        pytest.param("Ђорђе Џеп Љиљана Њива Ћуп", "dorde-dzep-ljiljana-njiva-cup", id="serbian"),
        pytest.param("Ѓорѓи Ќерка Ѕвезда", "gorgi-kerka-dzvezda", id="macedonian"),
        pytest.param("Αυτοκίνητο Ευαγγελία", "aftokinito-evangelia", id="greek-digraphs"),
        pytest.param("Ουζερί Αύριο Γξ Γχ", "ouzeri-avrio-nx-nch", id="greek-ou-av"),
        pytest.param("Αϋλος ΣΟΦΟΣ", "aylos-sofos", id="greek-diaeresis-capitals"),
        pytest.param("きゃっしゅ ちゃ じょ", "kyasshu-cha-jo", id="hiragana-yoon-sokuon"),
        pytest.param("マッチャ ファイル ティー ウィキ", "matcha-fairu-ti-wiki", id="katakana"),
        pytest.param("ｻｰﾋﾞｽ", "sabisu", id="katakana-halfwidth"),
        pytest.param("١٢٣ Service", "123-service", id="other-digits"),
        pytest.param("🚀 Rocket ™", "rocket-tm", id="symbols"),
        pytest.param("在庫", "", id="kanji"),
        pytest.param("Inventory 在庫", "", id="latin-and-kanji"),
        pytest.param("재고 서비스", "", id="hangul"),
        pytest.param("مخزن", "", id="arabic"),
        pytest.param("!!! ...", "", id="punctuation"),
    ],
)
def test_slugify_transliterates_or_derives_nothing(name: str, slug: str) -> None:
    assert naming.slugify(name) == slug


@pytest.mark.parametrize(
    ("slug", "package"),
    [
        pytest.param("inventory-service", "inventory_service", id="plain"),
        pytest.param("123-service", "service", id="leading-digits"),
        pytest.param("1-2-3-go", "go", id="leading-digit-words"),
        pytest.param("123", "", id="digits-only"),
        pytest.param("json", "json_service", id="stdlib"),
        pytest.param("pydantic", "pydantic_service", id="dependency"),
        pytest.param("class", "class_service", id="keyword"),
        pytest.param("match", "match_service", id="soft-keyword"),
        pytest.param("a" * 31 + "-b", "a" * 31, id="cut-before-a-separator"),
        pytest.param("Not-A-Slug", "", id="invalid-slug"),
    ],
)
def test_package_name_from_slug_is_valid_or_empty(slug: str, package: str) -> None:
    assert naming.package_name_from_slug(slug) == package
    assert package == "" or naming.is_valid_package_name(package)


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
