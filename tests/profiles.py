"""Answer profiles named by the tests and by noxfile.py (which cannot import
the test modules' dependencies): plain data, checked against copier.yml by
tests/test_matrix.py."""

from __future__ import annotations

# Every option on: a database server, authentication, the cache, the queue, CI,
# the Helm chart and all observability. Rendered once per framework.
EVERYTHING_ON: dict[str, str | list[str]] = {
    "database": "postgresql",
    "auth": "jwt",
    "cache": "redis",
    "queue": "taskiq",
    "ci": "github",
    "kubernetes": "helm",
    "observability": ["metrics", "tracing", "sentry"],
}
