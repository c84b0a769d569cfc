"""Idempotent initial data: safe to run on every deploy."""
