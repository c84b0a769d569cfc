"""Password hashing, tokens, roles and login throttling."""
