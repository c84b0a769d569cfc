"""The checks every rendered project must pass, usable on any directory.

tests/test_render.py runs them on rendered projects; tests/test_validators_fail.py
runs the same functions on broken samples to prove each one can fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

# GitHub Actions expressions (`${{ github.ref }}`) are the one legitimate use of `{{`.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|\{#")

# Names of .env entries whose values are secrets (not ACCESS_TOKEN_TTL_SECONDS).
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PRIVATE_KEY|(^|_)(KEY|TOKEN)$")


def executable(name: str) -> str:
    """A tool installed next to the running Python (the test environment), else on PATH."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed in the test environment")
    return found


def run(command: Sequence[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def report(result: subprocess.CompletedProcess[str]) -> str:
    """Command, exit code and output, for assertion messages."""
    command = " ".join(str(part) for part in result.args)
    return f"$ {command}\nexit code {result.returncode}\n{result.stdout}{result.stderr}"


def _text_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        return []  # binary files carry no Jinja


def leftover_jinja(root: Path, files: Iterable[Path]) -> list[str]:
    """`path:line: text` for every line still holding Jinja markup."""
    return [
        f"{relative}:{number}: {line.strip()}"
        for relative in files
        for number, line in enumerate(_text_lines(root / relative), start=1)
        if LEFTOVER_JINJA.search(line)
    ]


def empty_files(root: Path, files: Iterable[Path]) -> list[Path]:
    """Files that are empty or hold only whitespace."""
    return [relative for relative in files if not (root / relative).read_bytes().strip()]


def secret_values(env: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if SECRET_NAME.search(name) and value}


def files_containing(root: Path, files: Iterable[Path], value: str) -> list[Path]:
    return [relative for relative in files if value.encode() in (root / relative).read_bytes()]


def ruff_check(ruff: str, project: Path) -> subprocess.CompletedProcess[str]:
    return run([ruff, "check", "--no-cache", "--output-format", "concise", "."], project)


def ruff_format_check(ruff: str, project: Path) -> subprocess.CompletedProcess[str]:
    return run([ruff, "format", "--no-cache", "--check", "--diff", "."], project)


def mypy_strict(
    mypy: str, project: Path, cache_dir: Path, *targets: str
) -> subprocess.CompletedProcess[str]:
    """`mypy --strict` with the project's own configuration (its `files` unless targets)."""
    return run(
        [mypy, "--strict", "--cache-dir", cache_dir, "--no-color-output", *targets], project
    )


def actionlint(workflow: Path) -> subprocess.CompletedProcess[str]:
    return run([executable("actionlint"), "-no-color", workflow], workflow.parent)


def json_schema(builtin_schema: str, document: Path) -> subprocess.CompletedProcess[str]:
    return run(
        [executable("check-jsonschema"), "--builtin-schema", builtin_schema, document],
        document.parent,
    )


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    return run([executable("hadolint"), "--no-color", dockerfile], dockerfile.parent)


def compose_config(compose_file: Path) -> subprocess.CompletedProcess[str]:
    return run(
        [executable("docker-compose"), "-f", compose_file.name, "config", "-q"],
        compose_file.parent,
    )


def yamllint(root: Path, files: Iterable[Path]) -> subprocess.CompletedProcess[str]:
    """Errors only (syntax, duplicate keys): style is the formatter's business."""
    yaml_files = [relative for relative in files if relative.suffix in {".yml", ".yaml"}]
    return run([executable("yamllint"), "-d", "relaxed", "-f", "parsable", *yaml_files], root)
