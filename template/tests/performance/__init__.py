"""Load benchmarks, run by hand against a running service (never part of `pytest`)."""
