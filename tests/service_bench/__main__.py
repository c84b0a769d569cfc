"""Compare the generated service of two template revisions, side by side.

For each framework: render both revisions with the same answers, install each
in its own environment, give each a fresh database, capture the SQL that one
list and one create request run, then, round after round (base, head, base,
head...), serve each in its production profile and load it with wrk, serve the
framework's bare route the same way, and run each request's SQL from a bare
client: the ceiling. Prints one table per framework.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import api, ceiling, wrk
from .databases import Server, with_database
from .projects import (
    BARE_MODULE,
    Project,
    clean_environment,
    render,
    serve,
    write_launchers,
)
from .report import Comparison, Load, Summary
from .sql import Captured, CaptureError, inserted_table, made_up_ids, steady_state

TEMPLATE = Path(__file__).resolve().parents[2]
PROJECT_NAME = "Groundwork Bench"
APP = "{package}.core.app:create_app"
# The databases on a server: the benchmark compares what a deployment runs.
DATABASES = ("postgresql", "mysql")
DATABASE_LABELS = {"postgresql": "PostgreSQL", "mysql": "MariaDB"}
# Requests before the captured ones (connections open, caches fill), then the
# captured ones, of which most must agree.
WARM_REQUESTS = 10
CAPTURED_REQUESTS = 3
ROWS = {
    "list": "list, 100 items",
    "create": "create",
    "health": "/health/live",
    "bare": "bare /health/live",
    "ceiling list": "ceiling: list's SQL",
    "ceiling create": "ceiling: create's SQL",
}
SHARES = {
    "list / ceiling": ("list", "ceiling list"),
    "create / ceiling": ("create", "ceiling create"),
    "health / bare": ("health", "bare"),
}
# (revision role, measurement) -> one load per round.
Results = dict[tuple[str, str], list[Load]]
DEFAULTS = {
    "seconds": 10,
    "rounds": 3,
    "connections": 32,
    "threads": 2,
    "workers": 2,
    "warmup": 2,
}
HELP = {
    "seconds": "how long each measurement runs, in seconds",
    "rounds": "rounds of every measurement, base then head in each",
    "connections": "connections open at once, for wrk and for the ceiling",
    "threads": "wrk's threads",
    "workers": "server processes, and processes of the ceiling",
    "warmup": "seconds of load before each measurement",
}


def log(message: str) -> None:
    print(f"bench_service: {message}", file=sys.stderr, flush=True)


def git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=TEMPLATE, capture_output=True, text=True, check=True
    ).stdout.strip()


def framework_choices() -> list[str]:
    """The frameworks copier.yml offers."""
    questions = yaml.safe_load((TEMPLATE / "copier.yml").read_text())
    choices = questions["framework"]["choices"]
    return list(choices.values() if isinstance(choices, dict) else choices)


@dataclass(frozen=True)
class Revision:
    role: str
    # What `copier copy --vcs-ref` takes: HEAD renders the working tree.
    ref: str
    label: str


def revisions(base: str | None) -> tuple[Revision, Revision]:
    base = base or git("describe", "--tags", "--abbrev=0")
    try:
        base_commit = git("rev-parse", "--short", f"{base}^{{commit}}")
    except subprocess.CalledProcessError:
        raise SystemExit(f"bench_service: {base!r} names no commit of the template") from None
    changed = ", with uncommitted changes" if git("status", "--porcelain") else ""
    head = f"working tree ({git('rev-parse', '--short', 'HEAD')}{changed})"
    base_label = base if base == base_commit else f"{base} ({base_commit})"
    return Revision("base", base, base_label), Revision("head", "HEAD", head)


@dataclass
class Subject:
    """One revision's project, as this run serves and measures it."""

    revision: Revision
    project: Project
    database: str
    environment: dict[str, str]
    headers: tuple[str, ...] = ()
    sql: dict[str, ceiling.Workload] = field(default_factory=dict)
    table: str = ""


@dataclass(frozen=True)
class Settings:
    frameworks: list[str]
    database: str
    auth: str
    base: str | None
    seconds: int
    rounds: int
    connections: int
    threads: int
    workers: int
    warmup: int
    postgres_log: Path | None

    @property
    def wrk(self) -> wrk.Options:
        return wrk.Options(threads=self.threads, connections=self.connections)

    def reproduce(self, framework: str, base: str) -> str:
        arguments = ["--framework", framework, "--database", self.database, "--auth", self.auth]
        arguments += ["--base", base]
        for name, default in DEFAULTS.items():
            if getattr(self, name) != default:
                arguments += [f"--{name}", str(getattr(self, name))]
        return "nox -s bench_service -- " + shlex.join(arguments)


def prepare(subject: Subject, server: Server, settings: Settings, workspace: Path) -> None:
    """Migrate the subject's fresh database, sign up its user and seed its items
    while the server records its SQL, and keep the SQL of one list and one create."""
    project = subject.project
    server.create(subject.database)
    project.command("migrate", environment=subject.environment)
    with server.capture(subject.database, settings.postgres_log) as (url, capture):
        environment = {**subject.environment, "DATABASE_URL": url}
        app = APP.format(package=project.package)
        log_file = workspace / f"{subject.revision.role}-capture.log"
        with serve(
            project, workspace, app=app, workers=1, environment=environment, log=log_file
        ) as base_url:
            if settings.auth != "none":
                subject.headers = api.sign_in(base_url, register=True)
            api.seed(base_url, subject.headers)
            requests = api.requests(base_url, subject.headers)
            for _ in range(WARM_REQUESTS):
                for operation in ("list", "create"):
                    api.check(operation, requests[operation])
            for operation in ("list", "create"):
                captures: list[Captured] = []
                for _ in range(CAPTURED_REQUESTS):
                    mark = capture.mark()
                    api.check(operation, requests[operation])
                    captures.append(capture.since(mark))
                captured = steady_state(captures)
                others = [other.statements for other in captures if other is not captured]
                subject.sql[operation] = ceiling.Workload(
                    url=with_database(server.url, subject.database),
                    setup=captured.setup,
                    request=captured.statements,
                    made_up=made_up_ids(captured.statements, others),
                )
    subject.table = inserted_table(subject.sql["create"].request, api.CREATE_TITLE)
    server.delete_created(subject.database, subject.table, api.CREATE_TITLE)


def measure_service(
    subject: Subject, settings: Settings, workspace: Path, results: Results
) -> None:
    project = subject.project
    app = APP.format(package=project.package)
    log_file = workspace / f"{subject.revision.role}-serve.log"
    with serve(
        project,
        workspace,
        app=app,
        workers=settings.workers,
        environment=subject.environment,
        log=log_file,
    ) as base_url:
        requests = api.requests(base_url, subject.headers)
        if settings.auth != "none" and api.send(requests["list"]).status_code == 401:
            subject.headers = api.sign_in(base_url, register=False)
            requests = api.requests(base_url, subject.headers)
        for operation in api.OPERATIONS:
            results[subject.revision.role, operation].append(
                measure_request(operation, requests[operation], settings, workspace)
            )


def measure_request(
    operation: str, request: wrk.Request, settings: Settings, workspace: Path
) -> Load:
    api.check(operation, request)
    if settings.warmup:
        wrk.run(request, settings.wrk, settings.warmup, workspace)
    load = wrk.run(request, settings.wrk, settings.seconds, workspace)
    log(
        f"  {operation:<7} {load.requests_per_second:8.1f} req/s  p99 {load.p99_ms:7.2f} ms"
        f"  errors {load.errors}"
    )
    return load


def measure_bare(subject: Subject, settings: Settings, workspace: Path, results: Results) -> None:
    with serve(
        subject.project,
        workspace,
        app=f"{BARE_MODULE}:create_app",
        workers=settings.workers,
        environment=subject.environment,
        log=workspace / f"{subject.revision.role}-bare.log",
    ) as base_url:
        request = api.requests(base_url, ())["health"]
        results[subject.revision.role, "bare"].append(
            measure_request("health", request, settings, workspace)
        )


def measure_ceilings(
    subjects: list[Subject],
    server: Server,
    settings: Settings,
    results: Results,
) -> None:
    """Each operation's SQL from a bare client; once for both revisions when
    they run the same statements."""
    for operation in ("list", "create"):
        done: dict[tuple[str, ...], Load] = {}
        for subject in subjects:
            workload = subject.sql[operation]
            key = tuple(statement.shape for statement in workload.request)
            if key not in done:
                done[key] = ceiling.measure(
                    workload,
                    processes=settings.workers,
                    connections=settings.connections,
                    seconds=settings.seconds,
                    warmup=settings.warmup,
                )
                load = done[key]
                log(
                    f"  ceiling {operation} ({subject.revision.role}'s SQL)"
                    f" {load.requests_per_second:8.1f} req/s  p99 {load.p99_ms:7.2f} ms"
                    f"  errors {load.errors}"
                )
                if operation == "create":
                    server.delete_created(subject.database, subject.table, api.CREATE_TITLE)
            results[subject.revision.role, f"ceiling {operation}"].append(done[key])


def statements_note(subjects: list[Subject]) -> list[str]:
    lines = []
    for operation in ("list", "create"):
        base, head = (subject.sql[operation] for subject in subjects)
        same = [statement.shape for statement in base.request] == [
            statement.shape for statement in head.request
        ]
        for subject in subjects[:1] if same else subjects:
            workload = subject.sql[operation]
            whose = "both revisions" if same else subject.revision.role
            lines.append(
                f"{operation} runs {len(workload.request)} statements ({whose}, as captured):"
            )
            if workload.setup:
                setup = "; ".join(statement.sql for statement in workload.setup)
                lines.append(f"  (each connection, once: {setup})")
            for statement in workload.request:
                shape = statement.shape
                lines.append(f"  {shape[:96] + '...' if len(shape) > 99 else shape}")
    return lines


def bench_framework(framework: str, settings: Settings, workspace: Path) -> str:
    base, head = revisions(settings.base)
    answers = {
        "project_name": PROJECT_NAME,
        "framework": framework,
        "database": settings.database,
        "auth": settings.auth,
    }
    subjects: list[Subject] = []
    for revision in (base, head):
        log(f"{framework}: rendering and installing {revision.label}")
        project = render(TEMPLATE, revision.ref, workspace / revision.role, answers)
        database = f"gwbench_{os.getpid()}_{framework}_{revision.role}"
        url = with_database(project.default_database_url(), database)
        environment = clean_environment(
            APP_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(48),
            DATABASE_URL=url,
            # One sign-in for the whole run, however many rounds.
            ACCESS_TOKEN_TTL_SECONDS=str(24 * 3600),
        )
        subjects.append(Subject(revision, project, database, environment))
    # Both databases are on the server the project's settings name.
    server = Server(subjects[0].environment["DATABASE_URL"])
    write_launchers(workspace, framework)
    results: Results = defaultdict(list)
    try:
        for subject in subjects:
            log(f"{framework}: capturing the SQL of {subject.revision.label}")
            prepare(subject, server, settings, workspace)
        for round_number in range(1, settings.rounds + 1):
            for subject in subjects:
                role = subject.revision.role
                log(f"{framework}, round {round_number}/{settings.rounds}: {role}")
                measure_service(subject, settings, workspace, results)
                server.delete_created(subject.database, subject.table, api.CREATE_TITLE)
            for subject in subjects:
                log(f"{framework}, round {round_number}: {subject.revision.role}'s bare route")
                measure_bare(subject, settings, workspace, results)
            log(f"{framework}, round {round_number}: ceilings")
            measure_ceilings(subjects, server, settings, results)
    finally:
        for subject in subjects:
            server.drop(subject.database)
    return comparison(framework, subjects, settings, results).render()


def comparison(
    framework: str,
    subjects: list[Subject],
    settings: Settings,
    results: Results,
) -> Comparison:
    base, head = subjects
    driver = base.sql["list"].driver
    rounds = f"{settings.rounds} round{'s' if settings.rounds > 1 else ''}"
    title = [
        f"{framework}, {DATABASE_LABELS[settings.database]}, auth {settings.auth}: the production"
        f" profile on {settings.workers} uvicorn workers, {rounds};",
        f"wrk -t{settings.threads} -c{settings.connections} -d{settings.seconds}s after"
        f" {settings.warmup}s of warm-up; ceiling: {driver}, {settings.workers} processes,"
        f" {settings.connections} connections",
    ]
    table = Comparison(title=title, base=base.revision.label, head=head.revision.label)
    for key, name in ROWS.items():
        table.rows[name] = (
            Summary.of(results[base.revision.role, key]),
            Summary.of(results[head.revision.role, key]),
        )
    table.shares = {name: (ROWS[part], ROWS[whole]) for name, (part, whole) in SHARES.items()}
    table.notes = [
        f"Errors: answers other than 2xx or 3xx, and requests that failed or took over"
        f" {wrk.TIMEOUT_SECONDS} s.",
        *statements_note(subjects),
        f"reproduce: {settings.reproduce(framework, base.revision.ref)}",
    ]
    return table


def parse_arguments(argv: list[str] | None = None) -> Settings:
    frameworks = framework_choices()
    parser = argparse.ArgumentParser(
        prog="nox -s bench_service --", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--base", metavar="REV", help="the revision to compare with (default: the last tag)"
    )
    parser.add_argument(
        "--framework",
        action="append",
        choices=frameworks,
        help="measure this framework (repeatable; default: each in turn)",
    )
    parser.add_argument(
        "--database", choices=DATABASES, default="postgresql", help="mysql is MariaDB"
    )
    parser.add_argument("--auth", choices=("jwt", "none"), default="jwt")
    for name, default in DEFAULTS.items():
        help_text = f"{HELP[name]} (default: {default})"
        parser.add_argument(f"--{name}", type=int, default=default, metavar="N", help=help_text)
    parser.add_argument(
        "--postgres-log",
        type=Path,
        metavar="FILE",
        help="PostgreSQL's log file, when the server does not say where it is",
    )
    arguments = parser.parse_args(argv)
    if min(getattr(arguments, name) for name in DEFAULTS if name != "warmup") < 1:
        parser.error("--seconds, --rounds, --connections, --threads and --workers must be 1+")
    return Settings(
        frameworks=arguments.framework or frameworks,
        database=arguments.database,
        auth=arguments.auth,
        base=arguments.base,
        seconds=arguments.seconds,
        rounds=arguments.rounds,
        connections=arguments.connections,
        threads=arguments.threads,
        workers=arguments.workers,
        warmup=arguments.warmup,
        postgres_log=arguments.postgres_log,
    )


def main(argv: list[str] | None = None) -> None:
    settings = parse_arguments(argv)
    wrk.executable()
    tables = []
    for framework in settings.frameworks:
        with tempfile.TemporaryDirectory(prefix=f"groundwork-bench-{framework}-") as scratch:
            try:
                tables.append(bench_framework(framework, settings, Path(scratch)))
            except (CaptureError, RuntimeError) as error:
                raise SystemExit(f"bench_service: {framework}: {error}") from error
        print(tables[-1] + "\n", flush=True)
    if len(tables) > 1:
        print("\n\n".join(tables))


if __name__ == "__main__":
    main()
