"""Database engine, ORM models, queries, migrations and seed data."""
