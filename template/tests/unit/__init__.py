"""Business rules and security primitives, with in-memory fakes and no I/O."""
