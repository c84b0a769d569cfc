"""The route template a request matched, such as /api/v1/items/{item_id}.

Routing leaves the matched FastAPI route in scope["route"] (other routes, like
/docs, leave only their endpoint), but a route of an included router keeps the
path it was declared with, without the routers' prefixes. The app's route
contexts know the full templates; they are read once per app, at its first
request.
"""

from weakref import WeakKeyDictionary

from fastapi.routing import iter_route_contexts
from starlette.applications import Starlette

from .middleware.asgi import Scope

_templates_of_app: WeakKeyDictionary[Starlette, dict[int, str]] = WeakKeyDictionary()


def route_template(scope: Scope) -> str | None:
    """The template, or None for a request that matched no route."""
    matched = scope.get("route") or scope.get("endpoint")
    app = scope.get("app")
    if matched is None or not isinstance(app, Starlette):
        return None
    if app not in _templates_of_app:
        _templates_of_app[app] = _read(app)
    # Some FastAPI versions put a context wrapping the route in the scope.
    template = _templates_of_app[app].get(id(getattr(matched, "original_route", matched)))
    if template is None:
        declared = getattr(matched, "path", None)
        template = declared if isinstance(declared, str) else None
    return template


def _read(app: Starlette) -> dict[int, str]:
    templates: dict[int, str] = {}
    for context in iter_route_contexts(app.routes):
        if context.path is None:
            continue
        # A FastAPI route is found by itself, any other route by its endpoint.
        for key in (context.original_route, context.endpoint):
            if key is not None:
                templates.setdefault(id(key), context.path)
    return templates
