"""The default project as a user runs it: migrate, seed, serve, talk HTTP to it,
then stop it with SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from generated_project import project_environment, sync
from rendering import PROJECT_SLUG, read_env_file, render_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-service")]

SHUTDOWN_TIMEOUT_SECONDS = 10
STARTUP_TIMEOUT_SECONDS = 60
PROBLEM_JSON = "application/problem+json"


@dataclass
class LiveService:
    project: Path
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-8000:]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10)


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run_command(project: Path, *args: str, environment: dict[str, str]) -> None:
    command = [str(project / ".venv" / "bin" / PROJECT_SLUG), *args]
    completed = subprocess.run(
        command,
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, (
        f"{' '.join(args)} failed:\n{completed.stdout}{completed.stderr}"
    )


def wait_until_live(service: LiveService) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            pytest.fail(
                f"the service exited with {service.process.returncode}:\n{service.output()}"
            )
        try:
            if httpx.get(f"{service.base_url}/health/live", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(
        f"/health/live did not answer within {STARTUP_TIMEOUT_SECONDS}s:\n{service.output()}"
    )


@pytest.fixture(scope="module")
def live_service(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveService]:
    workspace = tmp_path_factory.mktemp("live")
    project = render_project(template_repo, workspace / PROJECT_SLUG)
    synced = sync(project)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    port = free_loopback_port()
    environment = project_environment(
        HOST="127.0.0.1", PORT=str(port), SHUTDOWN_TIMEOUT_SECONDS=str(SHUTDOWN_TIMEOUT_SECONDS)
    )
    run_command(project, "migrate", environment=environment)
    run_command(project, "seed", environment=environment)

    log = workspace / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(project / ".venv" / "bin" / PROJECT_SLUG), "serve"],
            cwd=project,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    service = LiveService(project, process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_live(service)
        yield service
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


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


def test_sigterm_stops_the_service_cleanly(live_service: LiveService) -> None:
    # Runs last in this module: it ends the shared service.
    live_service.process.send_signal(signal.SIGTERM)

    grace = SHUTDOWN_TIMEOUT_SECONDS + 5
    try:
        exit_code = live_service.process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {grace}s after SIGTERM:\n{live_service.output()}")

    assert exit_code == 0, live_service.output()
