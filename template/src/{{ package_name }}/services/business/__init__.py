"""Domain logic in plain Python: no web framework, no ORM.

Services here depend only on the small protocols in `ports`, so the same
code runs behind every web framework and over any storage.
"""
