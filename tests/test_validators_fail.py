"""Every check tests/test_render.py relies on, shown to fail on a broken sample:
a validator that cannot fail would pass silently."""

from __future__ import annotations

from pathlib import Path

import checks
import pytest
from rendering import read_env_file

BROKEN_WORKFLOW = """\
name: ci
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: ${{ matrix.depth }}
      - run: echo "${{ github.event.pull_request.title }}"
    timeout-minutes: soon
"""

BROKEN_GITLAB_CI = """\
stages: [test]
test:
  stage: test
  image: python:3.12-slim
  interruptible: sometimes
  script:
    - uv run pytest
"""

# `enabled` is a boolean, in lockFileMaintenance as in a package rule.
BROKEN_RENOVATE = """\
{
  "extends": ["config:recommended"],
  "lockFileMaintenance": {"enabled": "weekly"},
  "packageRules": [{"matchManagers": ["pep621"], "enabled": "no"}]
}
"""

BROKEN_DOCKERFILE = """\
FROM python:latest
RUN apt-get update && apt-get install -y curl
CMD python -m app
"""

BROKEN_COMPOSE = """\
services:
  app:
    build: .
    depends_on:
      - database
    ports:
      - "8000:8000"
"""

UNKNOWN_KEY_COMPOSE = """\
services:
  app:
    image: example/app:1.0
    restart_policy: always
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_leftover_jinja_check_finds_markup(tmp_path: Path) -> None:
    write(tmp_path / "README.md", "# {{ project_name }}\n")
    write(tmp_path / "app.py", "{% if uses_auth %}\nimport jwt\n{% endif %}\n")
    write(tmp_path / "notes.md", "Done. {# remove me #}\n")
    files = [Path("README.md"), Path("app.py"), Path("notes.md")]

    found = checks.leftover_jinja(tmp_path, files)

    assert found == [
        "README.md:1: # {{ project_name }}",
        "app.py:1: {% if uses_auth %}",
        "app.py:3: {% endif %}",
        "notes.md:1: Done. {# remove me #}",
    ]


def test_leftover_jinja_check_allows_github_expressions(tmp_path: Path) -> None:
    write(tmp_path / "ci.yml", "ref: ${{ github.ref }}\n")

    assert checks.leftover_jinja(tmp_path, [Path("ci.yml")]) == []


def test_empty_file_check_finds_empty_and_blank_files(tmp_path: Path) -> None:
    write(tmp_path / "empty.py", "")
    write(tmp_path / "blank.md", "  \n\t\n")
    write(tmp_path / "full.py", '"""Docstring."""\n')

    found = checks.empty_files(tmp_path, [Path("empty.py"), Path("blank.md"), Path("full.py")])

    assert found == [Path("empty.py"), Path("blank.md")]


def test_secret_check_finds_a_leaked_secret(tmp_path: Path) -> None:
    write(tmp_path / ".env", "APP_ENV=development\nSECRET_KEY=s3cr3t-value-0123456789\n")
    write(tmp_path / "settings.py", 'SECRET_KEY = "s3cr3t-value-0123456789"\n')

    secrets = checks.secret_values(read_env_file(tmp_path / ".env"))

    assert secrets == {"SECRET_KEY": "s3cr3t-value-0123456789"}
    assert checks.files_containing(tmp_path, [Path("settings.py")], secrets["SECRET_KEY"]) == [
        Path("settings.py")
    ]


SECURITY_SCRIPT = (
    Path(__file__).resolve().parent.parent
    / "template"
    / "infrastructure"
    / "ci-cd"
    / "check-security"
)


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("src/app.py", "import subprocess\n\nsubprocess.call(input(), shell=True)\n"),
        ("tests/test_app.py", 'API_PASSWORD = "k3Zq9vLw2xR7pT4m"\n'),
    ],
    ids=["bandit", "detect-secrets"],
)
def test_security_checks_fail_on_a_flaw(tmp_path: Path, path: str, code: str) -> None:
    script = write(
        tmp_path / "infrastructure" / "ci-cd" / "check-security", SECURITY_SCRIPT.read_text()
    )
    script.chmod(0o755)
    write(tmp_path / "src" / "__init__.py", "")
    write(tmp_path / "tests" / "__init__.py", "")
    write(tmp_path / path, code)
    tools = Path(checks.executable("bandit")).parent

    result = checks.security_checks(tools, tmp_path)

    assert result.returncode != 0, checks.report(result)


def test_ruff_check_fails_on_unused_import(tmp_path: Path) -> None:
    write(tmp_path / "module.py", "import os\n")

    result = checks.ruff_check(checks.executable("ruff"), tmp_path)

    assert result.returncode == 1, checks.report(result)
    assert "F401" in result.stdout


def test_ruff_format_check_fails_on_unformatted_code(tmp_path: Path) -> None:
    write(tmp_path / "module.py", "x = {  'a':1 }\n")

    result = checks.ruff_format_check(checks.executable("ruff"), tmp_path)

    assert result.returncode == 1, checks.report(result)


def test_mypy_strict_fails_on_untyped_function(tmp_path: Path) -> None:
    write(tmp_path / "module.py", "def double(value):\n    return value * 2\n")

    result = checks.mypy_strict(
        checks.executable("mypy"), tmp_path, tmp_path / ".mypy_cache", "module.py"
    )

    assert result.returncode == 1, checks.report(result)
    assert "no-untyped-def" in result.stdout


def test_actionlint_fails_on_broken_workflow(tmp_path: Path) -> None:
    workflow = write(tmp_path / ".github" / "workflows" / "ci.yml", BROKEN_WORKFLOW)

    result = checks.actionlint(workflow)

    assert result.returncode == 1, checks.report(result)
    assert "matrix" in result.stdout


def test_workflow_schema_fails_on_broken_workflow(tmp_path: Path) -> None:
    workflow = write(tmp_path / ".github" / "workflows" / "ci.yml", BROKEN_WORKFLOW)

    result = checks.json_schema("vendor.github-workflows", workflow)

    assert result.returncode == 1, checks.report(result)
    assert "timeout-minutes" in result.stdout


def test_gitlab_ci_schema_fails_on_broken_pipeline(tmp_path: Path) -> None:
    pipeline = write(tmp_path / ".gitlab-ci.yml", BROKEN_GITLAB_CI)

    result = checks.json_schema("vendor.gitlab-ci", pipeline)

    assert result.returncode == 1, checks.report(result)
    assert "interruptible" in result.stdout


def test_renovate_schema_fails_on_broken_config(tmp_path: Path) -> None:
    config = write(tmp_path / "renovate.json", BROKEN_RENOVATE)

    result = checks.json_schema("vendor.renovate", config)

    assert result.returncode == 1, checks.report(result)
    assert "$.lockFileMaintenance.enabled" in result.stdout
    assert "$.packageRules[0].enabled" in result.stdout


def test_hadolint_fails_on_broken_dockerfile(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", BROKEN_DOCKERFILE)

    result = checks.hadolint(dockerfile)

    assert result.returncode == 1, checks.report(result)
    assert "DL3007" in result.stdout


def test_compose_config_fails_on_undefined_dependency(tmp_path: Path) -> None:
    compose_file = write(tmp_path / "compose.yaml", BROKEN_COMPOSE)

    result = checks.compose_config(compose_file)

    assert result.returncode != 0, checks.report(result)
    assert "database" in result.stderr


def test_compose_schema_fails_on_unknown_key(tmp_path: Path) -> None:
    compose_file = write(tmp_path / "compose.yaml", UNKNOWN_KEY_COMPOSE)

    result = checks.json_schema("vendor.compose-spec", compose_file)

    assert result.returncode == 1, checks.report(result)
    assert "restart_policy" in result.stdout


@pytest.mark.parametrize(
    "document",
    [
        pytest.param("services:\n  app: {image: a}\n  app: {image: b}\n", id="duplicate-key"),
        pytest.param("services:\n  app:\n    image: [unclosed\n", id="syntax-error"),
    ],
)
def test_yamllint_fails_on_broken_yaml(tmp_path: Path, document: str) -> None:
    write(tmp_path / "compose.yaml", document)

    result = checks.yamllint(tmp_path, [Path("compose.yaml")])

    assert result.returncode == 1, checks.report(result)


def test_leftover_jinja_check_allows_other_template_languages(tmp_path: Path) -> None:
    write(tmp_path / "rules.yml", "summary: '{{ $labels.route }} is slow ({{ $value }})'\n")
    write(tmp_path / "dashboard.json", '{"legendFormat": "{{route}} {{status}}"}\n')
    write(tmp_path / "deployment.yaml", 'name: {{ include "app.fullname" . }}\n')
    files = [Path("rules.yml"), Path("dashboard.json"), Path("deployment.yaml")]

    assert checks.leftover_jinja(tmp_path, files) == []


# ---------------------------------------------------------------- Kubernetes

BROKEN_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
"""

INSECURE_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0
          securityContext:
            privileged: true
            allowPrivilegeEscalation: true
"""


def test_kustomize_build_fails_on_a_missing_resource(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    write(overlay / "kustomization.yaml", BROKEN_KUSTOMIZATION)

    result = checks.kustomize_build(overlay)

    assert result.returncode != 0, checks.report(result)
    assert "deployment.yaml" in result.stderr


def operator_object(kind: str, **spec: object) -> dict[str, object]:
    """A Prometheus Operator object named app."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": kind,
        "metadata": {"name": "app"},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "app"},
                "spec": {"ports": [{"port": "eighty"}]},
            },
            "Service/app:",
            id="wrong-type",
        ),
        pytest.param(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "app"},
                "spec": {"replicas": 1, "replica": 2},
            },
            "Deployment/app:",
            id="unknown-field",
        ),
        pytest.param(
            {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "app"}},
            "Widget/app: unknown kind",
            id="unknown-kind",
        ),
        pytest.param(
            operator_object(
                "PodMonitor",
                selector={"matchLabels": {"app": "app"}},
                podMetricsEndpoints=[{"port": "web", "path": "/stats"}],
            ),
            "PodMonitor/app: endpoint",
            id="podmonitor-wrong-port",
        ),
        pytest.param(
            operator_object(
                "PrometheusRule",
                groups=[{"name": "app", "rules": [{"alert": "Broken", "expr": "rate(up[5m]"}]}],
            ),
            "PrometheusRule/app:",
            id="prometheusrule-bad-promql",
        ),
    ],
)
def test_kubernetes_validation_finds_invalid_objects(
    manifest: dict[str, object], problem: str
) -> None:
    problems = checks.kubernetes_problems([manifest])

    assert len(problems) == 1, problems
    assert problems[0].startswith(problem)


def test_checkov_fails_a_privileged_container_without_limits_or_probes(tmp_path: Path) -> None:
    write(tmp_path / "deployment.yaml", INSECURE_DEPLOYMENT)

    result = checks.checkov(tmp_path, checks.REQUIRED_CHECKOV_CHECKS)

    failed = {check["check_id"] for check in checks.checkov_results(result)["failed_checks"]}
    assert failed == set(checks.REQUIRED_CHECKOV_CHECKS), checks.report(result)


def test_helm_lint_fails_on_a_broken_template(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n")
    write(chart / "values.yaml", "replicas: 1\n")
    write(chart / "templates" / "configmap.yaml", "kind: ConfigMap\ndata: {{ .Values.replicas\n")

    assert checks.helm_lint(chart, {}) != []


# ---------------------------------------------------------------- Prometheus

RULES = """\
groups:
  - name: app
    rules:
      - alert: AppDown
        expr: up{job="app"} == 0
        for: 1m
"""

WRONG_RULES_TEST = """\
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: up{job="app"}
        values: "1x10"
    alert_rule_test:
      - eval_time: 5m
        alertname: AppDown
        exp_alerts:
          - exp_labels: {job: app}
"""


def test_promtool_test_rules_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    write(tmp_path / "rules.yml", RULES)
    tests = write(tmp_path / "rules.test.yml", WRONG_RULES_TEST)

    result = checks.promtool("test", "rules", tests)

    assert result.returncode != 0, checks.report(result)
    assert "AppDown" in result.stdout + result.stderr


def test_promtool_check_config_fails_on_a_missing_rule_file(tmp_path: Path) -> None:
    config = write(
        tmp_path / "prometheus.yml",
        "rule_files: [missing.yml]\nscrape_configs:\n  - job_name: app\n"
        "    static_configs: [{targets: ['app:8000']}]\n",
    )

    result = checks.promtool("check", "config", config)

    assert result.returncode != 0, checks.report(result)


def test_foreign_imports_are_found_through_relative_imports(tmp_path: Path) -> None:
    business = tmp_path / "service" / "business"
    business.mkdir(parents=True)
    (tmp_path / "service" / "__init__.py").write_text("", encoding="utf-8")
    (business / "__init__.py").write_text("", encoding="utf-8")
    (business / "items.py").write_text(
        "from dataclasses import dataclass\n\nfrom ..web import respond\n", encoding="utf-8"
    )
    (tmp_path / "service" / "web.py").write_text(
        "from fastapi import Response\n\nimport sqlalchemy.orm\n", encoding="utf-8"
    )

    problems = checks.foreign_imports(business)

    assert [problem.rsplit(": ", 1)[1] for problem in problems] == [
        "imports fastapi",
        "imports sqlalchemy.orm",
    ]


MINIMAL_OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Inventory", "version": "1"},
    "paths": {
        "/items": {
            "get": {
                "responses": {
                    "200": {"description": "The items"},
                    "404": {
                        "description": "Not Found",
                        "content": {
                            "application/problem+json": {
                                "schema": {"$ref": "#/components/schemas/Problem"}
                            }
                        },
                    },
                }
            }
        }
    },
    "components": {"schemas": {"Problem": {"type": "object"}}},
}


def test_openapi_check_accepts_a_valid_document() -> None:
    assert checks.openapi_problems(MINIMAL_OPENAPI) == []


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        pytest.param({"components": {"schemas": {}}}, "PointerToNowhere", id="dangling-ref"),
        pytest.param(
            {"paths": {"/items": {"get": {"responses": {"200": {}}}}}},
            "'description' is a required property",
            id="response-without-description",
        ),
    ],
)
def test_openapi_check_finds_invalid_documents(breakage: dict[str, object], problem: str) -> None:
    document = {**MINIMAL_OPENAPI, **breakage}

    assert any(problem in found for found in checks.openapi_problems(document))
