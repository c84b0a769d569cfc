"""Plain ASGI middleware, independent of the web framework."""
