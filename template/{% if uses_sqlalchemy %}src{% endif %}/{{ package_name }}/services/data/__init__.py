"""Repositories and the unit of work over SQLAlchemy, implementing `business.ports`."""
