"""The data layer's commands, for the service's command line (core/database_commands.py)."""

from ..core.logging import configure_logging
from ..core.settings import get_settings
from . import migrator


def migrate() -> None:
    configure_logging(get_settings().log_level)
    migrator.upgrade()
