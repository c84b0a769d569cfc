"""Django middleware that runs the admin's own middleware (sessions, CSRF,
sign-in, messages) for the admin's pages only.

The API uses no session and no cookie, so its requests skip them: each is sync
only and would cost an API request a hop to a thread on the way in and another
on the way out. An admin request passes through them in the order listed, as
if they stood in MIDDLEWARE.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string

from .page_gate import ADMIN_PREFIX

ADMIN_MIDDLEWARE = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)

GetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]
ProcessView = Callable[
    [HttpRequest, Callable[..., Any], tuple[Any, ...], dict[str, Any]], HttpResponseBase | None
]


def is_admin(path: str) -> bool:
    return path.startswith(ADMIN_PREFIX)


class AdminMiddleware:
    async_capable = True
    sync_capable = False

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)
        # Built innermost first, as Django builds MIDDLEWARE; each adapts to
        # the async handler inside it.
        handler: Any = get_response
        view_hooks: list[ProcessView] = []
        for path in reversed(ADMIN_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                view_hooks.insert(0, middleware.process_view)
            handler = middleware
        self.admin_handler: GetResponse = handler
        # CSRF checks a form once its view is known, as Django would call it.
        self.view_hooks = [sync_to_async(hook) for hook in view_hooks]

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_admin(request.path):
            return await self.admin_handler(request)
        return await self.get_response(request)

    async def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if not is_admin(request.path):
            return None
        for hook in self.view_hooks:
            response = await hook(request, view, args, kwargs)
            if response is not None:
                return response
        return None
