"""What the service keeps in Redis: copies of items, and login attempts.

Redis only ever speeds things up: whenever it cannot answer, the database does.
"""
