"""Where Django's own apps (the admin's accounts, sessions and log) keep their rows."""

from typing import Any, ClassVar

from django.db.models import Model


class ServiceDatabaseRouter:
    """The database of the app that turned the admin on.

    Django has one admin per process, so one app's database serves it. The
    service's repositories name their database themselves and pass by here.
    """

    alias: ClassVar[str | None] = None

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return self.alias

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return self.alias
