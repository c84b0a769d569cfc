"""Repositories and the unit of work over the Django ORM, implementing `business.ports`."""
