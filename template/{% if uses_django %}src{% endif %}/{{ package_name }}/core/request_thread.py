"""Django tidies up each request's thread as the request starts and ends: the
thread's database connections, caches and URLconf. Its receivers of those
signals are sync, so Django starts a thread for them on every request.

The API keeps nothing on the request's thread: its connections belong to the
pool (database/connections.py). Only the admin's views run there, so only the
admin's requests are tidied up, once they end (api/middleware/admin_middleware.py),
and other requests start no thread.
"""

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.cache import close_caches
from django.core.handlers.base import reset_urlconf
from django.db import close_old_connections, reset_queries


def tidy_up_admin_requests_only() -> None:
    signals.request_started.disconnect(reset_queries)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_caches)
    signals.request_finished.disconnect(reset_urlconf)


def _tidy_up() -> None:
    """What Django's receivers do for a request, on the request's thread."""
    reset_queries()
    close_old_connections()
    close_caches()
    reset_urlconf(sender=None)


# Thread-sensitive: on the thread where the request's sync views ran.
tidy_up_request_thread = sync_to_async(_tidy_up)
