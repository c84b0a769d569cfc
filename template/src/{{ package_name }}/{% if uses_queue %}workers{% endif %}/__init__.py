"""Background work: the worker process, its broker, and its commands."""
