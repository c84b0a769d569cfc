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


class StackFacts(ContextHook):
    def hook(self, context: dict[str, Any]) -> None:
        database = context.get("database")
        slug = context.get("project_slug", "")
        context["uses_auth"] = context.get("auth") == "jwt"
        context["uses_sqlite"] = database == "sqlite"
        context["uses_postgresql"] = database == "postgresql"
        context["uses_github_ci"] = context.get("ci") == "github"
        context["uses_gitlab_ci"] = context.get("ci") == "gitlab"
        # Empty without CI: templates test `{% if ci_file %}`.
        context["ci_file"] = CI_FILES.get(str(context.get("ci")), "")
        context["ci_label"] = CI_LABELS.get(str(context.get("ci")), "")
        context["database_label"] = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
            str(database), ""
        )
        context["database_url"] = (
            SQLITE_URL
            if database == "sqlite"
            else f"postgresql+asyncpg://postgres@127.0.0.1:5432/{slug.replace('-', '_')}"
        )
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
