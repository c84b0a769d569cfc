"""The data layer's commands, for the service's command line."""

from ..core.commands import Command
from ..core.logging import configure_logging
from ..core.settings import get_settings
from . import migrator


def migrate() -> None:
    configure_logging(get_settings().log_level)
    migrator.upgrade()


def createsuperuser() -> None:
    configure_logging(get_settings().log_level)
    migrator.create_superuser()


DATABASE_COMMANDS = {
    "migrate": Command(migrate, "apply database migrations up to the newest"),
    "makemigrations": Command(migrator.makemigrations, "write a migration for changed models"),
    "createsuperuser": Command(createsuperuser, "create an account for the admin (ADMIN_ENABLED)"),
}
