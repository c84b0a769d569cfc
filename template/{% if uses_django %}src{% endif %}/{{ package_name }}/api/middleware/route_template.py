"""Django middleware that leaves the matched route's template in the ASGI scope.

The ASGI middleware around Django labels a request by its route, such as
/api/v1/items/{item_id}, and only Django knows which one matched. It is stored
as scope["path_template"], where api/route_templates.py reads it.
"""

import re
from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponseBase

# Django writes a parameter as <name> or <converter:name>; OpenAPI as {name}.
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")

GetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


def openapi_template(django_route: str) -> str:
    return "/" + PARAMETER.sub(r"{\1}", django_route)


class RouteTemplateMiddleware:
    async_capable = True
    sync_capable = False

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return await self.get_response(request)

    async def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        match = request.resolver_match
        if match is None or not match.route:
            return
        template = openapi_template(match.route)
        scope = cast(dict[str, Any], cast(ASGIRequest, request).scope)
        scope["path_template"] = template
