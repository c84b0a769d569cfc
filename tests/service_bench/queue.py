"""Background work side by side: the working tree's service rendered without a
queue and with each queue on each broker copier.yml offers, every other answer
the same.

Each gets a fresh database. Round after round (none, then each queue), each is
served in its production profile, with a worker beside it when it has a queue
and then without one (the outbox alone), and item creation is loaded with wrk;
then, for each queue, the generated
project's own event benchmark (tests/performance/events.py) creates items at a
steady rate and times each from its answer to its activity entry. Prints
create's throughput and p99 beside no queue's, and the events' p50 and p99.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from . import api, wrk
from .databases import Server, with_database
from .projects import (
    Project,
    ProjectError,
    clean_environment,
    free_port,
    render,
    serve,
    stop,
    tail,
    write_launchers,
)
from .report import Load, Summary

TEMPLATE = Path(__file__).resolve().parents[2]
PROJECT_NAME = "Groundwork Bench"
APP = "{package}.core.app:create_app"
NO_QUEUE = "none"
STARTUP_TIMEOUT_SECONDS = 60.0
# What the generated event benchmark prints.
EVENTS_LINE = re.compile(
    r"p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms\s+max\s+([\d.]+) ms\s+missing (\d+)"
)


@dataclass(frozen=True)
class Settings:
    framework: str
    database: str
    seconds: int
    rounds: int
    connections: int
    workers: int
    rate: int
    event_seconds: int

    def reproduce(self) -> str:
        arguments = ["--framework", self.framework, "--database", self.database]
        arguments += ["--seconds", str(self.seconds), "--rounds", str(self.rounds)]
        arguments += ["--rate", str(self.rate), "--event-seconds", str(self.event_seconds)]
        return "nox -s bench_queue -- " + shlex.join(arguments)


@dataclass(frozen=True)
class Events:
    p50_ms: float
    p99_ms: float
    max_ms: float
    missing: int


@dataclass
class Subject:
    # NO_QUEUE, or the queue and its broker: "taskiq-redis".
    queue: str
    project: Project
    database: str
    environment: dict[str, str]
    headers: tuple[str, ...] = ()


def offered(question: str) -> list[str]:
    """The answers copier.yml offers to `question`, in its order."""
    choices = yaml.safe_load((TEMPLATE / "copier.yml").read_text())[question]["choices"]
    return list(choices.values() if isinstance(choices, dict) else choices)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def working(subject: Subject, workspace: Path, *, worker: bool = True) -> Iterator[None]:
    """The subject's worker, when it has a queue and `worker`, until the block ends."""
    if subject.queue == NO_QUEUE or not worker:
        yield
        return
    port = free_port()
    log_file = workspace / f"{subject.queue}-worker.log"
    command = [str(subject.project.directory / ".venv" / "bin" / subject.project.slug), "worker"]
    environment = {**subject.environment, "HOST": "127.0.0.1", "WORKER_HEALTH_PORT": str(port)}
    with log_file.open("ab") as output:
        process = subprocess.Popen(
            command,
            cwd=subject.project.directory,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                raise ProjectError(f"the worker exited:\n{tail(log_file)}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise ProjectError(f"the worker was not ready:\n{tail(log_file)}")
            time.sleep(0.2)
        yield
    finally:
        stop(process)


@contextlib.contextmanager
def running(
    subject: Subject, settings: Settings, workspace: Path, *, worker: bool = True
) -> Iterator[str]:
    """The subject served, with its worker if `worker`, until the block ends;
    yields the service's base URL."""
    with (
        serve(
            subject.project,
            workspace,
            app=APP.format(package=subject.project.package),
            workers=settings.workers,
            environment=subject.environment,
            log=workspace / f"{subject.queue}-serve.log",
        ) as base_url,
        working(subject, workspace, worker=worker),
    ):
        yield base_url


def measure_create(
    subject: Subject, settings: Settings, workspace: Path, *, worker: bool = True
) -> Load:
    """Create's load on the subject, with its worker running (if it has a queue)
    or without one: then events only pile up in the outbox."""
    with running(subject, settings, workspace, worker=worker) as base_url:
        subject.headers = api.sign_in(base_url, register=not subject.headers)
        create = api.requests(base_url, subject.headers)["create"]
        api.check("create", create)
        options = wrk.Options(threads=2, connections=settings.connections)
        load = wrk.run(create, options, settings.seconds, workspace)
    rate, p99 = load.requests_per_second, load.p99_ms
    log(f"  {row_name(subject.queue, worker=worker):<30} {rate:8.1f} req/s  p99 {p99:7.2f} ms")
    return load


def row_name(queue: str, *, worker: bool) -> str:
    if queue == NO_QUEUE:
        return "no queue"
    return f"{queue}, worker running" if worker else f"{queue}, outbox only"


def measure_events(subject: Subject, settings: Settings, workspace: Path) -> Events:
    with running(subject, settings, workspace) as base_url:
        command = [str(subject.project.python), "-m", "tests.performance.events"]
        command += ["--base-url", base_url, "--rate", str(settings.rate)]
        command += ["--seconds", str(settings.event_seconds)]
        completed = subprocess.run(
            command,
            cwd=subject.project.directory,
            env=subject.environment,
            capture_output=True,
            text=True,
            check=False,
        )
    found = EVENTS_LINE.search(completed.stdout)
    if completed.returncode != 0 or found is None:
        raise ProjectError(f"the event benchmark failed:\n{completed.stdout}{completed.stderr}")
    p50, p99, longest, missing = found.groups()
    return Events(float(p50), float(p99), float(longest), int(missing))


def queues() -> list[dict[str, str]]:
    """No queue first (the others are compared with it), then each queue on each broker."""
    offered_queues = [queue for queue in offered("queue") if queue != NO_QUEUE]
    return [{"queue": NO_QUEUE}] + [
        {"queue": queue, "broker": broker}
        for queue in offered_queues
        for broker in offered("broker")
    ]


def bench(settings: Settings, workspace: Path) -> str:
    subjects: list[Subject] = []
    for answers in queues():
        name = "-".join(answers.values())
        log(f"rendering and installing the working tree with {name}")
        answers |= {
            "project_name": PROJECT_NAME,
            "framework": settings.framework,
            "database": settings.database,
            "auth": "jwt",
        }
        project = render(TEMPLATE, "HEAD", workspace / name, answers)
        database = f"gwqueue_{os.getpid()}_{name.replace('-', '_')}"
        # BROKER_URL: the project's default, the broker on this machine.
        environment = clean_environment(
            APP_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(48),
            DATABASE_URL=with_database(project.default_database_url(), database),
            ACCESS_TOKEN_TTL_SECONDS=str(24 * 3600),
            BROKER_STREAM=f"gwqueue-{os.getpid()}-{name}:events",
        )
        subjects.append(Subject(name, project, database, environment))
    server = Server(subjects[0].environment["DATABASE_URL"])
    write_launchers(workspace, settings.framework)
    results: dict[str, list[Load]] = defaultdict(list)
    events: dict[str, Events] = {}
    try:
        for subject in subjects:
            server.create(subject.database)
            subject.project.command("migrate", environment=subject.environment)
        for round_number in range(1, settings.rounds + 1):
            log(f"round {round_number}/{settings.rounds}")
            for subject in subjects:
                results[row_name(subject.queue, worker=True)].append(
                    measure_create(subject, settings, workspace)
                )
                if subject.queue != NO_QUEUE:
                    results[row_name(subject.queue, worker=False)].append(
                        measure_create(subject, settings, workspace, worker=False)
                    )
                    # What no worker sent would be the next worker's backlog.
                    server.empty(subject.database, "outbox_events")
        for subject in subjects[1:]:
            log(f"{subject.queue}: event latency at {settings.rate}/s")
            events[row_name(subject.queue, worker=True)] = measure_events(
                subject, settings, workspace
            )
    finally:
        for subject in subjects:
            server.drop(subject.database)
            if subject.queue != NO_QUEUE:
                delete_stream(subject)
    return report(settings, results, events)


def delete_stream(subject: Subject) -> None:
    """The subject's stream, through its own tests' helper: it outlives the bench."""
    code = (
        "import asyncio\n"
        "from tests.broker import delete_stream\n"
        f"from {subject.project.package}.core.settings import Settings\n"
        "settings = Settings()\n"
        "asyncio.run(delete_stream(settings.broker_url, settings.broker_stream))"
    )
    subprocess.run(
        [str(subject.project.python), "-c", code],
        cwd=subject.project.directory,
        env=subject.environment,
        check=False,
        capture_output=True,
    )


def report(
    settings: Settings, results: Mapping[str, list[Load]], events: Mapping[str, Events]
) -> str:
    base = Summary.of(results[row_name(NO_QUEUE, worker=True)])
    lines = [
        f"{settings.framework}, {settings.database}, auth jwt: the production profile on"
        f" {settings.workers} uvicorn workers, a worker beside them with a queue;",
        f"create: wrk -t2 -c{settings.connections} -d{settings.seconds}s, median of"
        f" {settings.rounds} rounds; events: {settings.rate}/s for {settings.event_seconds}s",
        "",
        f"{'':<30} {'create req/s':>12} {'p99 ms':>8} {'errors':>7} {'ratio':>7}"
        f" {'event p50':>10} {'p99':>8} {'max':>8} {'missing':>8}",
    ]
    for name, loads in results.items():
        summary = Summary.of(loads)
        ratio = summary.requests_per_second / base.requests_per_second
        line = (
            f"{name:<30} {summary.requests_per_second:>12.1f} {summary.p99_ms:>8.2f}"
            f" {summary.errors:>7} {ratio:>7.2f}"
        )
        if name in events:
            timed = events[name]
            line += (
                f" {timed.p50_ms:>7.1f} ms {timed.p99_ms:>5.1f} ms {timed.max_ms:>5.1f} ms"
                f" {timed.missing:>8}"
            )
        lines.append(line)
    lines += [
        "",
        "ratio: create's throughput over no queue's. Outbox only: the service without a",
        "worker, its events left pending (what each create's event costs the request).",
        f"reproduce: {settings.reproduce()}",
    ]
    return "\n".join(lines)


def parse_arguments(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="nox -s bench_queue --", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--framework", choices=offered("framework"), default="fastapi")
    parser.add_argument("--database", choices=("postgresql", "mysql"), default="postgresql")
    parser.add_argument("--seconds", type=int, default=10, help="of load per create run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--rate", type=int, default=50, help="items created a second, for events")
    parser.add_argument("--event-seconds", type=int, default=10)
    arguments = parser.parse_args(argv)
    return Settings(**{name.replace("-", "_"): value for name, value in vars(arguments).items()})


def main(argv: list[str] | None = None) -> None:
    settings = parse_arguments(argv)
    wrk.executable()
    with tempfile.TemporaryDirectory(prefix="groundwork-bench-queue-") as scratch:
        try:
            table = bench(settings, Path(scratch))
        except RuntimeError as error:
            raise SystemExit(f"bench_queue: {error}") from error
    print(table, flush=True)


if __name__ == "__main__":
    main()
