"""The test matrix: the suite's view of the answers equals Copier's, and the
covering arrays cover what they claim.

The model (tests/answers.py) is checked against Copier itself, on the real
copier.yml and on a small synthetic one with a `when` question and a choice
validator (the shape of questions still to come: a broker asked only when
there is a queue, one broker Celery cannot use). Copier's verdicts come from
rendering a questions-only copy of each template (its copier.yml, its
extensions and the answers file), which is quick.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Hashable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import answers
import copier
import covering
import pytest
import yaml
from answers import NOT_ASKED, Model, ModelError
from copier._main import Worker
from copier._user_data import AnswersMap, Question
from profiles import EVERYTHING_ON
from rendering import (
    MATRIX,
    MODEL,
    NOT_SHAPING_MANIFESTS,
    NOT_SHAPING_PYTHON,
    PROJECT_NAME,
    TEMPLATE_ROOT,
    build_matrix,
)

ANSWERS_FILE_TEMPLATE = "{{ _copier_answers|to_nice_yaml -}}\n"

# The shape of the questions to come. `slugify` is the template's own filter
# (extensions/naming.py): constraints are rendered with the template's filters.
SYNTHETIC_COPIER_YML = """\
_subdirectory: template
_jinja_extensions:
  - copier_template_extensions.TemplateExtensionLoader
  - extensions/naming.py:NamingExtension
service_name:
  type: str
  default: Inventory
framework:
  type: str
  choices: [fastapi, litestar]
  default: fastapi
queue:
  type: str
  help: Background jobs
  choices:
    None: none
    Taskiq: taskiq
    Celery: celery
  default: none
broker:
  type: str
  help: Message broker
  when: "{{ queue != 'none' }}"
  choices:
    Redis: redis
    RabbitMQ: rabbitmq
    NATS:
      value: nats
      validator: "{% if queue | slugify == 'celery' %}Celery has no NATS transport{% endif %}"
  default: redis
cache:
  type: str
  choices: [none, redis]
  default: none
cache_url:
  type: str
  when: "{{ cache != 'none' }}"
  default: redis://localhost:6379/0
admin:
  type: bool
  default: true
extras:
  type: str
  multiselect: true
  choices: [graphql, websockets]
  default: [graphql]
"""


def questions_only_template(root: Path, copier_yml: str) -> Path:
    """A template with this copier.yml, the repository's extensions and nothing
    to render but the answers file: Copier's verdicts on answers, quickly."""
    root.mkdir(parents=True)
    (root / "copier.yml").write_text(copier_yml, encoding="utf-8")
    shutil.copytree(
        TEMPLATE_ROOT / "extensions",
        root / "extensions",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    subdirectory = yaml.safe_load(copier_yml).get("_subdirectory", ".")
    answers_file = root / subdirectory / "{{ _copier_conf.answers_file }}.jinja"
    answers_file.parent.mkdir(parents=True, exist_ok=True)
    answers_file.write_text(ANSWERS_FILE_TEMPLATE, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def synthetic_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return questions_only_template(
        tmp_path_factory.mktemp("synthetic") / "template", SYNTHETIC_COPIER_YML
    )


@pytest.fixture(scope="module")
def synthetic(synthetic_template: Path) -> Model:
    return answers.load(synthetic_template / "copier.yml")


@pytest.fixture(scope="module")
def real_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return questions_only_template(
        tmp_path_factory.mktemp("real") / "template",
        (TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"),
    )


def copier_questions(
    template: Path, destination: Path, context: Mapping[str, Any]
) -> Iterator[Question]:
    """The questions as Copier itself parses them, rendered with `context`."""
    with Worker(src_path=str(template), dst_path=destination, unsafe=True, quiet=True) as worker:
        for name, details in worker.template.questions_data.items():
            yield Question(
                var_name=name,
                answers=AnswersMap(),
                context=dict(context),
                jinja_env=worker.jinja_env,
                **details,
            )


def copier_keeps(
    template: Path, destination: Path, data: Mapping[str, Any], questions: Iterable[str]
) -> bool:
    """Copier accepts `data` and records exactly those answers to `questions`:
    none dropped (a question not asked), none added (a default)."""
    try:
        # Copier's tasks would lock a project this template does not render.
        copier.run_copy(
            str(template),
            destination,
            data=dict(data),
            defaults=True,
            unsafe=True,
            quiet=True,
            skip_tasks=True,
        )
    except ValueError:
        return False
    recorded = yaml.safe_load((destination / ".copier-answers.yml").read_text(encoding="utf-8"))
    return {name: recorded.get(name) for name in questions} == {
        name: data.get(name) for name in questions
    }


# ------------------------------------------------ the suite's view is Copier's


@pytest.mark.parametrize("which", ["real", "synthetic"])
def test_the_factors_are_copiers_questions_with_choices(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    template: Path = request.getfixturevalue(f"{which}_template")
    model = answers.load(template / "copier.yml")

    seen = {}
    for question in copier_questions(template, tmp_path / "project", model.defaults.answers):
        if not question.get_when() and not isinstance(question.when, str):
            continue  # computed, never asked
        if question.choices:
            values = tuple(choice.value for choice in question._formatted_choices)
        elif question.get_type_name() == "bool":
            values = (True, False)
        else:
            assert question.var_name not in model.factors, question.var_name
            continue
        default = question.get_default()
        seen[question.var_name] = {
            "values": values,
            "multiselect": question.multiselect,
            "default": tuple(default) if question.multiselect else default,
        }
    mine = {
        name: {
            "values": model.values(name),
            "multiselect": model.questions[name].multiselect,
            "default": model.defaults.get(name, model.questions[name].default),
        }
        for name in {factor.question for factor in model.factors.values()}
    }

    assert mine == seen
    # A multiselect is one yes/no factor per choice; any other question, one factor.
    assert list(model.factors) == [
        name
        for question, details in seen.items()
        for name in (
            [f"{question}.{value}" for value in details["values"]]
            if details["multiselect"]
            else [question]
        )
    ]


def test_the_synthetic_model_reads_when_and_choice_validators(synthetic: Model) -> None:
    assert {name: factor.values for name, factor in synthetic.factors.items()} == {
        "framework": ("fastapi", "litestar"),
        "queue": ("none", "taskiq", "celery"),
        # Asked only when there is a queue: "not asked" is a value of its own.
        "broker": ("redis", "rabbitmq", "nats", NOT_ASKED),
        "cache": ("none", "redis"),
        "admin": (True, False),
        "extras.graphql": (True, False),
        "extras.websockets": (True, False),
    }
    ((group),) = synthetic.groups
    assert group.factors == ("queue", "broker")
    assert group.valid == {
        ("none", NOT_ASKED),
        ("taskiq", "redis"),
        ("taskiq", "rabbitmq"),
        ("taskiq", "nats"),
        ("celery", "redis"),
        ("celery", "rabbitmq"),
    }
    assert dict(synthetic.defaults) == {
        "framework": "fastapi",
        "queue": "none",
        "cache": "none",
        "admin": True,
        "extras": ("graphql",),
    }
    assert synthetic.defaults.id == "fastapi-none-broker-unasked-none-admin-graphql"


def constrained_assignments(model: Model) -> Iterator[dict[str, Any]]:
    """Every joint answer of the constrained questions, valid or not, the others
    at their defaults; NOT_ASKED left out of the answers."""
    constrained = [name for group in model.groups for name in group.factors]
    domains = [model.factors[name].values for name in constrained]
    for values in itertools.product(*domains):
        row = {**model.row(model.defaults), **dict(zip(constrained, values, strict=True))}
        yield row


@pytest.mark.parametrize("which", ["real", "synthetic"])
def test_copier_accepts_exactly_the_combinations_the_model_allows(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    template: Path = request.getfixturevalue(f"{which}_template")
    model = answers.load(template / "copier.yml")
    rows = list(constrained_assignments(model))
    # Without constraints (the real copier.yml today), a pairwise array still
    # checks that what the model allows, Copier accepts.
    rows += [model.row(combination) for combination in model.covering(2)]
    # And answers outside the choices, which neither accepts.
    outside = [
        {**model.row(model.defaults), name: "not-a-choice"}
        for name, factor in model.factors.items()
        if factor.choice is None
    ]

    questions = {factor.question for factor in model.factors.values()}
    verdicts = []
    for index, row in enumerate([*rows, *outside]):
        combination = model.combination_of(row)
        data = {"project_name": PROJECT_NAME, **combination.answers}
        if "project_name" not in model.questions:
            del data["project_name"]
        allowed = model.constraints.extendable(row) and model.is_valid(combination)
        verdicts.append(
            (
                combination.id,
                allowed,
                copier_keeps(template, tmp_path / str(index), data, questions),
            )
        )

    assert [(id_, allowed) for id_, allowed, _ in verdicts] == [
        (id_, kept) for id_, _, kept in verdicts
    ]
    assert any(allowed for _, allowed, _ in verdicts)
    assert not all(allowed for _, allowed, _ in verdicts)


def test_a_constraint_naming_something_else_than_a_question_is_an_error(
    tmp_path: Path,
) -> None:
    copier_yml = SYNTHETIC_COPIER_YML.replace(
        "when: \"{{ queue != 'none' }}\"", 'when: "{{ uses_queue }}"'
    )
    template = questions_only_template(tmp_path / "template", copier_yml)

    with pytest.raises(ModelError, match=r"when of question 'broker'.*names uses_queue"):
        answers.load(template / "copier.yml")


def test_a_constraint_naming_a_free_text_answer_is_an_error(tmp_path: Path) -> None:
    copier_yml = SYNTHETIC_COPIER_YML.replace(
        "when: \"{{ queue != 'none' }}\"", "when: \"{{ service_name != '' }}\""
    )
    template = questions_only_template(tmp_path / "template", copier_yml)

    with pytest.raises(ModelError, match=r"when of question 'broker'.*names service_name"):
        answers.load(template / "copier.yml")


def test_a_free_text_validator_naming_an_answer_is_an_error(tmp_path: Path) -> None:
    copier_yml = SYNTHETIC_COPIER_YML.replace(
        "  default: Inventory\n",
        "  default: Inventory\n"
        "  validator: \"{% if framework == 'litestar' and not service_name %}no{% endif %}\"\n",
    )
    template = questions_only_template(tmp_path / "template", copier_yml)

    with pytest.raises(ModelError, match=r"free-text question 'service_name' names framework"):
        answers.load(template / "copier.yml")


def test_everything_on_is_made_of_real_choices() -> None:
    for question, answer in EVERYTHING_ON.items():
        assert question in {factor.question for factor in MODEL.factors.values()}, question
        chosen = answer if isinstance(answer, list) else [answer]
        assert set(chosen) <= set(MODEL.values(question)), question
    for combination in MATRIX.everything_on:
        assert MODEL.is_valid(combination)
    assert [c["framework"] for c in MATRIX.everything_on] == list(MODEL.values("framework"))


def test_the_declared_sets_name_questions_with_choices() -> None:
    questions = {factor.question for factor in MODEL.factors.values()}

    assert set(NOT_SHAPING_PYTHON) <= questions
    assert set(NOT_SHAPING_MANIFESTS) <= questions


# ------------------------------------------------------------ covering arrays


def test_the_strength_3_array_covers_every_allowed_triple() -> None:
    assert MODEL.uncovered(MATRIX.strength_3, 3) == []


def test_the_suites_cover_every_allowed_pair_of_the_python_answers() -> None:
    # The pairwise array leaves to the defaults and everything on what they have.
    suites = (MATRIX.defaults, *MATRIX.everything_on, *MATRIX.pairwise)
    assert MODEL.uncovered(suites, 2, at_defaults=NOT_SHAPING_PYTHON) == []
    assert MODEL.uncovered(MATRIX.pairwise, 2, at_defaults=NOT_SHAPING_PYTHON) != []
    for combination in MATRIX.pairwise:
        for question in NOT_SHAPING_PYTHON:
            assert combination.get(question) == MODEL.defaults.get(question)


def test_the_type_checked_subset_covers_every_pair_and_renders_nothing_more() -> None:
    assert MODEL.uncovered(MATRIX.static_pairwise, 2) == []
    assert set(MATRIX.static_pairwise) <= set(MATRIX.static)
    assert set(MATRIX.typed) <= set(MATRIX.python)
    assert len(MATRIX.typed) < len(MATRIX.python)


def test_a_subset_picks_what_covers_the_pairs_of_the_whole() -> None:
    rows = MATRIX.strength_3
    subset = MODEL.covering_subset(rows, 2, first=rows[:1])

    assert subset[0] == rows[0]
    assert MODEL.uncovered(subset, 2) == MODEL.uncovered(rows, 2) == []
    assert len(subset) < len(rows)


def test_the_synthetic_arrays_cover_every_allowed_tuple(synthetic: Model) -> None:
    for strength in (2, 3):
        rows = synthetic.covering(strength)

        assert synthetic.uncovered(rows, strength) == []
        assert all(synthetic.is_valid(row) for row in rows)
    # The tuples the constraints forbid are not asked for.
    allowed = covering.allowed_tuples(synthetic.domains(), 2, synthetic.constraints)
    assert (("queue", "celery"), ("broker", "nats")) not in allowed
    assert (("queue", "none"), ("broker", "redis")) not in allowed
    assert (("queue", "none"), ("broker", NOT_ASKED)) in allowed
    assert (("queue", "taskiq"), ("broker", "nats")) in allowed


def tuples_only_in(
    row: Mapping[str, Hashable], others: list[dict[str, Hashable]], strength: int
) -> set[covering.Tuple]:
    def tuples(of: Mapping[str, Hashable]) -> set[covering.Tuple]:
        return {
            tuple((name, of[name]) for name in names)
            for names in itertools.combinations(MODEL.factors, strength)
        }

    elsewhere = set().union(*(tuples(other) for other in others))
    return tuples(row) - elsewhere


def test_an_array_missing_a_triple_is_reported() -> None:
    rows = [MODEL.row(combination) for combination in MATRIX.strength_3]
    # The last row was added for a triple no earlier row had.
    *earlier, last = rows
    missing = tuples_only_in(last, earlier, 3)
    assert missing

    assert set(MODEL.uncovered(map(MODEL.combination_of, earlier), 3)) == missing


def test_an_array_with_an_altered_row_is_reported() -> None:
    rows = [MODEL.row(combination) for combination in MATRIX.strength_3]
    for index, row in enumerate(rows):
        others = rows[:index] + rows[index + 1 :]
        for triple in sorted(tuples_only_in(row, others, 3), key=repr):
            name, value = triple[0]
            for replacement in MODEL.factors[name].values:
                altered = {**row, name: replacement}
                if replacement != value and MODEL.constraints.extendable(altered):
                    array = [*others, altered]

                    assert triple in MODEL.uncovered(map(MODEL.combination_of, array), 3)
                    return
    pytest.fail("no triple is covered by one row only")


def test_rows_given_to_an_array_are_covered_by_them_and_not_repeated() -> None:
    factors = {"a": (1, 2), "b": (1, 2), "c": (1, 2)}
    given = [{"a": 1, "b": 1, "c": 1}, {"a": 2, "b": 2, "c": 2}]

    rows = covering.covering_array(factors, 2, given=given)

    assert covering.uncovered([*given, *rows], factors, 2) == []
    assert covering.uncovered(rows, factors, 2) != []
    assert not any(row in given for row in rows)


def test_uncovered_finds_a_missing_tuple_under_constraints() -> None:
    factors = {"a": (1, 2), "b": (1, 2), "c": (1, 2)}
    # b == 2 only with a == 2.
    groups = [covering.Group(("a", "b"), frozenset({(1, 1), (2, 1), (2, 2)}))]
    rows = covering.covering_array(factors, 2, groups)

    assert covering.uncovered(rows, factors, 2, groups) == []
    assert all((row["a"], row["b"]) != (1, 2) for row in rows)
    without = [row for row in rows if (row["b"], row["c"]) != (2, 1)]
    missing = covering.uncovered(without, factors, 2, groups)
    assert (("b", 2), ("c", 1)) in missing
    assert (("a", 1), ("b", 2)) not in missing  # forbidden, so never missing


def test_every_row_is_a_valid_combination() -> None:
    for combination in {*MATRIX.strength_3, *MATRIX.pairwise, *MATRIX.static, *MATRIX.suites}:
        assert MODEL.is_valid(combination), combination
        assert MODEL.constraints.extendable(MODEL.row(combination)), combination


ARRAY_IDS = textwrap.dedent(
    """
    import json, rendering
    from rendering import MATRIX
    print(json.dumps({
        "strength_3": [c.id for c in MATRIX.strength_3],
        "pairwise": [c.id for c in MATRIX.pairwise],
        "typed": [c.id for c in MATRIX.typed],
    }))
    """
)


def test_the_arrays_are_the_same_in_every_process() -> None:
    # Each xdist worker builds them at collection: they must agree, whatever
    # the hash seed.
    here = {
        "strength_3": [c.id for c in MATRIX.strength_3],
        "pairwise": [c.id for c in MATRIX.pairwise],
        "typed": [c.id for c in MATRIX.typed],
    }
    assert [c.id for c in MODEL.covering(3)] == here["strength_3"]
    # This process's hash seed is random; the other's is fixed, so they differ.
    completed = subprocess.run(
        [sys.executable, "-c", ARRAY_IDS],
        cwd=Path(__file__).parent,
        env={**os.environ, "PYTHONHASHSEED": "1", "GROUNDWORK_MATRIX": "ci"},
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(completed.stdout) == here


# ---------------------------------------------------------------------- modes


def test_each_mode_renders_what_it_says() -> None:
    ci, full, quick = (build_matrix(MODEL, mode) for mode in ("ci", "full", "quick"))

    assert quick.static == quick.suites == (MODEL.defaults,)
    assert ci.static[0] == MODEL.defaults
    assert {*ci.everything_on, *ci.strength_3} <= set(ci.static)
    assert {MODEL.defaults, *ci.everything_on, *ci.pairwise} == set(ci.suites)
    assert len(full.static) == len(set(full.static)) == MODEL.product_size()
    assert set(ci.static) <= set(full.static)
    assert len(full.suites) == len(full.python)


def test_more_questions_grow_the_arrays_not_the_product() -> None:
    bigger = MODEL.with_extra_questions(3, 3)
    matrix = build_matrix(bigger, "ci")

    assert bigger.product_size() == 27 * MODEL.product_size()
    assert bigger.uncovered(matrix.strength_3, 3) == []
    assert len(matrix.strength_3) < 3 * len(MATRIX.strength_3)
