"""`events parked` and `events replay`: the dead events, seen and sent again
(the command's options are in core/cli.py)."""

import asyncio
import sys
from uuid import UUID

from ..core.cli import PARKED_LIMIT
from ..core.container import build_container
from ..core.logging import configure_logging
from ..core.settings import get_settings


def events(action: str, event_ids: list[UUID] | None = None, every: bool = False) -> None:
    """The `events` command."""
    settings = get_settings()
    configure_logging(settings.log_level)
    if action == "parked":
        asyncio.run(_print_parked())
        return
    if bool(event_ids) == every:
        sys.exit("events replay: name the events to replay, or pass --all")
    replayed = asyncio.run(_replay(event_ids or [], every=every))
    sys.stdout.write(f"{replayed} event(s) pending again\n")


async def _print_parked() -> None:
    container = build_container(get_settings())
    try:
        async with container.unit_of_work(read_only=True) as uow:
            parked = await uow.outbox.parked(PARKED_LIMIT)
    finally:
        await container.close()
    for entry in parked:
        event = entry.event
        sys.stdout.write(
            f"{event.id}  {event.name}  subject {event.subject_id}  "
            f"parked {entry.parked_at.isoformat()}\n    {entry.error}\n"
        )


async def _replay(event_ids: list[UUID], *, every: bool) -> int:
    container = build_container(get_settings())
    try:
        async with container.unit_of_work() as uow:
            if every:
                event_ids = [entry.event.id for entry in await uow.outbox.parked(PARKED_LIMIT)]
            replayed = await uow.outbox.replay(event_ids)
            await uow.commit()
    finally:
        await container.close()
    return replayed
