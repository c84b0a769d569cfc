"""Print the sizes of the test matrix (GROUNDWORK_MATRIX=ci) for copier.yml as
it is, and as it would be with three more questions of three values each
(unconstrained, shaping Python files and manifests: the costly case), built by
the same code. `nox -s matrix_sizes` runs it; so does `python tests/matrix_sizes.py`.
"""

from __future__ import annotations

import time

from answers import Model
from rendering import MODEL, build_matrix

EXTRA_QUESTIONS = 3
EXTRA_VALUES = 3


def report(label: str, model: Model) -> None:
    started = time.perf_counter()
    matrix = build_matrix(model, "ci")
    sizes = matrix.sizes()
    python = len(matrix.python)  # computed here, timed with the rest
    elapsed = time.perf_counter() - started
    factors = ", ".join(str(len(factor.values)) for factor in model.factors.values())
    print(f"{label}:")
    print(f"  factors: {len(model.factors)} (values each: {factors})")
    print(f"  valid combinations (the full product): {model.product_size()}")
    for name, size in sizes.items():
        print(f"  {name}: {size}")
    print(f"  built in {elapsed:.2f}s ({python} Python sets)")


def main() -> None:
    report("copier.yml", MODEL)
    report(
        f"with {EXTRA_QUESTIONS} more questions of {EXTRA_VALUES} values each",
        MODEL.with_extra_questions(EXTRA_QUESTIONS, EXTRA_VALUES),
    )


if __name__ == "__main__":
    main()
