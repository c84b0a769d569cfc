"""Install and run generated projects with uv, as their README tells users to."""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import subprocess
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from checks import executable

# The servers generated projects test against: their tests' default
# TEST_DATABASE_URL points at these (scripts/ensure-services starts them).
# The servers a generated project's tests reach, by answer: (question, answer) -> server.
SERVERS = {
    ("database", "postgresql"): ("PostgreSQL", 5432),
    ("database", "mysql"): ("MariaDB", 3306),
    ("cache", "redis"): ("Redis", 6379),
    ("broker", "redis"): ("Redis", 6379),
    ("broker", "rabbitmq"): ("RabbitMQ", 5672),
    ("broker", "nats"): ("NATS", 4222),
}
COVERAGE_FLOOR = 90.0
COVERAGE_REACHED = re.compile(r"Required test coverage of ([\d.]+)% reached")

# Set by nox or an activated environment; they would point uv at the wrong venv,
# or a project's tests at another project's database server.
_FOREIGN_VARIABLES = (
    "TEST_DATABASE_URL",
    "VIRTUAL_ENV",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON",
    "PYTHONPATH",
    "CONDA_PREFIX",
)


def project_environment(**overrides: str) -> dict[str, str]:
    """The environment a developer of the generated project would have."""
    environment = {
        name: value for name, value in os.environ.items() if name not in _FOREIGN_VARIABLES
    }
    environment["UV_NO_PROGRESS"] = "1"
    environment.update(overrides)
    return environment


def uv(project: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [executable("uv"), *args],
        cwd=project,
        env=project_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def require_servers(answers: Mapping[str, object]) -> None:
    """Fail, never skip, when a server these answers' project tests against is down."""
    for (question, answer), (name, port) in SERVERS.items():
        if answers.get(question) != answer:
            continue
        try:
            socket.create_connection(("127.0.0.1", port), timeout=3).close()
        except OSError as error:
            pytest.fail(
                f"{name} is not reachable on 127.0.0.1:{port} ({error}); "
                "run scripts/ensure-services (nox -s tests does) and try again",
                pytrace=False,
            )


def sync(project: Path) -> subprocess.CompletedProcess[str]:
    """`uv sync --locked`, as the project's CI and image build install it: from
    the uv.lock written at copy time, which must match pyproject.toml."""
    return uv(project, "sync", "--locked")


def run_own_tests(project: Path, *, costly: bool = True) -> subprocess.CompletedProcess[str]:
    """The project's suite; without `costly`, its hostile-input tests and those
    that start server processes left out."""
    selection = () if costly else ("-m", "not fuzz and not processes")
    return uv(project, "run", "pytest", "-q", "-p", "no:cacheprovider", *selection)


# Asks the application factory for its OpenAPI document over ASGI, as a client
# would, so that it works whichever framework serves it. Written to a file:
# the service logs to stdout.
_OPENAPI_SCRIPT = """
import asyncio, pathlib, sys, httpx
from {package}.core.app import create_app

async def main():
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        response = await client.get("/openapi.json")
        response.raise_for_status()
        pathlib.Path(sys.argv[1]).write_text(response.text, encoding="utf-8")

asyncio.run(main())
"""
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def openapi_document(project: Path, package: str, destination: Path) -> dict[str, Any]:
    """The OpenAPI document a synced project serves at /openapi.json."""
    script = _OPENAPI_SCRIPT.format(package=package)
    completed = uv(project, "run", "python", "-c", script, str(destination))
    if completed.returncode != 0:
        raise RuntimeError(f"could not read the OpenAPI document:\n{completed.stderr}")
    document: dict[str, Any] = json.loads(destination.read_text(encoding="utf-8"))
    return document


def http_contract(document: Mapping[str, Any]) -> dict[str, dict[str, dict[str, list[str]]]]:
    """Path -> method -> status code -> media types: what a client may rely on."""
    return {
        path: {
            method: {
                str(status): sorted(response.get("content", {}))
                for status, response in sorted(operation["responses"].items())
            }
            for method, operation in sorted(item.items())
            if method in HTTP_METHODS
        }
        for path, item in sorted(document["paths"].items())
    }


# What a request may carry, as the contract states it (tests/contracts/requests-*.yaml).
_BOUNDS = ("minimum", "maximum", "minLength", "maxLength", "pattern")


def _resolved(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """A schema with its $ref followed, and `X | None` read as X."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _resolved(document, document["components"]["schemas"][name])
    variants = [v for v in schema.get("anyOf", schema.get("oneOf", [])) if v.get("type") != "null"]
    if len(variants) != 1:
        return schema
    # Bounds may sit beside the variants (Litestar) or in the variant (the others).
    beside = {bound: schema[bound] for bound in _BOUNDS if bound in schema}
    return {**beside, **_resolved(document, variants[0])}


def _rule(document: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    resolved = _resolved(document, schema)
    return {"type": resolved.get("type")} | {
        bound: resolved[bound] for bound in _BOUNDS if bound in resolved
    }


def request_contract(document: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Path -> method -> the query parameters' rules and the JSON body's: its
    fields' rules and whether unknown fields are refused."""
    contract: dict[str, dict[str, dict[str, Any]]] = {}
    for path, item in sorted(document["paths"].items()):
        for method, operation in sorted(item.items()):
            if method not in HTTP_METHODS:
                continue
            request: dict[str, Any] = {}
            query = {
                parameter["name"]: _rule(document, parameter["schema"])
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "query"
            }
            if query:
                request["query"] = dict(sorted(query.items()))
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = _resolved(document, content["application/json"]["schema"])
                request["body"] = {
                    "unknown_fields": "allowed"
                    if body.get("additionalProperties", True) is not False
                    else "refused",
                    "fields": {
                        name: _rule(document, field)
                        for name, field in sorted(body["properties"].items())
                    },
                }
            if request:
                contract.setdefault(path, {})[method] = request
    return contract


def coverage_reached(pytest_output: str) -> float | None:
    """The coverage floor pytest-cov reported as reached, if it reported one."""
    match = COVERAGE_REACHED.search(pytest_output)
    return float(match.group(1)) if match else None


def declared_requirements(pyproject: Path) -> set[str]:
    """Runtime dependencies and the `dev` group of a generated pyproject.toml."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    runtime = data.get("project", {}).get("dependencies", [])
    dev = data.get("dependency-groups", {}).get("dev", [])
    return {requirement for requirement in [*runtime, *dev] if isinstance(requirement, str)}


def checker_environment(directory: Path, python_version: str, requirements: Iterable[str]) -> Path:
    """A venv on `python_version` holding `requirements`: the tools and the libraries
    generated projects use, so their own ruff and mypy can check them.

    Built once per directory and Python version; concurrent test workers wait
    for the first one to finish.
    """
    directory.mkdir(parents=True, exist_ok=True)
    venv = directory / f"checker-py{python_version}"
    ready = venv / "groundwork-ready.txt"
    with (directory / f"checker-py{python_version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            for command in (
                ["venv", "--quiet", "--clear", "--python", python_version, str(venv)],
                [
                    "pip",
                    "install",
                    "--quiet",
                    "--python",
                    str(venv / "bin" / "python"),
                    *sorted(requirements),
                ],
            ):
                completed = uv(directory, *command)
                if completed.returncode != 0:
                    raise RuntimeError(
                        f"uv {' '.join(command)} failed:\n{completed.stdout}{completed.stderr}"
                    )
            ready.write_text("\n".join(sorted(requirements)) + "\n", encoding="utf-8")
    return venv
