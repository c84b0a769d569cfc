"""The checks every rendered project must pass, usable on any directory.

tests/test_render.py runs them on rendered projects; tests/test_validators_fail.py
runs the same functions on broken samples to prove each one can fail.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
# Any Jinja statement or comment left in a rendered file is an error.
JINJA_STATEMENT = re.compile(r"\{%|\{#")
# `{{` is an error when it names a template variable. The rendered project keeps
# other languages' `{{` on purpose: GitHub expressions (`${{ github.ref }}`),
# Prometheus annotations (`{{ $labels.route }}`), Grafana legends (`{{route}}`)
# and Helm's Go templates (`{{ .Values.image }}`, `{{- include "name" . }}`).
JINJA_EXPRESSION = re.compile(r"(?<!\$)\{\{-?\s*([A-Za-z_]\w*)")

# Import statements, at any indentation (imports inside functions count too).
IMPORT_FROM = re.compile(r"^\s*from\s+(?P<dots>\.*)(?P<module>[\w.]*)\s+import\b")
IMPORT = re.compile(
    r"^\s*import\s+(?P<names>[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)"
)

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


def run(
    command: Sequence[str | Path], cwd: Path, environment: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=environment,
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


@functools.cache
def template_variables() -> frozenset[str]:
    """Every name a template can use: the questions, the facts the context hook
    derives from them, and Copier's own variables."""
    sys.path.insert(0, str(TEMPLATE_ROOT / "extensions"))
    from context import StackFacts  # the template's own extension module

    questions = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"))
    context: dict[str, Any] = {
        name: question.get("default") or "" if isinstance(question, dict) else question
        for name, question in questions.items()
        if not name.startswith("_")
    }
    StackFacts.hook(StackFacts.__new__(StackFacts), context)
    return frozenset(context) | {"_copier_conf", "_copier_answers", "_copier_operation"}


def _holds_jinja(line: str) -> bool:
    return bool(JINJA_STATEMENT.search(line)) or any(
        match[1] in template_variables() for match in JINJA_EXPRESSION.finditer(line)
    )


def leftover_jinja(root: Path, files: Iterable[Path]) -> list[str]:
    """`path:line: text` for every line still holding Jinja markup."""
    return [
        f"{relative}:{number}: {line.strip()}"
        for relative in files
        for number, line in enumerate(_text_lines(root / relative), start=1)
        if _holds_jinja(line)
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


def security_checks(tools: Path, project: Path) -> subprocess.CompletedProcess[str]:
    """The project's own `infrastructure/ci-cd/check-security` (bandit and
    detect-secrets), with the tools taken from the `tools` bin directory."""
    environment = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    return run([project / "infrastructure" / "ci-cd" / "check-security"], project, environment)


def _imports(module: Path) -> list[tuple[int, str]]:
    """(level, module) of every import statement: level 0 is absolute.

    Read line by line, not with `ast`: the test suite's Python may be older
    than the syntax of the project it reads (`class Page[T]` needs 3.12).
    """
    found: list[tuple[int, str]] = []
    for line in module.read_text(encoding="utf-8").splitlines():
        if match := IMPORT_FROM.match(line):
            found.append((len(match["dots"]), match["module"]))
        elif match := IMPORT.match(line):
            found += [(0, name.split(" as ")[0].strip()) for name in match["names"].split(",")]
    return found


def _resolve_relative(importer: Path, level: int, name: str) -> Path | None:
    """The module file a relative import names, when it is a file of the package."""
    base = importer.parent
    for _ in range(level - 1):
        base = base.parent
    target = base.joinpath(*name.split(".")) if name else base
    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def foreign_imports(package_dir: Path) -> list[str]:
    """Imports of anything but the standard library, in the modules of `package_dir`
    and in every module of the project they import: the business layer must
    not depend on a web framework, an ORM or any other third-party library."""
    pending = sorted(package_dir.rglob("*.py"))
    seen: set[Path] = set()
    problems: list[str] = []
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        for level, name in _imports(module):
            if level == 0:
                if name.split(".")[0] not in sys.stdlib_module_names:
                    problems.append(f"{module}: imports {name}")
            elif (target := _resolve_relative(module, level, name)) is not None:
                pending.append(target)
    return sorted(problems)


def openapi_problems(document: Mapping[str, Any]) -> list[str]:
    """What makes `document` invalid OpenAPI 3.1, a dangling `$ref` included."""
    try:
        return [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()]
    except Exception as error:  # the validator raises where a $ref leads nowhere
        return [f"{type(error).__name__}: {str(error)[:300]}"]


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


def is_helm_template(relative: Path) -> bool:
    """A Helm chart's templates are Go templates that render to YAML, not YAML:
    their rendered output is validated instead (tests/test_operations.py)."""
    return "helm" in relative.parts and "templates" in relative.parts


def yamllint(root: Path, files: Iterable[Path]) -> subprocess.CompletedProcess[str]:
    """Errors only (syntax, duplicate keys): style is the formatter's business."""
    yaml_files = [
        relative
        for relative in files
        if relative.suffix in {".yml", ".yaml"} and not is_helm_template(relative)
    ]
    return run([executable("yamllint"), "-d", "relaxed", "-f", "parsable", *yaml_files], root)


# ------------------------------------------------------------------ Kubernetes

# The Kubernetes version rendered objects are validated against.
KUBERNETES_VERSION = "1.37.0"
# Prometheus Operator kinds: no Kubernetes schema knows them, so each has a
# check of its own below; any other kind without a schema is an error.
PROMETHEUS_OPERATOR_API = "monitoring.coreos.com/v1"

# The checkov checks every rendered workload must pass: non-root, read-only
# root filesystem, resource requests and limits, probes, no privilege escalation.
REQUIRED_CHECKOV_CHECKS = (
    "CKV_K8S_8",  # liveness probe
    "CKV_K8S_9",  # readiness probe
    "CKV_K8S_10",  # CPU requests
    "CKV_K8S_11",  # CPU limits
    "CKV_K8S_12",  # memory requests
    "CKV_K8S_13",  # memory limits
    "CKV_K8S_20",  # allowPrivilegeEscalation: false
    "CKV_K8S_22",  # read-only root filesystem
    "CKV_K8S_23",  # no root containers admitted
    "CKV_K8S_28",  # NET_RAW dropped
    "CKV_K8S_31",  # seccomp profile RuntimeDefault
    "CKV_K8S_37",  # capabilities dropped
    "CKV_K8S_38",  # service account token not mounted where not needed
    "CKV_K8S_40",  # high UID
)


def kustomize_build(overlay: Path) -> subprocess.CompletedProcess[str]:
    return run([executable("kubectl"), "kustomize", overlay], overlay)


def kubernetes_objects(manifests: str) -> list[dict[str, Any]]:
    """The objects of a multi-document YAML stream, empty documents skipped."""
    return [document for document in yaml.safe_load_all(manifests) if document]


def object_name(manifest: Mapping[str, Any]) -> str:
    return f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"


def kubernetes_problems(objects: Iterable[Mapping[str, Any]]) -> list[str]:
    """`Kind/name: problem` for every object that is not valid Kubernetes."""
    import kubernetes_validate  # imported here: slow to import, needed by few tests

    problems = []
    for manifest in objects:
        if manifest.get("apiVersion") == PROMETHEUS_OPERATOR_API:
            problems += [
                f"{object_name(manifest)}: {problem}"
                for problem in prometheus_operator_problems(manifest)
            ]
            continue
        try:
            kubernetes_validate.validate(dict(manifest), KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(f"{object_name(manifest)}: unknown kind ({error})")
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{object_name(manifest)}: {error.message}")
    return problems


# Where the pods serve metrics: the service on its HTTP port, the worker on its health port.
METRICS_ENDPOINTS = {("http", "/metrics"), ("health", "/metrics")}


def prometheus_operator_problems(manifest: Mapping[str, Any]) -> list[str]:
    """A PrometheusRule's groups go through promtool; a PodMonitor must name a
    port and path the pods serve metrics on."""
    kind, spec = manifest.get("kind"), manifest.get("spec") or {}
    if kind == "PrometheusRule":
        with tempfile.TemporaryDirectory() as directory:
            rules = Path(directory) / "rules.yml"
            rules.write_text(yaml.safe_dump(spec), encoding="utf-8")
            result = promtool("check", "rules", rules)
        return [] if result.returncode == 0 else [report(result)]
    if kind == "PodMonitor":
        endpoints = spec.get("podMetricsEndpoints") or []
        problems = []
        if not spec.get("selector", {}).get("matchLabels"):
            problems.append("spec.selector.matchLabels is missing")
        if not endpoints:
            problems.append("spec.podMetricsEndpoints is empty")
        problems += [
            f"endpoint {endpoint} must scrape /metrics on port http or health"
            for endpoint in endpoints
            if (endpoint.get("port"), endpoint.get("path")) not in METRICS_ENDPOINTS
        ]
        return problems
    return [f"unknown kind {kind} in {PROMETHEUS_OPERATOR_API}"]


def helm_lint(chart: Path, values: Mapping[str, Any]) -> list[str]:
    """Errors and warnings of `helm lint --strict` with these values."""
    import helm_python  # imported here: loads Helm's native library

    findings = helm_python.lint(chart, dict(values), strict=True)
    messages = findings.get("messages") or []
    errors = findings.get("errors") or []
    return [*errors, *(message["error"] for message in messages if message["severity"] >= 2)]


def helm_render(chart: Path, values: Mapping[str, Any], release: str) -> str:
    """`helm template` of the chart with these values, as one YAML stream."""
    import helm_python

    with helm_python.Chart.load(chart) as loaded:
        rendered = loaded.render(dict(values), name=release, namespace="default")
    return "\n---\n".join(
        text for path, text in sorted(rendered.items()) if path.endswith((".yaml", ".yml"))
    )


def helm_schema_error(chart: Path, values: Mapping[str, Any]) -> str | None:
    """Why values.schema.json rejects these values, or None when it accepts them."""
    import helm_python

    with helm_python.Chart.load(chart) as loaded:
        try:
            loaded.validate_schema(dict(values))
        except helm_python.HelmError as error:
            return str(error)
    return None


def checkov(directory: Path, check_ids: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """checkov's Kubernetes checks, offline, with a JSON report on stdout."""
    return run(
        [
            executable("checkov"),
            "--compact",
            "--skip-download",
            "--framework",
            "kubernetes",
            "--check",
            ",".join(check_ids),
            "--output",
            "json",
            "--directory",
            directory,
        ],
        directory,
    )


def checkov_results(result: subprocess.CompletedProcess[str]) -> dict[str, list[dict[str, Any]]]:
    """Passed and failed checks from checkov's JSON report (one framework: one object)."""
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise AssertionError(f"checkov wrote no JSON report\n{report(result)}") from error
    results = report.get("results", {}) if isinstance(report, dict) else {}
    return {
        "passed_checks": results.get("passed_checks", []),
        "failed_checks": results.get("failed_checks", []),
    }


# ------------------------------------------------------------------ Prometheus


def promtool(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    rules = next((Path(a) for a in arguments if isinstance(a, Path)), Path.cwd())
    return run([executable("promtool"), *arguments], rules.parent)
