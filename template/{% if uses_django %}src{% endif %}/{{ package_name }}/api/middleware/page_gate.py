"""Django middleware that hides the pages that are off: the admin unless
ADMIN_ENABLED is set, the interactive API docs while DOCS_ENABLED is not."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponseBase

ADMIN_PREFIX = "/admin/"
DOCS_PATHS = frozenset({"/docs", "/redoc"})

GetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


def is_hidden(path: str, state: Mapping[str, Any]) -> bool:
    if path.startswith(ADMIN_PREFIX):
        return not state.get("admin_enabled", False)
    if path in DOCS_PATHS:
        return not state.get("docs_enabled", False)
    return False


class PageGateMiddleware:
    """A page that is off answers 404, as an unknown path does."""

    async_capable = True
    sync_capable = False

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_hidden(request.path, cast(ASGIRequest, request).scope.get("state", {})):
            raise Http404
        return await self.get_response(request)
