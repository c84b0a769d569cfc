"""The service's connection pool: the async engine and its sessions, and what
readiness and metrics ask of them."""

from sqlalchemy import exc, text
from sqlalchemy.pool import QueuePool

from ..core.settings import Settings
from .engine import create_engine, create_reading_session_factory, create_session_factory
from .errors import DatabaseBusyError, DatabaseUnavailableError

# What SQLAlchemy and the drivers raise when the database does not answer: a
# refused or dropped connection, a server shutting down, a connect timeout.
UNREACHABLE = (exc.OperationalError, exc.InterfaceError, OSError)


def unavailability(error: BaseException | None) -> DatabaseUnavailableError | None:
    """The error to answer a request with when the database could not serve it."""
    if isinstance(error, exc.TimeoutError):
        return DatabaseBusyError(str(error))
    if isinstance(error, UNREACHABLE):
        return DatabaseUnavailableError(str(error))
    return None


class DatabasePool:
    def __init__(self, settings: Settings) -> None:
        self.engine = create_engine(settings)
        self.sessions = create_session_factory(self.engine)
        self.reading_sessions = create_reading_session_factory(self.engine)

    async def ping(self) -> None:
        """Return once the database answered a trivial query."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    @property
    def size(self) -> int:
        """Connections the pool keeps open."""
        return self._queue_pool.size() if self._queue_pool else 0

    @property
    def checked_out(self) -> int:
        """Connections in use."""
        return self._queue_pool.checkedout() if self._queue_pool else 0

    @property
    def overflow(self) -> int:
        """Connections open beyond the pool size."""
        # SQLAlchemy counts up from -pool_size; only connections beyond the pool are overflow.
        return max(self._queue_pool.overflow(), 0) if self._queue_pool else 0

    async def close(self) -> None:
        """Close every pooled connection; the pool opens new ones if used again."""
        await self.engine.dispose()

    @property
    def _queue_pool(self) -> QueuePool | None:
        # The engine replaces its pool when disposed: ask for the current one.
        pool = self.engine.pool
        return pool if isinstance(pool, QueuePool) else None
