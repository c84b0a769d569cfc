"""The service's tests: unit, integration, end-to-end; benchmarks under performance/."""
