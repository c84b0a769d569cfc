"""The HTTP layer: routes, thin controllers, schemas and middleware."""
