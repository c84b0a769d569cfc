"""Queries with more than one moving part, kept out of the repositories."""
