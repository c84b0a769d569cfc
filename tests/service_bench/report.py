"""What one run measured, the median over rounds, and the table that compares
two revisions."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Load:
    """One measured run: requests per second, latency percentiles and failed requests."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    # Answers other than 2xx or 3xx, and requests that failed outright.
    errors: int


@dataclass(frozen=True)
class Summary:
    """Runs of one measurement over the rounds: medians, and every error."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    rounds: int

    @classmethod
    def of(cls, loads: Sequence[Load]) -> Summary:
        return cls(
            requests_per_second=statistics.median(load.requests_per_second for load in loads),
            p50_ms=statistics.median(load.p50_ms for load in loads),
            p99_ms=statistics.median(load.p99_ms for load in loads),
            errors=sum(load.errors for load in loads),
            rounds=len(loads),
        )


def percentile(latencies: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..100) of latencies in any order."""
    if not latencies:
        return math.nan
    ordered = sorted(latencies)
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Comparison:
    """One table: the same measurements of two revisions, side by side."""

    title: list[str]
    base: str
    head: str
    # Row name -> (base, head).
    rows: dict[str, tuple[Summary, Summary]] = field(default_factory=dict)
    # Row name -> (numerator row, denominator row): throughput as a share of another's.
    shares: dict[str, tuple[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        width = max(len(name) for name in [*self.rows, *self.shares])
        cells = f"{'req/s':>9} {'p99 ms':>9} {'errors':>7}"
        lines = [
            *self.title,
            f"  base: {self.base}",
            f"  head: {self.head}",
            "",
            f"{'':<{width}}  {'base':^{len(cells)}}    {'head':^{len(cells)}}    head/base",
            f"{'':<{width}}  {cells}    {cells}    {'req/s':>6} {'p99':>6}",
        ]
        for name, (base, head) in self.rows.items():
            lines.append(
                f"{name:<{width}}  {_cells(base)}    {_cells(head)}    "
                f"{_ratio(head.requests_per_second, base.requests_per_second):>6} "
                f"{_ratio(base.p99_ms, head.p99_ms):>6}"
            )
        for name, (part, whole) in self.shares.items():
            base_share, head_share = (
                _share(self.rows[part][side], self.rows[whole][side]) for side in (0, 1)
            )
            gap = " " * (len(cells) - 9 + 4)
            lines.append(f"{name:<{width}}  {base_share:>9}{gap}{head_share:>9}")
        lines += [
            "",
            "Medians of the rounds, and the sum of their errors. head/base is head's",
            "throughput over base's, and base's p99 over head's: above 1, head is better.",
            *self.notes,
        ]
        return "\n".join(lines)


def _cells(summary: Summary) -> str:
    return f"{summary.requests_per_second:>9.1f} {summary.p99_ms:>9.2f} {summary.errors:>7}"


def _ratio(numerator: float, denominator: float) -> str:
    if not denominator or math.isnan(numerator) or math.isnan(denominator):
        return "-"
    return f"{numerator / denominator:.2f}"


def _share(part: Summary, whole: Summary) -> str:
    if not whole.requests_per_second:
        return "-"
    return f"{100 * part.requests_per_second / whole.requests_per_second:.0f}%"
