"""The service's connection pool, sized by its settings (connections.py tells how it works)."""

from ..core.settings import Settings
from .connections import ConnectionPool
from .connections import PoolTimeoutError as PoolTimeoutError


class DatabasePool(ConnectionPool):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            settings.database_url,
            size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            timeout_seconds=settings.database_pool_timeout_seconds,
        )
