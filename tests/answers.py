"""The answers copier.yml allows, read from copier.yml itself: the factors the
test matrix combines and the constraints between them. Nothing here names a
question; tests/test_matrix.py proves this view equals Copier's.

Factors: every question with `choices` (and every `bool` question: yes or
no), unless its `when` is a constant false (a computed value, never asked).
A multiselect question is one yes/no factor per choice, named
`question.choice`. A question whose `when` is a template gets one more value,
NOT_ASKED, when that template can render false: its answer is then absent
from the data passed to Copier. Free-text questions are not factors: their
defaults are used.

Constraints: the `when` of those questions, their `validator`, and their
choices' validators (a choice whose validator renders anything is disabled:
choosing it is an error). They are rendered as Copier renders them: in
copier.yml order, in a sandboxed Jinja environment with copier.yml's
`_envops` and the template's own Jinja extensions, with the answers passed as
data and, for a question that was not asked, its default.

Convention: a constraint names answers of questions with choices directly
(`{{ queue != 'none' }}`), never a fact derived from them by a context hook or
a free-text answer; anything else is an error that names the constraint.

Constrained questions, with the questions their constraints name, form small
groups; the valid joint assignments of each group are enumerated exactly
(a small product), and a t-tuple of values is allowed when, restricted to
each group, it is part of one of them. The product of every question is never
enumerated, except by `all_combinations()` on demand.
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import itertools
import math
import sys
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import covering
import jinja2
import yaml
from jinja2 import meta
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment


class _NotAsked(enum.Enum):
    NOT_ASKED = "not asked"

    def __repr__(self) -> str:
        return "NOT_ASKED"


# The value of a factor whose question's `when` rendered false.
NOT_ASKED = _NotAsked.NOT_ASKED
_MISSING = object()

# Copier adds these to every template's environment (copier/_main.py, jinja_env).
COPIER_EXTENSIONS: tuple[str, ...] = ("jinja2_ansible_filters.AnsibleCoreFiltersExtension",)
# What loads `path.py:Class` extensions in Copier; here they are loaded by path.
EXTENSION_LOADER = "copier_template_extensions.TemplateExtensionLoader"


class ModelError(ValueError):
    """copier.yml uses something the model of the answers cannot evaluate."""


class InvalidCombinationError(ValueError):
    """These answers are not a combination Copier accepts."""


def cast_to_bool(value: Any) -> bool:
    """How Copier turns a rendered `when` into a boolean (copier/_tools.py)."""
    try:
        return bool(float(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        lower = value.strip().lower()
        if not lower:
            return False
        if lower in {"y", "yes", "t", "true", "on"}:
            return True
        if lower in {"n", "no", "f", "false", "off", "~", "null", "none"}:
            return False
    return bool(value)


def _cast_to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    raise ValueError(f"Could not convert {value!r} to string")


# Copier's casts by question type (copier/_user_data.py, CAST_STR_TO_NATIVE).
CASTS = {
    "bool": cast_to_bool,
    "float": float,
    "int": int,
    "str": _cast_to_str,
    "path": str,
    "json": lambda value: value,
    "yaml": lambda value: value,
}


def _is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


@dataclass(frozen=True)
class Choice:
    label: str
    value: Hashable
    # Renders non-empty when the choice is disabled, with the reason.
    validator: str = ""


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    choices: tuple[Choice, ...]
    multiselect: bool
    default: Any
    when: str | bool
    validator: str

    @property
    def values(self) -> tuple[Hashable, ...]:
        if self.choices:
            return tuple(choice.value for choice in self.choices)
        return (True, False) if self.type == "bool" else ()

    @property
    def never_asked(self) -> bool:
        return not _is_template(self.when) and not cast_to_bool(self.when)

    @property
    def may_be_skipped(self) -> bool:
        return _is_template(self.when)

    @property
    def is_factor(self) -> bool:
        return bool(self.values) and not self.never_asked

    def factor_names(self) -> tuple[str, ...]:
        if self.multiselect:
            return tuple(f"{self.name}.{value}" for value in self.values)
        return (self.name,)


@dataclass(frozen=True)
class Factor:
    """One column of the matrix: a question, or one choice of a multiselect."""

    name: str
    question: str
    values: tuple[Hashable, ...]
    default: Hashable
    # For a multiselect's choice: the value that True selects.
    choice: Hashable = None


def _question(name: str, details: Any) -> Question:
    if not isinstance(details, dict):
        details = {"default": details}  # Copier's shorthand `name: default`
    default = details.get("default", _MISSING)
    type_name = details.get("type") or (
        type(default).__name__ if type(default).__name__ in CASTS else "yaml"
    )
    if _is_template(type_name):
        raise ModelError(f"question {name!r}: a templated `type` is not supported")
    cast = CASTS[type_name]
    raw_choices = details.get("choices", [])
    if isinstance(raw_choices, str):
        if _is_template(raw_choices):
            raise ModelError(
                f"question {name!r}: templated `choices` are not supported by the test "
                "matrix; disable a choice with a choice validator instead"
            )
        raw_choices = yaml.safe_load(raw_choices) or []
    pairs = list(raw_choices.items()) if isinstance(raw_choices, dict) else raw_choices
    choices = []
    for pair in pairs:
        label, value = pair if isinstance(pair, (list, tuple)) else (pair, pair)
        validator = ""
        if isinstance(pair, (list, tuple)) and isinstance(value, dict):
            validator = value.get("validator", "")
            value = value["value"]
        if _is_template(value):
            raise ModelError(f"question {name!r}: templated choice values are not supported")
        choices.append(Choice(str(label), cast(value), validator))
    return Question(
        name=name,
        type=type_name,
        choices=tuple(choices),
        multiselect=bool(details.get("multiselect", False)),
        default=default,
        when=details.get("when", True),
        validator=details.get("validator", ""),
    )


def _load_extension(root: Path, entry: str) -> type[Extension] | str | None:
    """A `_jinja_extensions` entry as Copier would load it, or None for context hooks."""
    if entry == EXTENSION_LOADER:
        return None
    if ":" not in entry:
        return entry  # an importable name: Jinja imports it
    path, _, class_name = entry.partition(":")
    module_name = f"_matrix_extension_{Path(path).stem}"
    spec = importlib.util.spec_from_file_location(module_name, root / path)
    if spec is None or spec.loader is None:
        raise ModelError(f"cannot load the Jinja extension {entry!r}")
    module = sys.modules.get(module_name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    extension: type[Extension] = getattr(module, class_name)
    hooks = importlib.import_module("copier_template_extensions")
    if issubclass(extension, hooks.ContextHook):
        # Derives facts from the answers; constraints name answers only.
        return None
    return extension


def environment_for(root: Path, settings: Mapping[str, Any]) -> SandboxedEnvironment:
    """Jinja as Copier sets it up for this template, context hooks left out."""
    envops = dict(settings.get("envops", {}))
    envops.setdefault("keep_trailing_newline", True)
    if undefined := envops.get("undefined"):
        envops["undefined"] = getattr(jinja2, undefined.rpartition(".")[2])
    extensions: list[type[Extension] | str] = list(COPIER_EXTENSIONS)
    for entry in settings.get("jinja_extensions", ()):
        loaded = _load_extension(root, entry)
        if loaded is not None:
            extensions.append(loaded)
    return SandboxedEnvironment(extensions=extensions, **envops)


class Combination(Mapping[str, Any]):
    """One set of answers: question -> answer, in copier.yml order, a
    multiselect's answer as a tuple. A question that was not asked is absent.
    Hashable; its id names every answer, in copier.yml order."""

    __slots__ = ("_items", "_questions")

    def __init__(self, answers: Mapping[str, Any], questions: Sequence[Question]) -> None:
        self._questions = tuple(questions)
        self._items = tuple(
            (question.name, answers[question.name])
            for question in self._questions
            if question.name in answers
        )

    def __getitem__(self, name: str) -> Any:
        for key, value in self._items:
            if key == name:
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Combination) and self._items == other._items

    def __repr__(self) -> str:
        return f"Combination({self.id})"

    @property
    def answers(self) -> dict[str, Any]:
        """As Copier takes them in `data`."""
        return {
            name: list(value) if isinstance(value, tuple) else value for name, value in self._items
        }

    def key(self, without: Iterable[str] = ()) -> str:
        """Names the answers, but those of `without`, in copier.yml order."""
        left_out = set(without)
        return "-".join(
            _label(question, self.get(question.name, NOT_ASKED))
            for question in self._questions
            if question.name not in left_out
        )

    @property
    def id(self) -> str:
        return self.key()


def _label(question: Question, value: Any) -> str:
    if value is NOT_ASKED:
        return f"{question.name}-unasked"
    if isinstance(value, tuple):
        return "+".join(str(item) for item in value) or f"no-{question.name}"
    if isinstance(value, bool):
        return question.name if value else f"no-{question.name}"
    return str(value)


@dataclass(frozen=True)
class _Constraint:
    question: str
    kind: str  # "when", "validator", "choice <value> validator", "default"
    source: str


class Model:
    """The factors and constraints of one copier.yml."""

    def __init__(self, questions: Mapping[str, Question], environment: SandboxedEnvironment):
        self.questions = dict(questions)
        self._environment = environment
        self._templates: dict[str, jinja2.Template] = {}
        self._factor_questions = tuple(q for q in self.questions.values() if q.is_factor)
        self._by_name = {question.name: question for question in self._factor_questions}
        dependencies = self._dependencies()
        self._groups_of_questions = self._group(dependencies)
        provisional = {
            name: values
            for question in self._factor_questions
            for name, values in self._provisional_values(question).items()
        }
        self.groups = tuple(
            self._valid_assignments(members, provisional) for members in self._groups_of_questions
        )
        # NOT_ASKED is a value only where some valid assignment has it.
        possible: dict[str, set[Hashable]] = {}
        for group in self.groups:
            for position, name in enumerate(group.factors):
                possible[name] = {assignment[position] for assignment in group.valid}
        try:
            self.defaults = self.combination()
        except InvalidCombinationError as error:
            raise ModelError(
                f"copier.yml's defaults are not a valid combination: {error}"
            ) from None
        default_row = self.row(self.defaults)
        self.factors: dict[str, Factor] = {}
        for question in self._factor_questions:
            for index, name in enumerate(question.factor_names()):
                self.factors[name] = Factor(
                    name=name,
                    question=question.name,
                    values=tuple(
                        value
                        for value in provisional[name]
                        if value is not NOT_ASKED or NOT_ASKED in possible.get(name, ())
                    ),
                    default=default_row[name],
                    choice=question.values[index] if question.multiselect else None,
                )
        self.constraints = covering.Constraints(self.domains(), self.groups)

    # ----------------------------------------------------------- reading
    def _template(self, source: str) -> jinja2.Template:
        if source not in self._templates:
            self._templates[source] = self._environment.from_string(source)
        return self._templates[source]

    def _constraints_of(self, question: Question) -> list[_Constraint]:
        found = []
        if isinstance(question.when, str):
            found.append(_Constraint(question.name, "when", question.when))
        if question.validator:
            found.append(_Constraint(question.name, "validator", question.validator))
        found += [
            _Constraint(question.name, f"choice {choice.value!r} validator", choice.validator)
            for choice in question.choices
            if choice.validator
        ]
        if question.may_be_skipped and _is_template(question.default):
            # The default of a question not asked is the answer later constraints see.
            found.append(_Constraint(question.name, "default", question.default))
        return found

    def _names_in(self, constraint: _Constraint) -> set[str]:
        try:
            parsed = self._environment.parse(constraint.source)
        except jinja2.TemplateSyntaxError as error:
            raise ModelError(
                f"the {constraint.kind} of question {constraint.question!r} is not valid "
                f"Jinja: {error}"
            ) from None
        return set(meta.find_undeclared_variables(parsed))

    def _dependencies(self) -> dict[str, set[str]]:
        """Question -> the questions its constraints name, for constrained questions."""
        dependencies: dict[str, set[str]] = {}
        for question in self._factor_questions:
            constraints = self._constraints_of(question)
            if not constraints:
                continue
            names: set[str] = set()
            for constraint in constraints:
                found = self._names_in(constraint)
                strangers = sorted(found - self._by_name.keys())
                if strangers:
                    raise ModelError(
                        f"the {constraint.kind} of question {constraint.question!r} "
                        f"({constraint.source.strip()!r}) names {', '.join(strangers)}, which "
                        "is not a question with choices in copier.yml: a constraint must name "
                        "the answers it depends on directly"
                    )
                names |= found
            dependencies[question.name] = names | {question.name}
        # A free-text question may be asked only for some answers (its `when`):
        # its default is used either way. But a validator that ties it to other
        # answers would be a constraint the matrix cannot evaluate.
        for question in self.questions.values():
            if question.is_factor or question.never_asked or not question.validator:
                continue
            found = self._names_in(_Constraint(question.name, "validator", question.validator))
            if found & self._by_name.keys():
                raise ModelError(
                    f"the validator of the free-text question {question.name!r} names "
                    f"{', '.join(sorted(found & self._by_name.keys()))}: the test matrix "
                    "cannot evaluate constraints on free-text answers"
                )
        return dependencies

    def _group(self, dependencies: Mapping[str, set[str]]) -> list[tuple[str, ...]]:
        """Connected groups of constrained questions and what they name, in copier.yml order."""
        parent = {name: name for names in dependencies.values() for name in names}

        def root(name: str) -> str:
            while parent[name] != name:
                name = parent[name]
            return name

        for names in dependencies.values():
            first, *others = sorted(names, key=list(self._by_name).index)
            for other in others:
                parent[root(other)] = root(first)
        groups: dict[str, list[str]] = {}
        for question in self._factor_questions:
            if question.name in parent:
                groups.setdefault(root(question.name), []).append(question.name)
        return [tuple(members) for members in groups.values()]

    def _provisional_values(self, question: Question) -> dict[str, tuple[Hashable, ...]]:
        extra = (NOT_ASKED,) if question.may_be_skipped else ()
        if question.multiselect:
            return dict.fromkeys(question.factor_names(), (True, False, *extra))
        return {question.name: (*question.values, *extra)}

    def _valid_assignments(
        self, members: Sequence[str], provisional: Mapping[str, tuple[Hashable, ...]]
    ) -> covering.Group:
        questions = [self._by_name[name] for name in members]
        names = tuple(name for question in questions for name in question.factor_names())
        valid = set()
        for values in itertools.product(*(provisional[name] for name in names)):
            row = dict(zip(names, values, strict=True))
            try:
                given = self._answers_of(row, questions)
                self._walk(given, questions)
            except InvalidCombinationError:
                continue
            valid.add(values)
        return covering.Group(names, frozenset(valid))

    # --------------------------------------------------------- evaluating
    def _render(self, source: str, context: Mapping[str, Any]) -> str:
        return self._template(source).render(**context)

    def _context_value(self, value: Any) -> Any:
        return list(value) if isinstance(value, tuple) else value

    def _default(self, question: Question, context: Mapping[str, Any]) -> Any:
        default = question.default
        if isinstance(default, str):
            default = self._render(default, context)
            if question.multiselect:
                default = yaml.safe_load(default) or []
        return default

    def _parse(self, question: Question, value: Any, context: Mapping[str, Any]) -> Any:
        """The answer as Copier parses it: a choice that is not disabled, cast to its type."""
        if not question.choices:
            return CASTS[question.type](value)
        if question.multiselect:
            if not isinstance(value, (list, tuple)):
                raise InvalidCombinationError(
                    f"{question.name}: a multiselect answer must be a list"
                )
            selected = [CASTS[question.type](item) for item in value]
            for item in selected:
                self._choice(question, item, context)
            return tuple(v for v in question.values if v in selected)
        return self._choice(question, CASTS[question.type](value), context)

    def _choice(self, question: Question, value: Any, context: Mapping[str, Any]) -> Any:
        for choice in question.choices:
            if choice.value == value:
                disabled = choice.validator and self._render(choice.validator, context)
                if disabled:
                    raise InvalidCombinationError(
                        f"{question.name}={value!r} is disabled: {disabled}"
                    )
                return value
        raise InvalidCombinationError(
            f"{question.name}={value!r} is not a choice of {list(question.values)}"
        )

    def _walk(self, given: Mapping[str, Any], questions: Sequence[Question]) -> dict[str, Any]:
        """Answer `questions` in order as `copier copy --defaults --data` does.

        `given`: question -> answer or NOT_ASKED; a question missing from it
        takes its default. Returns the answers of the questions asked."""
        data = {
            name: self._context_value(value)
            for name, value in given.items()
            if value is not NOT_ASKED
        }
        answered: dict[str, Any] = {}
        asked: dict[str, Any] = {}
        for question in questions:
            context = {**data, **answered}
            value = given.get(question.name, _MISSING)
            try:
                when = question.when
                shown = cast_to_bool(
                    self._render(when, context) if isinstance(when, str) else when
                )
                if not shown:
                    if value is not _MISSING and value is not NOT_ASKED:
                        raise InvalidCombinationError(
                            f"{question.name} is not asked, yet answered {value!r}"
                        )
                    default = self._default(question, context)
                    if default is not _MISSING:
                        answered[question.name] = self._context_value(
                            self._parse(question, default, context)
                        )
                    continue
                if value is NOT_ASKED:
                    raise InvalidCombinationError(f"{question.name} is asked, yet left unanswered")
                if value is _MISSING:
                    value = self._default(question, context)
                    if value is _MISSING:
                        raise InvalidCombinationError(f"{question.name} has no default")
                value = self._parse(question, value, context)
                if question.validator:
                    message = self._render(
                        question.validator, {**context, question.name: self._context_value(value)}
                    ).strip()
                    if message:
                        raise InvalidCombinationError(f"{question.name}={value!r}: {message}")
            except InvalidCombinationError:
                raise
            except Exception as error:  # Copier fails on any error in a constraint too
                raise InvalidCombinationError(
                    f"{question.name}: {type(error).__name__}: {error}"
                ) from None
            answered[question.name] = self._context_value(value)
            asked[question.name] = value
        return asked

    def _answers_of(
        self, row: Mapping[str, Hashable], questions: Iterable[Question]
    ) -> dict[str, Any]:
        """A row's values as answers (NOT_ASKED kept), for the questions given."""
        answers: dict[str, Any] = {}
        for question in questions:
            if not question.multiselect:
                answers[question.name] = row[question.name]
                continue
            values = [row[name] for name in question.factor_names()]
            if all(value is NOT_ASKED for value in values):
                answers[question.name] = NOT_ASKED
            elif NOT_ASKED in values:
                raise InvalidCombinationError(f"{question.name}: some choices asked, others not")
            else:
                answers[question.name] = tuple(
                    choice
                    for choice, selected in zip(question.values, values, strict=True)
                    if selected
                )
        return answers

    # ------------------------------------------------------------ the API
    def domains(self) -> dict[str, tuple[Hashable, ...]]:
        """Factor -> its values, in copier.yml order."""
        return {name: factor.values for name, factor in self.factors.items()}

    def values(self, question: str) -> tuple[Hashable, ...]:
        """The choices of a question, in copier.yml order."""
        return self._by_name[question].values

    def combination(self, **answers: Any) -> Combination:
        """The defaults, with `answers` instead; a question not asked is left out.

        Raises InvalidCombinationError if Copier would refuse them."""
        unknown = set(answers) - self._by_name.keys()
        if unknown:
            raise InvalidCombinationError(f"not questions with choices: {sorted(unknown)}")
        return Combination(self._walk(answers, self._factor_questions), self._factor_questions)

    def combination_of(self, row: Mapping[str, Hashable]) -> Combination:
        """A row of factor values as the answers it stands for."""
        answers = self._answers_of(row, self._factor_questions)
        return Combination(
            {name: value for name, value in answers.items() if value is not NOT_ASKED},
            self._factor_questions,
        )

    def row(self, combination: Mapping[str, Any]) -> dict[str, Hashable]:
        """Factor -> value for a combination."""
        row: dict[str, Hashable] = {}
        for question in self._factor_questions:
            value = combination.get(question.name, NOT_ASKED)
            if question.multiselect:
                for choice, name in zip(question.values, question.factor_names(), strict=True):
                    row[name] = NOT_ASKED if value is NOT_ASKED else choice in value
            else:
                row[question.name] = value
        return row

    def is_valid(self, combination: Mapping[str, Any]) -> bool:
        """Copier accepts these answers as they are (checked by walking every
        question), and each is one of its factor's values."""
        given = {q.name: combination.get(q.name, NOT_ASKED) for q in self._factor_questions}
        try:
            row = self.row(combination)
        except TypeError:  # a multiselect answered with something else than a list
            return False
        if any(value not in self.factors[name].values for name, value in row.items()):
            return False
        try:
            self._walk(given, self._factor_questions)
        except InvalidCombinationError:
            return False
        return True

    def covering(
        self,
        strength: int,
        at_defaults: Iterable[str] = (),
        given: Iterable[Combination] = (),
    ) -> tuple[Combination, ...]:
        """A covering array of `strength`, the questions `at_defaults` held at
        their default: the rows that, with the `given` combinations, cover every
        allowed tuple (the given ones are not repeated)."""
        return tuple(
            self.combination_of(row)
            for row in covering.covering_array(
                self.restricted(at_defaults),
                strength,
                self.groups,
                {name: factor.default for name, factor in self.factors.items()},
                given=[self.row(combination) for combination in given],
            )
        )

    def restricted(self, at_defaults: Iterable[str] = ()) -> dict[str, tuple[Hashable, ...]]:
        """The factors, those of the questions `at_defaults` with their default value only."""
        held = set(at_defaults)
        unknown = held - self._by_name.keys()
        if unknown:
            raise ValueError(f"not questions with choices: {sorted(unknown)}")
        return {
            name: (factor.default,) if factor.question in held else factor.values
            for name, factor in self.factors.items()
        }

    def uncovered(
        self, combinations: Iterable[Combination], strength: int, at_defaults: Iterable[str] = ()
    ) -> list[covering.Tuple]:
        """The allowed tuples of `strength` factors that none of `combinations` has."""
        return covering.uncovered(
            (self.row(combination) for combination in combinations),
            self.restricted(at_defaults),
            strength,
            self.groups,
        )

    def covering_subset(
        self,
        combinations: Sequence[Combination],
        strength: int,
        first: Iterable[Combination] = (),
    ) -> tuple[Combination, ...]:
        """`first`, then as few of `combinations` as have, with them, every tuple
        of `strength` factors that `combinations` have: each picked greedily, the
        one that adds the most."""
        names = list(self.factors)

        def tuples(combination: Combination) -> set[covering.Tuple]:
            row = self.row(combination)
            return {
                tuple((name, row[name]) for name in subset)
                for subset in itertools.combinations(names, strength)
            }

        has = {combination: tuples(combination) for combination in combinations}
        chosen = list(first)
        missing = set().union(*has.values()).difference(*(tuples(c) for c in chosen))
        while missing:
            best = max(combinations, key=lambda combination: len(has[combination] & missing))
            chosen.append(best)
            missing -= has[best]
        return tuple(chosen)

    def all_combinations(self) -> tuple[Combination, ...]:
        """Every valid combination: the full product, constraints applied (on demand)."""
        grouped = {name for group in self.groups for name in group.factors}
        free = [name for name in self.factors if name not in grouped]
        parts: list[list[dict[str, Hashable]]] = [
            [{name: value} for value in self.factors[name].values] for name in free
        ]
        parts += [
            [
                dict(zip(group.factors, assignment, strict=True))
                for assignment in sorted(group.valid, key=repr)
            ]
            for group in self.groups
        ]
        order = list(self.factors)
        rows = (
            {name: merged[name] for name in order}
            for merged in (
                {key: value for part in chosen for key, value in part.items()}
                for chosen in itertools.product(*parts)
            )
        )
        return tuple(self.combination_of(row) for row in rows)

    def product_size(self) -> int:
        """How many valid combinations there are, without listing them."""
        grouped = {name for group in self.groups for name in group.factors}
        free = math.prod(len(f.values) for n, f in self.factors.items() if n not in grouped)
        return free * math.prod(len(group.valid) for group in self.groups)

    def with_extra_questions(self, count: int, values: int) -> Model:
        """This model with `count` more unconstrained questions of `values` choices each."""
        extra = {
            f"extra_{number}": Question(
                name=f"extra_{number}",
                type="str",
                choices=tuple(Choice(f"v{index}", f"v{index}") for index in range(values)),
                multiselect=False,
                default="v0",
                when=True,
                validator="",
            )
            for number in range(1, count + 1)
        }
        return Model({**self.questions, **extra}, self._environment)


def load(copier_yml: Path) -> Model:
    """The model of a template's copier.yml (plain YAML: `!include` is not read)."""
    config = yaml.safe_load(copier_yml.read_text(encoding="utf-8")) or {}
    settings = {key[1:]: value for key, value in config.items() if key.startswith("_")}
    questions = {
        name: _question(name, details)
        for name, details in config.items()
        if not name.startswith("_")
    }
    return Model(questions, environment_for(copier_yml.parent, settings))
