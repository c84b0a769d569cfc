"""The route template a request matched, such as /api/v1/items/{item_id}: once
Django has resolved the URL, its route-template middleware leaves it in the
scope (middleware/route_template.py)."""

from .middleware.asgi import Scope


def route_template(scope: Scope) -> str | None:
    """The template, or None for a request that matched no route."""
    template = scope.get("path_template")
    return template if isinstance(template, str) and template else None
