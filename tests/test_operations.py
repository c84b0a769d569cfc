"""Quality gate 4 for operations files: Kubernetes manifests (Kustomize overlays
and the Helm chart), Prometheus rules and their unit tests, the Grafana
dashboard, validated offline for every distinct set of manifests
(MANIFEST_COMBINATIONS) and of monitoring files (METRICS_COMBINATIONS) among
the rendered combinations (STATIC in tests/rendering.py).

No cluster is involved: objects are built (`kubectl kustomize`, Helm's own
renderer), validated against the Kubernetes schemas (kubernetes_validate) and
checked by checkov; rules go through promtool.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import checks
import pytest
import yaml
from rendering import (
    DEPLOYMENT_CHECK_COMBINATIONS,
    MANIFEST_COMBINATIONS,
    MANIFEST_DERIVED,
    METRICS_COMBINATIONS,
    PROJECT_SLUG,
    RenderCache,
    RenderedProject,
    having,
    manifests_key,
    over,
)

ENVIRONMENTS = ("development", "staging", "production")
KUBERNETES = Path("infrastructure/kubernetes")
KUSTOMIZE = KUBERNETES / "kustomize"
HELM = KUBERNETES / "helm"
MONITORING = Path("infrastructure/monitoring")
SECRET_NAME = f"{PROJECT_SLUG}-secrets"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def kustomize_objects(project: RenderedProject, environment: str) -> list[dict[str, Any]]:
    result = checks.kustomize_build(project.root / KUSTOMIZE / "overlays" / environment)
    assert result.returncode == 0, checks.report(result)
    return checks.kubernetes_objects(result.stdout)


def helm_values(project: RenderedProject, environment: str) -> dict[str, Any]:
    return load_yaml(project.root / HELM / f"values-{environment}.yaml") or {}


def helm_objects(project: RenderedProject, environment: str) -> list[dict[str, Any]]:
    manifests = checks.helm_render(
        project.root / HELM, helm_values(project, environment), PROJECT_SLUG
    )
    return checks.kubernetes_objects(manifests)


@functools.cache
def built_objects(project: RenderedProject) -> dict[str, list[dict[str, Any]]]:
    """Each environment's objects, built once per project (several tests read them)."""
    build = kustomize_objects if project.combination["kubernetes"] == "kustomize" else helm_objects
    return {environment: build(project, environment) for environment in ENVIRONMENTS}


def environment_objects(project: RenderedProject) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    yield from copy.deepcopy(built_objects(project)).items()


def kinds(objects: list[dict[str, Any]]) -> set[str]:
    return {manifest["kind"] for manifest in objects}


def deployments(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [manifest for manifest in objects if manifest["kind"] == "Deployment"]


def the_deployment(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The service's Deployment (a queue adds the worker's, or a container to it)."""
    (deployment,) = [d for d in deployments(objects) if d["metadata"]["name"] == PROJECT_SLUG]
    return deployment


def the_app_container(deployment: dict[str, Any]) -> dict[str, Any]:
    (app,) = [
        container
        for container in deployment["spec"]["template"]["spec"]["containers"]
        if container["name"] == PROJECT_SLUG
    ]
    return app


def worker_containers(
    objects: list[dict[str, Any]],
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(Deployment, container) of every container that runs the worker."""
    return [
        (deployment, container)
        for deployment in deployments(objects)
        for container in deployment["spec"]["template"]["spec"]["containers"]
        if container.get("command", [])[-1:] == ["worker"]
    ]


def expected_kinds(project: RenderedProject, environment: str) -> set[str]:
    """What every environment deploys, by the stack chosen; no literal Secret ever."""
    combination = project.combination
    expected = {
        "ConfigMap",
        "Deployment",
        "Ingress",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    }
    if combination["database"] == "sqlite":
        expected.add("PersistentVolumeClaim")  # one replica on a volume
    else:
        expected.add("HorizontalPodAutoscaler")
    if "metrics" in combination["observability"] and environment != "development":
        expected |= {"PodMonitor", "PrometheusRule"}
    return expected


@over(MANIFEST_COMBINATIONS)
def test_every_environment_renders_valid_kubernetes_objects(
    project: RenderedProject,
) -> None:
    for environment, objects in environment_objects(project):
        assert kinds(objects) == expected_kinds(project, environment), environment
        assert checks.kubernetes_problems(objects) == [], environment


@over(MANIFEST_COMBINATIONS)
def test_pods_get_secrets_by_reference_and_migrate_first(
    project: RenderedProject,
) -> None:
    for environment, objects in environment_objects(project):
        for deployment in deployments(objects):
            pod = deployment["spec"]["template"]["spec"]
            (migrate,) = pod["initContainers"]

            command = [*migrate.get("command", []), *migrate.get("args", [])]
            assert command[-1:] == ["migrate"], environment
            for container in (migrate, *pod["containers"]):
                secret_refs = [
                    source["secretRef"]["name"]
                    for source in container.get("envFrom", [])
                    if "secretRef" in source
                ]
                assert secret_refs == [SECRET_NAME], environment


@over(MANIFEST_COMBINATIONS)
def test_shutdown_fits_in_the_grace_period(project: RenderedProject) -> None:
    for environment, objects in environment_objects(project):
        deployment = the_deployment(objects)
        pod = deployment["spec"]["template"]["spec"]
        config = next(o for o in objects if o["kind"] == "ConfigMap")["data"]
        app = the_app_container(deployment)
        pre_stop = app["lifecycle"]["preStop"]["exec"]["command"]

        assert pre_stop[0] == "sleep", environment
        drain = int(pre_stop[1]) + int(config["SHUTDOWN_TIMEOUT_SECONDS"])
        assert drain < pod["terminationGracePeriodSeconds"], environment
        assert app["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert app["readinessProbe"]["httpGet"]["path"] == "/health/ready"


@over(MANIFEST_COMBINATIONS)
def test_a_queue_runs_workers_probed_on_their_health_port(project: RenderedProject) -> None:
    queued = project.combination.get("queue", "none") != "none"
    for environment, objects in environment_objects(project):
        workers = worker_containers(objects)
        if not queued:
            assert workers == [], environment
            continue
        config = next(o for o in objects if o["kind"] == "ConfigMap")["data"]
        assert workers, environment
        for deployment, worker in workers:
            pod = deployment["spec"]["template"]["spec"]
            ports = {port["name"]: port["containerPort"] for port in worker["ports"]}

            assert ports["health"] == int(config["WORKER_HEALTH_PORT"]), environment
            assert worker["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "health"}
            assert worker["readinessProbe"]["httpGet"] == {
                "path": "/health/ready",
                "port": "health",
            }
            # Running events get SHUTDOWN_TIMEOUT_SECONDS to finish after SIGTERM.
            assert int(config["SHUTDOWN_TIMEOUT_SECONDS"]) < pod["terminationGracePeriodSeconds"]


# The port each broker listens on; Redis's serves the cache too.
BROKER_PORTS = {"redis": 6379, "rabbitmq": 5672, "nats": 4222}
CACHE_PORT = 6379


@over(MANIFEST_COMBINATIONS)
def test_network_policies_reach_the_cache_and_broker_chosen_and_no_other(
    project: RenderedProject,
) -> None:
    combination = project.combination
    expected = {CACHE_PORT} if combination["cache"] == "redis" else set()
    if combination.get("queue", "none") != "none":
        expected.add(BROKER_PORTS[combination["broker"]])
    for environment, objects in environment_objects(project):
        policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
        assert policies, environment
        # The service's and the worker's alike: the worker's readiness asks the cache too.
        for policy in policies:
            ports = {
                port["port"] for rule in policy["spec"]["egress"] for port in rule.get("ports", [])
            }
            reached = ports & set(BROKER_PORTS.values())
            assert reached == expected, (environment, checks.object_name(policy))


def selected_labels(manifest: dict[str, Any]) -> dict[str, str] | None:
    """The labels of the pods an object selects, if it selects pods."""
    spec = manifest.get("spec") or {}
    kind = manifest["kind"]
    if kind == "Service":
        return spec.get("selector")
    if kind in {"PodDisruptionBudget", "PodMonitor"}:
        return spec["selector"]["matchLabels"]
    if kind == "NetworkPolicy":
        return spec["podSelector"]["matchLabels"]
    return None


@over(MANIFEST_COMBINATIONS)
def test_each_selector_picks_the_pods_of_one_deployment(project: RenderedProject) -> None:
    # A pod that two PodDisruptionBudgets select cannot be evicted, and a
    # Service that selected the worker's pods would send it requests.
    for environment, objects in environment_objects(project):
        pods = {
            d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
            for d in deployments(objects)
        }
        for deployment in deployments(objects):
            selector = deployment["spec"]["selector"]["matchLabels"]
            assert selector.items() <= pods[deployment["metadata"]["name"]].items(), environment
        for manifest in objects:
            selector = selected_labels(manifest)
            if selector is None:
                continue
            chosen = [name for name, labels in pods.items() if selector.items() <= labels.items()]
            assert len(chosen) == 1, (environment, checks.object_name(manifest), chosen)


@over(MANIFEST_COMBINATIONS)
def test_metrics_are_announced_where_the_service_serves_them(
    project: RenderedProject,
) -> None:
    observed = "metrics" in project.combination["observability"]
    for environment, objects in environment_objects(project):
        annotations = the_deployment(objects)["spec"]["template"]["metadata"].get(
            "annotations", {}
        )
        ports = {
            port["name"]: port["containerPort"]
            for port in the_app_container(the_deployment(objects))["ports"]
        }
        if not observed:
            assert "prometheus.io/scrape" not in annotations, environment
            continue
        assert annotations["prometheus.io/scrape"] == "true", environment
        assert annotations["prometheus.io/path"] == "/metrics", environment
        assert int(annotations["prometheus.io/port"]) == ports["http"], environment
        for ingress in (o for o in objects if o["kind"] == "Ingress"):
            paths = [
                path["path"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]
            ]
            # A catch-all "/" path would publish /metrics too.
            assert "/" not in paths, "the Ingress exposes /metrics"
            assert "/metrics" not in paths, "the Ingress exposes /metrics"


@over(MANIFEST_COMBINATIONS)
def test_workers_metrics_are_scraped_as_a_job_of_their_own(project: RenderedProject) -> None:
    # The worker's alert rules select job="<slug>-worker", which a PodMonitor
    # sets; the worker's own Deployment carries the annotations too.
    combination = project.combination
    scraped = (
        combination.get("queue", "none") != "none" and "metrics" in combination["observability"]
    )
    for environment, objects in environment_objects(project):
        monitors = [
            monitor
            for monitor in objects
            if monitor["kind"] == "PodMonitor"
            and any(e["port"] == "health" for e in monitor["spec"]["podMetricsEndpoints"])
        ]
        if not scraped or environment == "development":
            assert monitors == [], environment
            continue
        (monitor,) = monitors
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        assert endpoint["path"] == "/metrics"
        assert endpoint["relabelings"] == [
            {"targetLabel": "job", "replacement": f"{PROJECT_SLUG}-worker"}
        ], environment
        selector = monitor["spec"]["selector"]["matchLabels"]
        for deployment, worker in worker_containers(objects):
            pod = deployment["spec"]["template"]["metadata"]
            assert selector.items() <= pod["labels"].items(), environment
            assert "health" in {port["name"] for port in worker["ports"]}, environment
            if deployment["metadata"]["name"] != PROJECT_SLUG:
                ports = {port["name"]: port["containerPort"] for port in worker["ports"]}
                annotations = pod["annotations"]
                assert annotations["prometheus.io/scrape"] == "true", environment
                assert annotations["prometheus.io/path"] == "/metrics", environment
                assert int(annotations["prometheus.io/port"]) == ports["health"], environment


def test_kubernetes_objects_pass_checkov(render_cache: RenderCache, tmp_path: Path) -> None:
    # One checkov run, its start-up costing more than its checks, over every
    # distinct set of Deployments: the required checks read only workloads, and
    # most environments of most combinations deploy the same ones.
    files: dict[str, str] = {}  # the Deployments, dumped -> their file
    for combination in MANIFEST_COMBINATIONS:
        for _, objects in environment_objects(render_cache.get(combination)):
            dumped = yaml.safe_dump_all(deployments(objects), sort_keys=False)
            files.setdefault(dumped, f"/{len(files)}.yaml")
    for dumped, name in files.items():
        (tmp_path / name.lstrip("/")).write_text(dumped, encoding="utf-8")

    result = checks.checkov(tmp_path, checks.REQUIRED_CHECKOV_CHECKS)

    outcome = checks.checkov_results(result)
    failed = [(c["check_id"], c["file_path"], c["resource"]) for c in outcome["failed_checks"]]
    assert failed == [], checks.report(result)
    # Each required check ran on every file: none passed by absence.
    passed = {(c["check_id"], c["file_path"]) for c in outcome["passed_checks"]}
    missing = [
        (check_id, name)
        for name in files.values()
        for check_id in checks.REQUIRED_CHECKOV_CHECKS
        if (check_id, name) not in passed
    ]
    assert missing == []


@over(having(MANIFEST_COMBINATIONS, kubernetes="helm"))
def test_helm_chart_lints_clean_for_every_environment(project: RenderedProject) -> None:
    for environment in ENVIRONMENTS:
        findings = checks.helm_lint(project.root / HELM, helm_values(project, environment))

        assert findings == [], environment


@pytest.mark.parametrize(
    "bad_values",
    [
        pytest.param({"replicaCunt": 2}, id="misspelt-key"),
        pytest.param({"config": {"APP_ENV": "prod"}}, id="unknown-environment"),
        pytest.param({"config": {"LOG_LEVEL": "loud"}}, id="unknown-log-level"),
        pytest.param({"service": {"port": "eighty"}}, id="port-not-a-number"),
        pytest.param({"service": {"port": 70000}}, id="port-out-of-range"),
        pytest.param({"resources": {"limits": {"cpus": "1"}}}, id="misspelt-nested-key"),
    ],
)
@over(having(MANIFEST_COMBINATIONS, kubernetes="helm"))
def test_helm_values_schema_rejects_bad_values(
    project: RenderedProject, bad_values: dict[str, Any]
) -> None:
    chart = project.root / HELM
    for environment in ENVIRONMENTS:
        assert checks.helm_schema_error(chart, helm_values(project, environment)) is None

    assert checks.helm_schema_error(chart, bad_values) is not None


def rules_file(project: RenderedProject) -> Path:
    return project.root / MONITORING / "prometheus" / "rules" / f"{PROJECT_SLUG}.rules.yml"


@over(METRICS_COMBINATIONS)
def test_alert_rules_pass_promtool_check_and_their_unit_tests(
    project: RenderedProject,
) -> None:
    tests = project_rules_tests(project)

    for result in (
        checks.promtool("check", "rules", rules_file(project)),
        checks.promtool("test", "rules", tests),
    ):
        assert result.returncode == 0, checks.report(result)


def project_rules_tests(project: RenderedProject) -> Path:
    return project.root / MONITORING / "prometheus" / "tests" / f"{PROJECT_SLUG}.rules.test.yml"


@over(METRICS_COMBINATIONS)
def test_prometheus_configuration_passes_promtool(project: RenderedProject) -> None:
    config = project.root / MONITORING / "prometheus" / "prometheus.yml"

    result = checks.promtool("check", "config", config)

    assert result.returncode == 0, checks.report(result)


# Grafana's interval variables, as Grafana fills them in before querying.
GRAFANA_INTERVALS = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


def grafana_substitutions(expression: str, dashboard: dict[str, Any]) -> str:
    """The query Grafana sends: interval variables filled in, and each dashboard
    variable at its "All" value."""
    for variable, value in GRAFANA_INTERVALS.items():
        expression = expression.replace(variable, value)
    for variable in dashboard.get("templating", {}).get("list", []):
        value = variable.get("allValue") or ".*"
        for spelling in (f"${{{variable['name']}}}", f"${variable['name']}"):
            expression = expression.replace(spelling, value)
    return expression


@over(METRICS_COMBINATIONS)
def test_dashboard_queries_are_valid_promql(project: RenderedProject, tmp_path: Path) -> None:
    (dashboard_file,) = (project.root / MONITORING / "grafana" / "dashboards").glob("*.json")
    dashboard = json.loads(dashboard_file.read_text(encoding="utf-8"))
    expressions = [
        grafana_substitutions(target["expr"], dashboard)
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]
    assert expressions, "the dashboard has no queries"
    # promtool parses PromQL when it checks rules: one recording rule per query.
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query_{index}", "expr": expression}
                    for index, expression in enumerate(expressions)
                ],
            }
        ]
    }
    queries = tmp_path / "dashboard-queries.yml"
    queries.write_text(yaml.safe_dump(rules), encoding="utf-8")

    result = checks.promtool("check", "rules", queries)

    assert result.returncode == 0, checks.report(result)


@over(METRICS_COMBINATIONS)
def test_cluster_rules_are_the_plain_rules_file(project: RenderedProject) -> None:
    plain = load_yaml(rules_file(project))
    kubernetes = project.combination["kubernetes"]
    if kubernetes == "kustomize":
        (rule,) = [
            o for o in kustomize_objects(project, "production") if o["kind"] == "PrometheusRule"
        ]
        assert rule["spec"] == plain
    elif kubernetes == "helm":
        assert load_yaml(project.root / HELM / "files" / "prometheus-rules.yaml") == plain


@over(DEPLOYMENT_CHECK_COMBINATIONS)
def test_the_projects_own_deployment_check_passes(
    project: RenderedProject,
) -> None:
    # What the project's CI runs (its deployment-files job), run here with the
    # validators of this test environment. The Helm variant needs the helm CLI,
    # which this environment lacks: its chart is checked through Helm's library above.
    script = project.root / "infrastructure" / "ci-cd" / "validate-deployment"
    tools = Path(sys.executable).parent

    result = checks.run(
        [script],
        project.root,
        environment={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"},
    )

    assert result.returncode == 0, checks.report(result)
    assert "all deployment files are valid" in result.stdout


@over(MANIFEST_COMBINATIONS)
def test_deployment_check_script_passes_shellcheck(project: RenderedProject) -> None:
    script = project.root / "infrastructure" / "ci-cd" / "validate-deployment"

    result = checks.run([checks.executable("shellcheck"), script], project.root)

    assert result.returncode == 0, checks.report(result)


def manifest_inputs(project: RenderedProject) -> dict[Path, bytes]:
    """The files the Kubernetes checks read: manifests, chart and deployment check
    (not the READMEs beside them, which show e.g. the framework's database URLs)."""
    return {
        relative: (project.root / relative).read_bytes()
        for relative in project.files
        if (relative.is_relative_to(KUBERNETES) and relative.suffix != ".md")
        or relative == Path("infrastructure/ci-cd/validate-deployment")
    }


@over(MANIFEST_DERIVED)
def test_only_manifest_answers_change_manifests(
    project: RenderedProject, render_cache: RenderCache
) -> None:
    # What allows the Kubernetes checks to run on MANIFEST_COMBINATIONS only:
    # the NOT_SHAPING_MANIFESTS answers change no manifest and no deployment check.
    key = manifests_key(project.combination)
    representative = next(c for c in MANIFEST_COMBINATIONS if manifests_key(c) == key)

    assert manifest_inputs(project) == manifest_inputs(render_cache.get(representative))
