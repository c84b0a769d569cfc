"""Stack facts derived from the answers, computed once for every template.

Templates ask `{% if uses_auth %}` or use `{{ database_url }}` instead of
re-deriving them from raw answers in many places.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from copier_template_extensions import ContextHook

CI_FILES = {"github": ".github/workflows/ci.yml", "gitlab": ".gitlab-ci.yml"}
CI_LABELS = {"github": "GitHub Actions", "gitlab": "GitLab CI"}
FRAMEWORK_LABELS = {"fastapi": "FastAPI", "litestar": "Litestar", "django": "Django"}


@dataclass(frozen=True)
class Database:
    label: str
    # The async SQLAlchemy driver (a dependency of the service) and its URL scheme.
    driver: str
    scheme: str
    # Django's driver for the same database, if it is a separate dependency;
    # Django's URLs name the database alone ("postgresql://...").
    django_driver: str = ""
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
    "sqlite": Database("SQLite", "aiosqlite", "sqlite+aiosqlite"),
    "postgresql": Database(
        "PostgreSQL",
        "asyncpg",
        "postgresql+asyncpg",
        django_driver="psycopg",
        port="5432",
        local_user="postgres",
        maintenance_database="postgres",
        migration_lock="a PostgreSQL advisory lock",
    ),
    "mysql": Database(
        "MySQL/MariaDB",
        "aiomysql",
        "mysql+aiomysql",
        django_driver="mysqlclient",
        port="3306",
        local_user="root",
        maintenance_database="mysql",
        migration_lock="a named lock (`GET_LOCK`)",
    ),
}


class StackFacts(ContextHook):
    def hook(self, context: dict[str, Any]) -> None:
        database = context.get("database")
        slug = context.get("project_slug", "")
        context["uses_fastapi"] = context.get("framework") == "fastapi"
        context["uses_litestar"] = context.get("framework") == "litestar"
        context["uses_django"] = context.get("framework") == "django"
        # FastAPI and Litestar share one async SQLAlchemy data layer; Django has its ORM.
        context["uses_sqlalchemy"] = not context["uses_django"]
        orm = "django" if context["uses_django"] else "sqlalchemy"
        context["framework_label"] = FRAMEWORK_LABELS.get(str(context.get("framework")), "")
        # mysqlclient, Django's MySQL driver, compiles against the C client library.
        context["builds_mysqlclient"] = context["uses_django"] and database == "mysql"
        context["uses_auth"] = context.get("auth") == "jwt"
        context["uses_sqlite"] = database == "sqlite"
        context["uses_postgresql"] = database == "postgresql"
        context["uses_mysql"] = database == "mysql"
        context["uses_github_ci"] = context.get("ci") == "github"
        context["uses_gitlab_ci"] = context.get("ci") == "gitlab"
        # Empty without CI: templates test `{% if ci_file %}`.
        context["ci_file"] = CI_FILES.get(str(context.get("ci")), "")
        context["ci_label"] = CI_LABELS.get(str(context.get("ci")), "")
        facts = DATABASES.get(str(database), Database("", "", ""))
        # PostgreSQL and MySQL/MariaDB: a server the service reaches over the
        # network, shared by every replica, with credentials in a Secret.
        context["uses_database_server"] = bool(facts.port)
        context["database_label"] = facts.label
        context["database_driver"] = facts.django_driver if orm == "django" else facts.driver
        context["database_port"] = facts.port
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
        context["uses_telemetry"] = bool(set(observability) & {"metrics", "tracing", "sentry"})
        # Deployment files that CI validates offline: manifests and alert rules.
        context["validates_deployment"] = context["uses_kubernetes"] or context["uses_metrics"]
        # PEP 695 generics (`class Page[T]`) exist from Python 3.12 on.
        context["has_type_parameter_syntax"] = context.get("python_version") != "3.11"
        context["python_version_nodot"] = str(context.get("python_version", "")).replace(".", "")
