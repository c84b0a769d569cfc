"""Bring the generated project's uv.lock in line with its pyproject.toml.

Copier runs this after `copier copy` (the lock is created) and after
`copier update`, once the owner's changes are back in place (the lock is
refreshed only if pyproject.toml changed: `uv lock` keeps every pin it can).
Idempotent: a lock that already matches is left as it is. Never fatal: where
uv is missing or the package index is out of reach, the project is still
generated, and the message says how to lock it later.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# What would point uv at the environment Copier runs in rather than the project's.
FOREIGN_VARIABLES = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON", "PYTHONPATH")
LATER = "Run `uv lock` in the project once uv and the package index are reachable; commit uv.lock."


def find_uv() -> str | None:
    """uv on PATH, or the one installed beside Copier (the `uv` package on PyPI)."""
    if found := shutil.which("uv"):
        return found
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return None


def main() -> int:
    uv = find_uv()
    if uv is None:
        print(f"uv.lock was not written: uv is not installed. {LATER}", file=sys.stderr)
        return 0
    environment = {k: v for k, v in os.environ.items() if k not in FOREIGN_VARIABLES}
    checked = subprocess.run(
        [uv, "lock", "--check"], check=False, capture_output=True, env=environment
    )
    if checked.returncode == 0:
        return 0
    locked = subprocess.run(
        [uv, "lock", "--quiet"], check=False, capture_output=True, text=True, env=environment
    )
    if locked.returncode != 0:
        print(f"uv.lock was not written, uv lock said:\n{locked.stderr.strip()}", file=sys.stderr)
        print(LATER, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
