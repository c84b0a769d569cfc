"""The default project of each framework as a user runs it: migrate, seed,
serve, talk HTTP to it, let a real Prometheus scrape it with the rendered
configuration and rules, then stop it with SIGTERM."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from checks import executable
from live_service import (
    SHUTDOWN_TIMEOUT_SECONDS,
    LiveService,
    free_loopback_port,
    serve_default_project,
)
from rendering import MODE, MODEL, PROJECT_SLUG, read_env_file

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("live-service"),
    pytest.mark.skipif(
        MODE == "quick", reason="GROUNDWORK_MATRIX=quick (nox -s quick) starts no service"
    ),
]

PROBLEM_JSON = "application/problem+json"


@pytest.fixture(scope="module", params=MODEL.values("framework"))
def live_service(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LiveService]:
    workspace = tmp_path_factory.mktemp("live")
    with serve_default_project(template_repo, workspace, request.param) as service:
        yield service


def login(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def test_service_is_ready(live_service: LiveService) -> None:
    with live_service.client() as client:
        response = client.get("/health/ready")

    assert response.status_code == 200, response.text


def test_registered_user_creates_and_lists_an_item(live_service: LiveService) -> None:
    email, password = "alice@example.com", "correct-horse-battery-staple-42"
    with live_service.client() as client:
        registered = client.post(
            "/api/v1/auth/register", json={"email": email, "password": password}
        )
        assert registered.status_code == 201, registered.text
        tokens = login(client, email, password)
        assert tokens["access_token"]
        assert tokens["refresh_token"]
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}

        created = client.post("/api/v1/items", json={"title": "First item"}, headers=bearer)
        assert created.status_code == 201, created.text
        listed = client.get("/api/v1/items", headers=bearer)

    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 1
    assert [item["title"] for item in page["items"]] == ["First item"]
    assert page["items"][0]["id"] == created.json()["id"]


def test_unauthenticated_list_is_a_problem(live_service: LiveService) -> None:
    with live_service.client() as client:
        response = client.get("/api/v1/items")

    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["status"] == 401


def test_seeded_admin_lists_users(live_service: LiveService) -> None:
    settings = read_env_file(live_service.project / ".env")
    with live_service.client() as client:
        tokens = login(client, settings["FIRST_ADMIN_EMAIL"], settings["FIRST_ADMIN_PASSWORD"])
        response = client.get(
            "/api/v1/users", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )

    assert response.status_code == 200, response.text


def prometheus_config(project: Path, destination: Path, target: str) -> Path:
    """The rendered Prometheus folder, its scrape target moved to `target` on
    loopback and its intervals shortened for a test; job, path and rules kept."""
    shutil.copytree(project / "infrastructure" / "monitoring" / "prometheus", destination)
    config_file = destination / "prometheus.yml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    (job,) = config["scrape_configs"]
    assert job["job_name"] == PROJECT_SLUG
    assert job["static_configs"] == [{"targets": ["app:8000"]}]
    job["static_configs"] = [{"targets": [target]}]
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    return config_file


@pytest.fixture
def prometheus(live_service: LiveService, tmp_path: Path) -> Iterator[str]:
    """A real Prometheus scraping the live service; yields its base URL."""
    port = free_loopback_port()
    config = prometheus_config(
        live_service.project, tmp_path / "prometheus", live_service.base_url.split("//")[1]
    )
    log = tmp_path / "prometheus.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                executable("prometheus"),
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        eventually(
            lambda: httpx.get(f"{base_url}/-/ready", timeout=2).status_code == 200,
            lambda: f"Prometheus did not start:\n{log.read_text(errors='replace')[-4000:]}",
        )
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


def eventually(condition: Callable[[], bool], explain: Callable[[], str]) -> None:
    """Wait up to a minute for `condition`; Prometheus scrapes and evaluates every second."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(explain())


def query(prometheus: str, promql: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{prometheus}/api/v1/query", params={"query": promql}, timeout=5)
    response.raise_for_status()
    result: list[dict[str, Any]] = response.json()["data"]["result"]
    return result


def test_prometheus_scrapes_request_metrics_and_evaluates_the_rules(
    live_service: LiveService, prometheus: str
) -> None:
    with live_service.client() as client:
        for _ in range(5):
            assert client.get("/api/v1/items").status_code == 401
            assert client.get("/health/ready").status_code == 200
    series = f'http_requests_total{{job="{PROJECT_SLUG}", route="/api/v1/items", status="401"}}'

    eventually(
        lambda: any(float(s["value"][1]) >= 5 for s in query(prometheus, series)),
        lambda: f"{series} never reached 5: {query(prometheus, series)}",
    )
    assert query(prometheus, f'app_dependency_up{{job="{PROJECT_SLUG}"}}')[0]["value"][1] == "1"

    def rules() -> list[dict[str, Any]]:
        response = httpx.get(f"{prometheus}/api/v1/rules", timeout=5)
        response.raise_for_status()
        return [rule for group in response.json()["data"]["groups"] for rule in group["rules"]]

    eventually(
        lambda: bool(rules()) and all(rule.get("evaluationTime", 0) > 0 for rule in rules()),
        lambda: f"not every rule was evaluated: {rules()}",
    )
    unhealthy = [
        (rule["name"], rule.get("lastError")) for rule in rules() if rule["health"] != "ok"
    ]
    assert unhealthy == []
    firing = [rule["name"] for rule in rules() if rule.get("state") == "firing"]
    assert firing == [], "a healthy service sets off alerts"


def test_sigterm_stops_the_service_cleanly(live_service: LiveService) -> None:
    # Runs last in this module: it ends the shared service.
    live_service.process.send_signal(signal.SIGTERM)

    grace = SHUTDOWN_TIMEOUT_SECONDS + 5
    try:
        exit_code = live_service.process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {grace}s after SIGTERM:\n{live_service.output()}")

    assert exit_code == 0, live_service.output()
