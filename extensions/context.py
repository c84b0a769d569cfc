"""Stack facts derived from the answers, computed once for every template.

Templates ask `{% if uses_auth %}` or use `{{ database_url }}` instead of
re-deriving them from raw answers in many places.
"""

from __future__ import annotations

from typing import Any

from copier_template_extensions import ContextHook

SQLITE_URL = "sqlite+aiosqlite:///./var/app.db"
CI_FILES = {"github": ".github/workflows/ci.yml", "gitlab": ".gitlab-ci.yml"}
CI_LABELS = {"github": "GitHub Actions", "gitlab": "GitLab CI"}
FRAMEWORK_LABELS = {"fastapi": "FastAPI", "litestar": "Litestar"}
SERVER_DATABASES = ("postgresql", "mysql")
DATABASE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB"}
# The async SQLAlchemy driver of each database (a dependency of the service).
DATABASE_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg", "mysql": "aiomysql"}
DATABASE_PORTS = {"postgresql": "5432", "mysql": "3306"}
DATABASE_URL_SHAPES = {
    "postgresql": "postgresql+asyncpg://<user>:<password>@<host>:5432/<database>",
    "mysql": "mysql+aiomysql://<user>:<password>@<host>:3306/<database>",
}
# How `migrate` keeps concurrent runs apart, as the docs describe it.
MIGRATION_LOCKS = {
    "postgresql": "a PostgreSQL advisory lock",
    "mysql": "a named lock (`GET_LOCK`)",
}
TEST_SERVER_URLS = {
    "postgresql": "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
    "mysql": "mysql+aiomysql://root@127.0.0.1:3306/mysql",
}


class StackFacts(ContextHook):
    def hook(self, context: dict[str, Any]) -> None:
        database = context.get("database")
        slug = context.get("project_slug", "")
        context["uses_fastapi"] = context.get("framework") == "fastapi"
        context["uses_litestar"] = context.get("framework") == "litestar"
        context["framework_label"] = FRAMEWORK_LABELS.get(str(context.get("framework")), "")
        context["uses_auth"] = context.get("auth") == "jwt"
        context["uses_sqlite"] = database == "sqlite"
        context["uses_postgresql"] = database == "postgresql"
        context["uses_github_ci"] = context.get("ci") == "github"
        context["uses_gitlab_ci"] = context.get("ci") == "gitlab"
        # Empty without CI: templates test `{% if ci_file %}`.
        context["ci_file"] = CI_FILES.get(str(context.get("ci")), "")
        context["ci_label"] = CI_LABELS.get(str(context.get("ci")), "")
        context["uses_mysql"] = database == "mysql"
        # PostgreSQL and MySQL/MariaDB: a server the service reaches over the
        # network, shared by every replica, with credentials in a Secret.
        context["uses_database_server"] = database in SERVER_DATABASES
        context["database_label"] = DATABASE_LABELS.get(str(database), "")
        context["database_driver"] = DATABASE_DRIVERS.get(str(database), "")
        name = slug.replace("-", "_")
        context["database_url"] = {
            "sqlite": SQLITE_URL,
            "postgresql": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}",
            "mysql": f"mysql+aiomysql://root@127.0.0.1:3306/{name}",
        }.get(str(database), "")
        context["database_port"] = DATABASE_PORTS.get(str(database), "")
        # What a deployment's DATABASE_URL looks like, placeholders and all.
        context["database_url_shape"] = DATABASE_URL_SHAPES.get(str(database), "")
        context["migration_lock"] = MIGRATION_LOCKS.get(str(database), "")
        # The server the generated tests create their throwaway databases on.
        context["test_server_url"] = TEST_SERVER_URLS.get(str(database), "")
        context["uses_kustomize"] = context.get("kubernetes") == "kustomize"
        context["uses_helm"] = context.get("kubernetes") == "helm"
        context["uses_kubernetes"] = context["uses_kustomize"] or context["uses_helm"]
        observability = context.get("observability") or []
        context["uses_metrics"] = "metrics" in observability
        context["uses_tracing"] = "tracing" in observability
        context["uses_sentry"] = "sentry" in observability
        # Deployment files that CI validates offline: manifests and alert rules.
        context["validates_deployment"] = context["uses_kubernetes"] or context["uses_metrics"]
        # PEP 695 generics (`class Page[T]`) exist from Python 3.12 on.
        context["has_type_parameter_syntax"] = context.get("python_version") != "3.11"
        context["python_version_nodot"] = str(context.get("python_version", "")).replace(".", "")
