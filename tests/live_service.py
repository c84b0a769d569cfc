"""A generated service served as a user runs it: rendered with the defaults,
synced, migrated and seeded, then started with its own `serve` command."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from generated_project import project_environment, sync
from rendering import PROJECT_SLUG, render_project

SHUTDOWN_TIMEOUT_SECONDS = 10
STARTUP_TIMEOUT_SECONDS = 60


@dataclass
class LiveService:
    framework: str
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


@contextmanager
def serve_default_project(
    template_repo: Path, workspace: Path, framework: str
) -> Iterator[LiveService]:
    """The framework's default project rendered into `workspace`, synced, migrated
    and seeded, then served with its own command on a free loopback port, in
    its development profile, until the block ends."""
    project = render_project(template_repo, workspace / PROJECT_SLUG, framework=framework)
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
    service = LiveService(framework, project, process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_live(service)
        yield service
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
