"""The service's connection pool, sized by its settings (connections.py tells how it works)."""

from django.db import InterfaceError, OperationalError

from ..core.settings import Settings
from .connections import ConnectionPool
from .errors import DatabaseUnavailableError

# What Django raises when the database does not answer: a refused or dropped
# connection, a server shutting down, a connect timeout.
UNREACHABLE = (OperationalError, InterfaceError)


class DatabasePool(ConnectionPool):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            settings.database_url,
            size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            timeout_seconds=settings.database_pool_timeout_seconds,
        )


def unavailability(error: BaseException | None) -> DatabaseUnavailableError | None:
    """The error to answer a request with when the database could not serve it."""
    if isinstance(error, UNREACHABLE):
        return DatabaseUnavailableError(str(error))
    return None
