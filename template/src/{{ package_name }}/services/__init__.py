"""Business rules, data access, security and clients of other services."""
