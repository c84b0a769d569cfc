"""Every variant in one place: a file that every framework renders (its path
names no framework or data layer) never branches on the framework.

Python modules shared by all frameworks may not mention the framework answer
or any fact that changes with it (`uses_django`, `uses_sqlalchemy`,
`serves_admin`, ...): that code lives in a variant module, under the tree of
its framework (template/{% if uses_<framework> %}src{% endif %}/ and
.../tests/). Other shared files (docs, pyproject, CI) may vary through named
facts of the context hook, but not test the framework answer itself.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import pytest
import yaml

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
RENDERED = TEMPLATE_ROOT / "template"
# Jinja fragments that rendered files include.
INCLUDES = TEMPLATE_ROOT / "includes"
# The answer that picks the framework, and with it the data layer.
FRAMEWORK_QUESTION = "framework"
# Tests of the framework itself, whatever file they are in.
FRAMEWORK_TESTS = frozenset(
    {FRAMEWORK_QUESTION, "uses_fastapi", "uses_litestar", "uses_django", "uses_sqlalchemy"}
)


def _context_hook() -> Any:
    spec = importlib.util.spec_from_file_location(
        "template_context", TEMPLATE_ROOT / "extensions" / "context.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.StackFacts


def _questions() -> dict[str, Any]:
    loaded = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"))
    return {name: value for name, value in loaded.items() if not name.startswith("_")}


def _facts(answers: dict[str, Any]) -> dict[str, Any]:
    context = dict(answers)
    hook = _context_hook()
    hook.hook(hook.__new__(hook), context)
    return context


def _choices(question: dict[str, Any]) -> list[Any]:
    choices = question["choices"]
    if isinstance(choices, dict):
        return [value["value"] if isinstance(value, dict) else value for value in choices.values()]
    return list(choices)


@functools.cache
def framework_kin() -> frozenset[str]:
    """The framework answer and every yes/no fact that changes with it."""
    questions = _questions()
    defaults = {
        name: question.get("default", "") if isinstance(question, dict) else question
        for name, question in questions.items()
    }
    defaults["project_name"] = "Inventory Service"
    per_framework = [
        _facts({**defaults, FRAMEWORK_QUESTION: framework})
        for framework in _choices(questions[FRAMEWORK_QUESTION])
    ]
    varying = {
        name
        for name, value in per_framework[0].items()
        if isinstance(value, bool) and any(facts.get(name) != value for facts in per_framework)
    }
    return frozenset({FRAMEWORK_QUESTION, *varying})


# Parses templates, never renders them: there is nothing to escape.
_PARSER = jinja2.Environment(keep_trailing_newline=True)  # noqa: S701


def names_used(source: str) -> set[str]:
    """The template variables a Jinja source refers to."""
    return set(jinja2.meta.find_undeclared_variables(_PARSER.parse(source)))


def is_variant_path(relative: Path) -> bool:
    return bool(names_used(str(relative)) & framework_kin())


def shared_files(root: Path) -> list[Path]:
    return sorted(
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file() and not is_variant_path(path.relative_to(root))
    )


def is_python(relative: Path) -> bool:
    return relative.name.removesuffix(".jinja").endswith(".py")


def branches_on_the_framework(root: Path, files: Iterable[Path]) -> list[str]:
    """`path: names` for each shared file that tests the framework where it may not."""
    problems = []
    for relative in files:
        forbidden = framework_kin() if is_python(relative) else FRAMEWORK_TESTS
        try:
            used = names_used((root / relative).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, jinja2.TemplateSyntaxError):
            continue  # binary files and other languages' templates hold no Jinja of ours
        if found := sorted(used & forbidden):
            problems.append(f"{relative}: {', '.join(found)}")
    return problems


def test_the_frameworks_kin_is_known() -> None:
    assert {"uses_fastapi", "uses_litestar", "uses_django", "uses_sqlalchemy"} <= framework_kin()


@pytest.mark.parametrize("root", [RENDERED, INCLUDES], ids=["template", "includes"])
def test_shared_files_never_branch_on_the_framework(root: Path) -> None:
    assert branches_on_the_framework(root, shared_files(root)) == []


def test_variant_trees_are_the_only_place_of_framework_files() -> None:
    variant_roots = {
        relative.parts[0]
        for relative in (path.relative_to(RENDERED) for path in RENDERED.rglob("*"))
        if is_variant_path(Path(relative.parts[0]))
    }
    nested = [
        str(relative)
        for relative in (path.relative_to(RENDERED) for path in RENDERED.rglob("*"))
        if relative.parts[0] not in variant_roots
        and any(is_variant_path(Path(part)) for part in relative.parts[1:])
    ]
    assert variant_roots
    # alembic.ini is the SQLAlchemy data layer's one file at the project root.
    assert nested == []


@pytest.mark.parametrize(
    ("name", "source"),
    [
        pytest.param("core/metrics.py.jinja", "{% if uses_django %}x = 1{% endif %}\n", id="if"),
        pytest.param(
            "core/app.py.jinja", "App = {{ 'A' if uses_sqlalchemy else 'B' }}\n", id="expression"
        ),
        pytest.param("core/kin.py.jinja", "{% if serves_admin %}x = 1{% endif %}\n", id="kin"),
        pytest.param(
            "docs/guide.md.jinja", "{% if framework == 'django' %}x{% endif %}\n", id="doc"
        ),
    ],
)
def test_a_shared_file_that_branches_on_the_framework_is_found(
    tmp_path: Path, name: str, source: str
) -> None:
    sample = tmp_path / name
    sample.parent.mkdir(parents=True)
    sample.write_text(source, encoding="utf-8")

    assert branches_on_the_framework(tmp_path, shared_files(tmp_path)) == [
        f"{name}: {', '.join(sorted(names_used(source) & framework_kin()))}"
    ]


def test_a_named_fact_in_a_shared_document_is_allowed(tmp_path: Path) -> None:
    sample = tmp_path / "docs" / "guide.md.jinja"
    sample.parent.mkdir(parents=True)
    sample.write_text("{% if serves_admin %}The admin.{% endif %}\n", encoding="utf-8")

    assert branches_on_the_framework(tmp_path, shared_files(tmp_path)) == []


def test_a_variant_module_may_name_its_framework(tmp_path: Path) -> None:
    sample = tmp_path / "{% if uses_django %}src{% endif %}" / "app.py.jinja"
    sample.parent.mkdir(parents=True)
    sample.write_text("{% if uses_django %}x = 1{% endif %}\n", encoding="utf-8")

    assert shared_files(tmp_path) == []
