"""The seed command, for the service's command line (core/cli.py)."""

import asyncio

from ...core.container import build_container
from ...core.logging import configure_logging
from ...core.settings import get_settings
from .first_admin import seed_first_admin


def seed() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)

    async def run() -> None:
        container = build_container(settings)
        try:
            await seed_first_admin(settings, container.accounts)
        finally:
            await container.close()

    asyncio.run(run())
