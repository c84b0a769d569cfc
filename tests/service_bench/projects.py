"""Generated projects as the benchmark uses them: rendered from a revision of
the template, installed in their own environment, migrated, and served on
worker processes the same way whatever the revision."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_TIMEOUT_SECONDS = 90
SHUTDOWN_TIMEOUT_SECONDS = 30
# Point uv (or the project's Python) at another environment than the project's own.
FOREIGN_VARIABLES = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON", "PYTHONPATH")

# Serves an app on worker processes with the options of the project's own `serve`
# (server_options): every revision has them, not every one a
# --workers option. The workers are spawned, so they import only what is above
# the `__main__` block.
LAUNCHER = '''\
"""Serve PACKAGE's APP on HOST:PORT with WORKERS processes, as its `serve` would."""

import importlib
import sys

import uvicorn

if __name__ == "__main__":
    package, app, host, port, workers = sys.argv[1:]
    try:  # core/server.py since 0.6.0, core/cli.py before
        server = importlib.import_module(f"{package}.core.server")
    except ModuleNotFoundError:
        server = importlib.import_module(f"{package}.core.cli")
    settings = importlib.import_module(f"{package}.core.settings").get_settings()
    options = server.server_options(settings)
    options.update(host=host, port=int(port), workers=int(workers))
    uvicorn.run(app, factory=True, **options)
'''
LAUNCHER_NAME = "bench_launcher.py"
BARE_MODULE = "bench_bare"

# Each framework's /health/live on its own: no middleware, no settings, nothing
# else in the app. The same answer as the service's.
BARE_APPS = {
    "fastapi": """\
from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app
""",
    "litestar": """\
from litestar import Litestar, get


@get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[live], logging_config=None)
""",
    "django": """\
import django
from django.conf import settings

settings.configure(
    ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, MIDDLEWARE=[], SECRET_KEY="bench-" * 10
)
django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from ninja import NinjaAPI  # noqa: E402

api = NinjaAPI()


@api.get("/live")
async def live(request: object) -> dict[str, str]:
    return {"status": "ok"}


urlpatterns = [path("health/", api.urls)]


def create_app():
    return get_asgi_application()
""",
}


class ProjectError(RuntimeError):
    pass


def clean_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without what would point at its own venv."""
    environment = {
        name: value for name, value in os.environ.items() if name not in FOREIGN_VARIABLES
    }
    environment["UV_NO_PROGRESS"] = "1"
    environment.update(overrides)
    return environment


def run(command: list[str], cwd: Path, environment: Mapping[str, str], timeout: float) -> str:
    completed = subprocess.run(
        command,
        cwd=cwd,
        env=dict(environment),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise ProjectError(
            f"{' '.join(command)} failed in {cwd}:\n{completed.stdout}{completed.stderr}"
        )
    return completed.stdout


@dataclass(frozen=True)
class Project:
    directory: Path
    slug: str
    package: str

    @property
    def python(self) -> Path:
        return self.directory / ".venv" / "bin" / "python"

    def default_database_url(self) -> str:
        """The URL the project's settings default to: the scheme its driver takes."""
        code = (
            f"from {self.package}.core.settings import Settings\n"
            "print(Settings.model_fields['database_url'].default)"
        )
        return run([str(self.python), "-c", code], self.directory, clean_environment(), 60).strip()

    def command(self, *arguments: str, environment: Mapping[str, str]) -> None:
        """Run one of the project's own commands (`migrate`, ...)."""
        executable = self.directory / ".venv" / "bin" / self.slug
        run([str(executable), *arguments], self.directory, environment, 600)


def render(template: Path, ref: str, destination: Path, answers: Mapping[str, str]) -> Project:
    """Render the template at `ref` (HEAD includes uncommitted changes) and install it."""
    data = [option for key, value in answers.items() for option in ("-d", f"{key}={value}")]
    copy = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet"]
    run(
        [*copy, "--vcs-ref", ref, *data, str(template), str(destination)],
        template,
        clean_environment(),
        900,
    )
    run(["uv", "sync"], destination, clean_environment(), 900)
    pyproject = tomllib.loads((destination / "pyproject.toml").read_text())
    ((slug, entry_point),) = pyproject["project"]["scripts"].items()
    return Project(destination, slug, entry_point.split(".", 1)[0])


def write_launchers(directory: Path, framework: str) -> None:
    """The launcher, and the framework's bare app beside it."""
    if framework not in BARE_APPS:
        raise ProjectError(f"no bare app for the framework {framework!r} (service_bench.projects)")
    (directory / LAUNCHER_NAME).write_text(LAUNCHER)
    (directory / f"{BARE_MODULE}.py").write_text(BARE_APPS[framework])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(
    project: Project,
    launchers: Path,
    *,
    app: str,
    workers: int,
    environment: Mapping[str, str],
    log: Path,
) -> Iterator[str]:
    """The app served from the project on `workers` processes until the block
    ends; yields its base URL once /health/live answers."""
    port = free_port()
    command = [
        str(project.python),
        str(launchers / LAUNCHER_NAME),
        project.package,
        app,
        "127.0.0.1",
        str(port),
        str(workers),
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            cwd=project.directory,
            env=dict(environment),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(process, base_url, log)
        yield base_url
    finally:
        stop(process)


def wait_until_live(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ProjectError(f"the server exited with {process.returncode}:\n{tail(log)}")
        try:
            if httpx.get(f"{base_url}/health/live", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise ProjectError(f"/health/live did not answer in {STARTUP_TIMEOUT_SECONDS}s:\n{tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a deployment stops the server; then whatever of its process
    group (its workers) is left, so that the next server has the machine."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def tail(log: Path, characters: int = 6000) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-characters:]
