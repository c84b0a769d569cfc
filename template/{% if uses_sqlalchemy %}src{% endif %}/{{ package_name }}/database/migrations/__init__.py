"""Alembic migrations; `<service> migrate` applies them up to the newest."""
