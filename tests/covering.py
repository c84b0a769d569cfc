"""Covering arrays: few rows in which every allowed t-tuple of values appears.

A t-tuple is t factors with one value each, ((name, value), ...) in factor
order. It is allowed when it extends to an assignment of every factor that the
constraints accept. Constraints come as groups: each names a few factors and
lists every joint assignment of them that is valid; factors in no group are
free. Nothing here knows what the factors mean.

The construction is greedy and deterministic, so that test ids are stable and
every xdist worker collects the same tests: each new row starts from the first
uncovered tuple (in factor order, then value order), then takes the other
factors one by one, in factor order, giving each the allowed value that covers
the most uncovered tuples; ties go to the factor's default, then to the
earlier value. A value is allowed when the row so far still extends to a valid
assignment, so every row is valid.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

Factors = Mapping[str, Sequence[Hashable]]
Row = dict[str, Hashable]
Tuple = tuple[tuple[str, Hashable], ...]


@dataclass(frozen=True)
class Group:
    """Factors bound by constraints, with every joint assignment of them that is valid."""

    factors: tuple[str, ...]
    valid: frozenset[tuple[Hashable, ...]]


class Constraints:
    """Answers whether a partial row still extends to a valid assignment."""

    def __init__(self, factors: Factors, groups: Iterable[Group] = ()) -> None:
        self._groups: list[Group] = []
        for group in groups:
            unknown = set(group.factors) - set(factors)
            if unknown:
                raise ValueError(f"a constraint names factors that are not given: {unknown}")
            # Keep only assignments within the values given (a factor may be
            # restricted to fewer values than its question offers).
            valid = frozenset(
                assignment
                for assignment in group.valid
                if all(
                    value in factors[name]
                    for name, value in zip(group.factors, assignment, strict=True)
                )
            )
            self._groups.append(Group(group.factors, valid))
        self._by_factor: dict[str, list[int]] = {}
        for index, group in enumerate(self._groups):
            for name in group.factors:
                self._by_factor.setdefault(name, []).append(index)
        self._cache: dict[tuple[int, tuple[tuple[int, Hashable], ...]], bool] = {}

    def _group_allows(self, index: int, row: Mapping[str, Hashable]) -> bool:
        group = self._groups[index]
        fixed = tuple(
            (position, row[name]) for position, name in enumerate(group.factors) if name in row
        )
        key = (index, fixed)
        if key not in self._cache:
            self._cache[key] = any(
                all(assignment[position] == value for position, value in fixed)
                for assignment in group.valid
            )
        return self._cache[key]

    def extendable(
        self, row: Mapping[str, Hashable], changed: Iterable[str] | None = None
    ) -> bool:
        """Whether `row` (any subset of the factors) extends to a valid assignment.

        With `changed`, only the groups of those factors are checked (the rest
        of the row is known to be extendable)."""
        names = row if changed is None else changed
        groups = {index for name in names for index in self._by_factor.get(name, ())}
        return all(self._group_allows(index, row) for index in sorted(groups))


def _tuples_of(row: Mapping[str, Hashable], subsets: Iterable[tuple[str, ...]]) -> Iterator[Tuple]:
    for subset in subsets:
        if all(name in row for name in subset):
            yield tuple((name, row[name]) for name in subset)


def allowed_tuples(
    factors: Factors, strength: int, constraints: Constraints | None = None
) -> list[Tuple]:
    """Every allowed t-tuple, in a stable order: factor order, then value order."""
    constraints = constraints or Constraints(factors)
    tuples: list[Tuple] = []
    for subset in itertools.combinations(factors, min(strength, len(factors))):
        for values in itertools.product(*(factors[name] for name in subset)):
            candidate = tuple(zip(subset, values, strict=True))
            if constraints.extendable(dict(candidate)):
                tuples.append(candidate)
    return tuples


def covering_array(
    factors: Factors,
    strength: int,
    groups: Iterable[Group] = (),
    defaults: Mapping[str, Hashable] | None = None,
    given: Iterable[Mapping[str, Hashable]] = (),
) -> list[Row]:
    """Valid rows (factor -> value) that, with the `given` rows (which are not
    returned), cover every allowed tuple of `strength` factors."""
    names = list(factors)
    defaults = defaults or {}
    constraints = Constraints(factors, groups)
    ordered = allowed_tuples(factors, strength, constraints)
    uncovered = set(ordered)
    t = min(strength, len(names))
    for row in given:
        uncovered.difference_update(_tuples_of(row, itertools.combinations(names, t)))
    position = 0
    rows: list[Row] = []
    while uncovered:
        while ordered[position] not in uncovered:
            position += 1
        row: Row = dict(ordered[position])
        for name in names:
            if name in row:
                continue
            # The tuples this factor completes with t - 1 factors already in the row.
            others = [
                tuple(sorted((*subset, name), key=names.index))
                for subset in itertools.combinations(row, t - 1)
            ]
            best: tuple[int, bool, int] | None = None
            for index, value in enumerate(factors[name]):
                candidate = {**row, name: value}
                if not constraints.extendable(candidate, changed=(name,)):
                    continue
                gain = sum(1 for found in _tuples_of(candidate, others) if found in uncovered)
                score = (gain, value == defaults.get(name), -index)
                if best is None or score > best:
                    best = score
            if best is None:  # unreachable: the row was extendable before this factor
                raise AssertionError(f"no valid value of {name} extends {row}")
            row[name] = factors[name][-best[2]]
        row = {name: row[name] for name in names}
        uncovered.difference_update(_tuples_of(row, itertools.combinations(names, t)))
        rows.append(row)
    return rows


def uncovered(
    rows: Iterable[Mapping[str, Hashable]],
    factors: Factors,
    strength: int,
    groups: Iterable[Group] = (),
) -> list[Tuple]:
    """The allowed tuples of `strength` factors that no row covers, in stable order."""
    names = list(factors)
    t = min(strength, len(names))
    covered: set[Tuple] = set()
    for row in rows:
        covered.update(_tuples_of(row, itertools.combinations(names, t)))
    constraints = Constraints(factors, groups)
    return [
        found for found in allowed_tuples(factors, strength, constraints) if found not in covered
    ]
