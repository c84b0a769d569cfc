"""Repositories, migrations, seeds and the command line against the real database."""
