"""Django middleware that hides the admin unless ADMIN_ENABLED is set."""

from collections.abc import Awaitable, Callable
from typing import cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponseBase

ADMIN_PREFIX = "/admin/"

GetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


class AdminGateMiddleware:
    """The admin's pages answer 404, as an unknown path does, while it is off."""

    async_capable = True
    sync_capable = False

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        state = cast(ASGIRequest, request).scope.get("state", {})
        if request.path.startswith(ADMIN_PREFIX) and not state.get("admin_enabled", False):
            raise Http404
        return await self.get_response(request)
