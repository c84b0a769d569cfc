"""Covering arrays: few rows in which every pair of answer values appears together.

A greedy construction, deterministic so that test ids are stable: each new row
starts from a pair not yet covered and fills the other questions with the
value that covers the most uncovered pairs (ties go to the earlier value).
It grows with the questions it is given; nothing here knows their names.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

Pair = tuple[tuple[str, Any], tuple[str, Any]]


def _pairs(row: Mapping[str, Any], names: Sequence[str]) -> set[Pair]:
    return {
        ((first, row[first]), (second, row[second]))
        for first, second in itertools.combinations(names, 2)
        if first in row and second in row
    }


def pairwise(factors: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows (question -> value) covering every pair of values of two questions."""
    names = list(factors)
    uncovered = {
        ((first, a), (second, b))
        for first, second in itertools.combinations(names, 2)
        for a in factors[first]
        for b in factors[second]
    }
    rows: list[dict[str, Any]] = []
    while uncovered:
        (first, a), (second, b) = min(uncovered, key=lambda pair: _rank(pair, factors))
        row: dict[str, Any] = {first: a, second: b}
        for name in names:
            if name not in row:
                row[name] = max(
                    factors[name],
                    key=lambda value, name=name: len(
                        _pairs({**row, name: value}, names) & uncovered
                    ),
                )
        uncovered -= _pairs(row, names)
        rows.append(row)
    return rows


def _rank(pair: Pair, factors: Mapping[str, Sequence[Any]]) -> tuple[int, ...]:
    """Order pairs by question order, then by value order: a stable choice."""
    names = list(factors)
    (first, a), (second, b) = pair
    return (
        names.index(first),
        names.index(second),
        list(factors[first]).index(a),
        list(factors[second]).index(b),
    )


def covers_every_pair(
    rows: Sequence[Mapping[str, Any]], factors: Mapping[str, Sequence[Any]]
) -> bool:
    names = list(factors)
    covered = set().union(*(_pairs(row, names) for row in rows))
    return all(
        ((first, a), (second, b)) in covered
        for first, second in itertools.combinations(names, 2)
        for a in factors[first]
        for b in factors[second]
    )
