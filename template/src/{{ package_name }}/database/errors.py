"""What the data layer raises when the database cannot serve a request now.

The API answers both with a 503 and Retry-After: the same request may succeed
when retried, so neither is a server error to report.
"""


class DatabaseUnavailableError(Exception):
    """The database did not answer: down, restarting or out of reach."""

    detail = "The database is unavailable; retry shortly."


class DatabaseBusyError(DatabaseUnavailableError):
    """No pooled connection became free within DATABASE_POOL_TIMEOUT_SECONDS."""

    detail = "The service is busy; retry shortly."
