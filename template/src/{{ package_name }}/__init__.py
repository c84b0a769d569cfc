"""The service: settings, HTTP API, business logic and data access."""
