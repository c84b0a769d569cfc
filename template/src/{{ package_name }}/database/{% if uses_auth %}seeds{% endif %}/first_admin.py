import logging

from ...core.settings import Settings
from ...services.business.accounts import AccountService

logger = logging.getLogger(__name__)


async def seed_first_admin(settings: Settings, accounts: AccountService) -> None:
    """Create the admin named by FIRST_ADMIN_EMAIL unless that account exists."""
    if settings.first_admin_email is None or settings.first_admin_password is None:
        logger.warning("FIRST_ADMIN_EMAIL or FIRST_ADMIN_PASSWORD is not set; no admin seeded")
        return
    created = await accounts.ensure_admin(
        settings.first_admin_email, settings.first_admin_password.get_secret_value()
    )
    logger.info(
        "first admin %s",
        "created" if created else "already present",
        extra={"email": settings.first_admin_email},
    )
