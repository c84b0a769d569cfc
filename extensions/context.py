"""Stack facts derived from the answers, computed once for every template.

Templates ask `{% if uses_auth %}` or use `{{ database_url }}` instead of
re-deriving them from raw answers in many places. What a framework or a data
layer brings to files that are not code (dependencies, tool settings, labels)
is a named fact here, so those files never test the framework themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from copier_template_extensions import ContextHook

CI_FILES = {"github": ".github/workflows/ci.yml", "gitlab": ".gitlab-ci.yml"}
CI_LABELS = {"github": "GitHub Actions", "gitlab": "GitLab CI"}
# The image the service is built on and runs on, per Python version: an exact
# release, so that two builds a month apart start from the same Python.
PYTHON_IMAGES = {
    "3.11": "python:3.11.18-slim-trixie",
    "3.12": "python:3.12.16-slim-trixie",
    "3.13": "python:3.13.18-slim-trixie",
}
# The images of the servers that keep the service's data, in compose.yaml and CI.
DATA_SERVER_IMAGES = {"postgresql": "postgres", "mysql": "mariadb"}


@dataclass(frozen=True)
class Broker:
    """What a queue's broker brings: its client, its server, and how the service reaches it."""

    label: str
    # Taskiq's broker for it, and the client readiness asks.
    requirements: tuple[str, ...]
    port: str
    # BROKER_URL in local development (the tests' default), and in compose.yaml.
    local_url: str
    compose_url: str
    # What a deployment's BROKER_URL looks like, placeholders and all.
    url_shape: str
    # The server's image in compose.yaml and CI, and its tag.
    image: str
    image_tag: str
    # Where a message that a dead worker took goes, as the docs say it.
    redelivery: str


BROKERS = {
    "redis": Broker(
        "Redis",
        ("taskiq-redis>=1.2",),
        "6379",
        "redis://127.0.0.1:6379/1",
        "redis://redis:6379/1",
        "redis://:<password>@<host>:6379/1",
        "redis",
        "8.2",
        "to another worker once it has waited EVENT_REDELIVERY_SECONDS unacknowledged",
    ),
    "rabbitmq": Broker(
        "RabbitMQ",
        ("aio-pika>=9.5", "taskiq-aio-pika>=0.6"),
        "5672",
        # No user in the URL: RabbitMQ's guest (password guest), which a fresh
        # server lets in from loopback, and the image from other containers.
        "amqp://127.0.0.1:5672/",
        "amqp://rabbitmq:5672/",
        "amqp://<user>:<password>@<host>:5672/<vhost>",
        "rabbitmq",
        "4.1",
        "back to the queue as soon as the broker sees the worker's connection close",
    ),
    "nats": Broker(
        "NATS JetStream",
        ("nats-py>=2.10", "taskiq-nats>=0.7"),
        "4222",
        "nats://127.0.0.1:4222",
        "nats://nats:4222",
        "nats://<user>:<password>@<host>:4222",
        "nats",
        "2.11",
        "to another worker once it has waited EVENT_REDELIVERY_SECONDS unacknowledged",
    ),
}
NO_BROKER = Broker("", (), "", "", "", "", "", "", "")


@dataclass(frozen=True)
class Framework:
    """What the documents say of a web framework."""

    label: str
    # What turns a bearer token into the caller, in api/dependencies.py.
    bearer_check: str
    # Where the interactive docs' scripts and styles come from, and their URLs.
    docs_assets: str = "the `openapi-ui-bundles` package"
    docs_assets_path: str = "/docs/assets/"
    # More on api/routes and the controllers, a sentence on a line of its own.
    routing: str = ""
    # Packages whose major releases the dependency bot leaves to the template.
    held_packages: tuple[str, ...] = ()


FRAMEWORKS = {
    "fastapi": Framework("FastAPI", "A dependency"),
    "litestar": Framework("Litestar", "The controller's guard"),
    "django": Framework(
        "Django",
        "`HTTPBearer`",
        docs_assets="django-ninja's static files",
        docs_assets_path="/static/ninja/",
        routing="\n  `routes/` is Django's URLconf, and the controllers are django-ninja routers.",
        held_packages=("django", "django-stubs", "django-stubs-ext"),
    ),
}


@dataclass(frozen=True)
class DataLayer:
    """What the documents say of a data layer."""

    label: str
    # How the repositories reach the database.
    access: str
    # What database/ holds besides models, queries and migrations.
    database_package: str
    # How a test proves that the migrations match the models.
    drift_check: str


DATA_LAYERS = {
    "sqlalchemy": DataLayer(
        "SQLAlchemy",
        access="SQLAlchemy's async engine; a unit of work is one session and one transaction",
        database_package="the pooled engine (`pool.py`)",
        drift_check="Alembic's autogenerate finds no difference",
    ),
    "django": DataLayer(
        "the Django ORM",
        access=(
            "the Django ORM, which is synchronous, so it runs on worker threads\n"
            "  (`database/connections.py`), each with its own connection; a unit of work\n"
            "  borrows one worker for its whole life, so its statements share that\n"
            "  connection and one transaction"
        ),
        database_package=(
            "the worker threads that run the ORM with their connection pool\n"
            "  (`connections.py`, `pool.py`); it is a Django app, and `router.py` points\n"
            "  Django's own apps (the admin's accounts and sessions) at the service's\n"
            "  database"
        ),
        drift_check="`makemigrations --check` would write nothing",
    ),
}


@dataclass(frozen=True)
class Requirement:
    """A dependency in pyproject.toml, with the reason to give beside it, if any."""

    spec: str
    why: str = ""

    @property
    def name(self) -> str:
        """The distribution's name, which pyproject.toml sorts by."""
        return re.split(r"[\[<>=!~; ]", self.spec, maxsplit=1)[0].lower()


@dataclass(frozen=True)
class Database:
    label: str
    # The async SQLAlchemy driver (a dependency of the service) and its URL scheme.
    driver: str
    scheme: str
    driver_requirement: str
    # Django's driver for the same database, if it is a separate dependency;
    # Django's URLs name the database alone ("postgresql://...").
    django_driver: str = ""
    django_driver_requirement: str = ""
    # A server's port, the user of local development, and a database that
    # always exists there (the tests create their own from it).
    port: str = ""
    local_user: str = ""
    maintenance_database: str = ""
    # How `migrate` keeps concurrent runs apart, as the docs describe it.
    migration_lock: str = ""

    def url_scheme(self, orm: str) -> str:
        return self.scheme.split("+")[0] if orm == "django" else self.scheme

    def server_url(self, database: str, orm: str) -> str:
        return f"{self.url_scheme(orm)}://{self.local_user}@127.0.0.1:{self.port}/{database}"


DATABASES = {
    "sqlite": Database("SQLite", "aiosqlite", "sqlite+aiosqlite", "aiosqlite>=0.21"),
    "postgresql": Database(
        "PostgreSQL",
        "asyncpg",
        "postgresql+asyncpg",
        "asyncpg>=0.30",
        django_driver="psycopg",
        django_driver_requirement="psycopg[binary]>=3.2",
        port="5432",
        local_user="postgres",
        maintenance_database="postgres",
        migration_lock="a PostgreSQL advisory lock",
    ),
    "mysql": Database(
        "MySQL/MariaDB",
        "aiomysql",
        "mysql+aiomysql",
        "aiomysql>=0.3.2",
        django_driver="mysqlclient",
        django_driver_requirement="mysqlclient>=2.2.1",
        port="3306",
        local_user="root",
        maintenance_database="mysql",
        migration_lock="a named lock (`GET_LOCK`)",
    ),
}


# What each web framework needs at run time, and to be type-checked.
DOCS_ASSETS = Requirement(
    "openapi-ui-bundles>=0.3",
    "Swagger UI's and ReDoc's scripts and styles, served by the service.",
)
FRAMEWORK_REQUIREMENTS = {
    "fastapi": [Requirement("fastapi>=0.138"), DOCS_ASSETS],
    "litestar": [Requirement("litestar>=2.25"), DOCS_ASSETS],
    "django": [
        Requirement("django>=5.2.8,<6", "The long-term support release."),
        Requirement("django-ninja>=1.6"),
        Requirement("django-stubs-ext>=5.2.8"),
    ],
}
FRAMEWORK_DEV_REQUIREMENTS = {"django": [Requirement("django-stubs>=5.2.8,<5.3")]}
SQLALCHEMY_REQUIREMENTS = [Requirement("alembic>=1.16"), Requirement("sqlalchemy[asyncio]>=2.1")]
DEV_REQUIREMENTS = [
    Requirement(spec)
    for spec in (
        "bandit>=1.8",
        "detect-secrets>=1.5",
        "httpx>=0.28",
        "mypy>=1.17",
        "pre-commit>=4.4",
        "pytest>=8.4",
        "pytest-asyncio>=1.1",
        "pytest-cov>=6.2",
        "ruff>=0.12",
        "schemathesis>=4.3",
    )
]


def runtime_requirements(context: dict[str, Any], database: Database) -> list[Requirement]:
    """The service's dependencies for these answers, sorted as pyproject.toml lists them."""
    requirements = [
        Requirement("pydantic[email]>=2.11" if context["uses_auth"] else "pydantic>=2.11"),
        Requirement("pydantic-settings>=2.10"),
        Requirement("starlette>=0.47", "The CORS middleware around every framework's app."),
        Requirement("uvicorn[standard]>=0.35"),
        *FRAMEWORK_REQUIREMENTS.get(str(context.get("framework")), []),
    ]
    if context["uses_sqlalchemy"]:
        requirements += [*SQLALCHEMY_REQUIREMENTS, Requirement(database.driver_requirement)]
    elif database.django_driver_requirement:
        requirements.append(Requirement(database.django_driver_requirement))
    if context["uses_auth"]:
        requirements += [Requirement("argon2-cffi>=25.1"), Requirement("pyjwt>=2.10")]
    if context["uses_redis"]:
        requirements.append(Requirement("redis>=7.0"))
    requirements += [Requirement(spec) for spec in context["broker_facts"].requirements]
    if context["uses_tracing"]:
        requirements += [
            Requirement(f"opentelemetry-{name}")
            for name in (
                "api>=1.45",
                "exporter-otlp-proto-http>=1.45",
                "instrumentation-asgi>=0.66b1",
                "sdk>=1.45",
            )
        ]
        if context["uses_sqlalchemy"]:
            requirements.append(Requirement("opentelemetry-instrumentation-sqlalchemy>=0.66b1"))
        if context["uses_queue"]:
            # The worker keeps its relay's polls out of the traces with its
            # suppress_instrumentation().
            requirements.append(Requirement("opentelemetry-instrumentation>=0.66b1"))
    if context["uses_metrics"]:
        requirements.append(Requirement("prometheus-client>=0.26"))
    if context["uses_sentry"]:
        requirements.append(
            Requirement(
                "sentry-sdk>=2.75,<3",
                "3.0 changed the options init() takes; core/error_reporting.py is for 2.x.",
            )
        )
    return sorted(requirements, key=lambda requirement: requirement.name)


# The answers the stack facts derive from, and the only ones they read.
FACT_INPUTS = (
    "project_slug",
    "package_name",
    "python_version",
    "framework",
    "database",
    "auth",
    "cache",
    "queue",
    "broker",
    "ci",
    "kubernetes",
    "observability",
)
# Copier calls the hook for every file it renders, thousands of times per copy:
# the facts are worked out once per set of answers.
_facts_by_answers: dict[str, dict[str, Any]] = {}


class StackFacts(ContextHook):
    def hook(self, context: dict[str, Any]) -> None:
        answers = {name: context[name] for name in FACT_INPUTS if name in context}
        key = repr(sorted(answers.items()))
        if (facts := _facts_by_answers.get(key)) is None:
            facts = _facts_by_answers[key] = stack_facts(answers)
        context.update(facts)


def stack_facts(answers: dict[str, Any]) -> dict[str, Any]:
    """What the templates test and print, derived from the answers."""
    context = dict(answers)
    database = context.get("database")
    slug = context.get("project_slug", "")
    # Alert names start with the service in CamelCase: inventory-service -> InventoryService.
    context["alert_prefix"] = "".join(part.capitalize() for part in slug.split("-"))
    context["uses_fastapi"] = context.get("framework") == "fastapi"
    context["uses_litestar"] = context.get("framework") == "litestar"
    context["uses_django"] = context.get("framework") == "django"
    # FastAPI and Litestar share one async SQLAlchemy data layer; Django has its ORM.
    context["uses_sqlalchemy"] = not context["uses_django"]
    orm = "django" if context["uses_django"] else "sqlalchemy"
    framework = FRAMEWORKS.get(str(context.get("framework")), Framework("", ""))
    context["framework_label"] = framework.label
    context["web"] = framework
    # mysqlclient, Django's MySQL driver, compiles against the C client library.
    context["builds_mysqlclient"] = context["uses_django"] and database == "mysql"
    context["uses_auth"] = context.get("auth") == "jwt"
    context["uses_cache"] = context.get("cache") == "redis"
    # Item events go through a transactional outbox to a worker.
    context["uses_queue"] = context.get("queue", "none") != "none"
    context["uses_taskiq"] = context.get("queue") == "taskiq"
    # The broker's answer stands only with a queue (it is asked only then).
    broker = str(context.get("broker")) if context["uses_queue"] else ""
    context["uses_redis_broker"] = broker == "redis"
    context["uses_rabbitmq"] = broker == "rabbitmq"
    context["uses_nats"] = broker == "nats"
    context["broker_facts"] = BROKERS.get(broker, NO_BROKER)
    context["broker_label"] = context["broker_facts"].label
    context["broker_port"] = context["broker_facts"].port
    # Redis serves the cache, the broker, or both.
    context["uses_redis"] = context["uses_cache"] or context["uses_redis_broker"]
    context["uses_sqlite"] = database == "sqlite"
    context["uses_postgresql"] = database == "postgresql"
    context["uses_mysql"] = database == "mysql"
    context["uses_github_ci"] = context.get("ci") == "github"
    context["uses_gitlab_ci"] = context.get("ci") == "gitlab"
    # Empty without CI: templates test `{% if ci_file %}`.
    context["ci_file"] = CI_FILES.get(str(context.get("ci")), "")
    context["ci_label"] = CI_LABELS.get(str(context.get("ci")), "")
    context["python_image"] = PYTHON_IMAGES.get(str(context.get("python_version")), "")
    facts = DATABASES.get(str(database), Database("", "", "", ""))
    # PostgreSQL and MySQL/MariaDB: a server the service reaches over the
    # network, shared by every replica, with credentials in a Secret.
    context["uses_database_server"] = bool(facts.port)
    # Servers the service reaches over the network, which tests can cut off.
    context["has_network_dependencies"] = (
        context["uses_database_server"] or context["uses_redis"] or context["uses_queue"]
    )
    context["database_label"] = facts.label
    context["database_driver"] = facts.django_driver if orm == "django" else facts.driver
    context["database_port"] = facts.port
    context["database_scheme"] = facts.url_scheme(orm)
    # SQLAlchemy's URLs name the async driver ("postgresql+asyncpg://"); Django's do not.
    context["scheme_names_driver"] = "+" in facts.url_scheme(orm)
    context["migration_lock"] = facts.migration_lock
    context["database_url"] = (
        facts.server_url(slug.replace("-", "_"), orm)
        if facts.port
        else f"{facts.url_scheme(orm)}:///./var/app.db"
    )
    # What a deployment's DATABASE_URL looks like, placeholders and all.
    context["database_url_shape"] = (
        f"{facts.url_scheme(orm)}://<user>:<password>@<host>:{facts.port}/<database>"
    )
    # The server the generated tests create their throwaway databases on.
    context["test_server_url"] = facts.server_url(facts.maintenance_database, orm)
    context["uses_kustomize"] = context.get("kubernetes") == "kustomize"
    context["uses_helm"] = context.get("kubernetes") == "helm"
    context["uses_kubernetes"] = context["uses_kustomize"] or context["uses_helm"]
    observability = context.get("observability") or []
    context["uses_metrics"] = "metrics" in observability
    context["uses_tracing"] = "tracing" in observability
    context["uses_sentry"] = "sentry" in observability
    # The worker counts the events it relays and handles, and serves them on
    # its health port; Prometheus scrapes it as a job of its own.
    context["uses_worker_metrics"] = context["uses_queue"] and context["uses_metrics"]
    context["worker_job"] = f"{slug}-worker"
    # The trace of a request goes on through the outbox and the broker to the
    # worker that handles its events.
    context["uses_event_tracing"] = context["uses_queue"] and context["uses_tracing"]
    # A major release of a data server is a data migration, not a dependency
    # update: Renovate leaves those to the owners.
    context["data_server_images"] = [
        *([DATA_SERVER_IMAGES[str(database)]] if database in DATA_SERVER_IMAGES else []),
        *(["redis"] if context["uses_redis"] else []),
        *(
            [context["broker_facts"].image]
            if context["uses_queue"] and not context["uses_redis_broker"]
            else []
        ),
    ]
    context["uses_telemetry"] = bool(set(observability) & {"metrics", "tracing", "sentry"})
    # Deployment files that CI validates offline: manifests and alert rules.
    context["validates_deployment"] = context["uses_kubernetes"] or context["uses_metrics"]
    # PEP 695 generics (`class Page[T]`) exist from Python 3.12 on.
    context["has_type_parameter_syntax"] = context.get("python_version") != "3.11"
    context["python_version_nodot"] = str(context.get("python_version", "")).replace(".", "")
    # pyproject.toml: dependencies, and what the tools need for this framework.
    context["runtime_requirements"] = runtime_requirements(context, facts)
    # Modules the service imports that ship no type information.
    context["untyped_modules"] = (
        ["openapi_ui_bundles"] if DOCS_ASSETS in context["runtime_requirements"] else []
    )
    framework_dev = FRAMEWORK_DEV_REQUIREMENTS.get(str(context.get("framework")), [])
    context["dev_requirements"] = sorted(
        [*DEV_REQUIREMENTS, *framework_dev], key=lambda requirement: requirement.name
    )
    context["mypy_plugins"] = ["pydantic.mypy"] + (
        ["mypy_django_plugin.main"] if context["uses_django"] else []
    )
    context["django_settings_module"] = (
        f"{context.get('package_name')}.core.django_settings" if context["uses_django"] else ""
    )
    # SQLAlchemy's async engine runs statements on greenlets.
    context["coverage_concurrency"] = ["thread"] + (
        ["greenlet"] if context["uses_sqlalchemy"] else []
    )
    # ruff's per-file ignores beyond the tests': (comment, [(path, codes)]).
    package_path = f"src/{context.get('package_name')}"
    context["ruff_file_ignores"] = (
        (
            "Django declares Meta options and migrations as mutable class attributes, and\n"
            "# makemigrations writes long lines.",
            [
                (f"{package_path}/database/**", ["RUF012"]),
                (f"{package_path}/database/migrations/**", ["E501", "RUF012"]),
            ],
        )
        if context["uses_django"]
        else ("", [])
    )
    # Django's admin at /admin/: its settings, docs and manifests.
    context["serves_admin"] = context["uses_django"]
    # SECRET_KEY signs the tokens, and the admin's sessions.
    context["needs_secret_key"] = context["uses_auth"] or context["serves_admin"]
    # With DEBUG on, SQLAlchemy's engine logs every statement.
    context["debug_logs_sql"] = context["uses_sqlalchemy"]
    context["data_layer"] = DATA_LAYERS[orm]
    context["orm_label"] = DATA_LAYERS[orm].label
    context["migration_tool"] = "Django" if context["uses_django"] else "Alembic"
    # What an owner runs to write a migration for changed models.
    context["new_migration_commands"] = (
        [f"uv run {slug} makemigrations", "uv run ruff format"]
        if context["uses_django"]
        else ['uv run alembic revision --autogenerate -m "describe the change"']
    )
    return {name: value for name, value in context.items() if name not in answers}
