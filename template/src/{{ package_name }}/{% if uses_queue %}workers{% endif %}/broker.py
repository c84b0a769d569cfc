"""The broker, through Taskiq: the relay publishes each event as one message, and
workers take the messages and hand each event to its consumers.

A worker acknowledges a message once every consumer handled the event or it was
parked: a message left unacknowledged (its worker died) goes to another worker
(transport.py says when). Which broker carries the messages is transport.py's
concern; this module is the same for every broker.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from typing import Any
from uuid import UUID

from taskiq import AsyncBroker, Context, TaskiqDepends

from ..core.settings import Settings
from ..services.business.entities import Event
from ..services.business.events import EventDelivery
from .transport import event_transport

# The one task: hand an event to its consumers.
DELIVER_EVENT = "events.deliver"

Message = dict[str, Any]


class BrokerUnavailableError(Exception):
    """The worker has no connection to the broker at the moment."""


def event_message(event: Event) -> Message:
    return {
        "id": str(event.id),
        "name": event.name,
        "subject_id": str(event.subject_id),
        "occurred_at": event.occurred_at.isoformat(),
        "data": dict(event.data),
    }


def message_event(message: Message) -> Event:
    return Event(
        id=UUID(message["id"]),
        name=message["name"],
        subject_id=UUID(message["subject_id"]),
        occurred_at=datetime.fromisoformat(message["occurred_at"]),
        data={str(key): str(value) for key, value in message["data"].items()},
    )


class EventBroker:
    """Publishes events to the broker, and delivers what workers take from it."""

    def __init__(
        self, settings: Settings, delivery: EventDelivery, stopping: asyncio.Event
    ) -> None:
        self._settings = settings
        self._delivery = delivery
        self._stopping = stopping
        # Sends a message through the connection of the moment, if there is one.
        self._send: Callable[[Message], Awaitable[object]] | None = None

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[AsyncBroker]:
        """A new connection to the broker for the block, for publishing and
        receiving; closed after it, whatever ended it. Each connection is new,
        so a failed one leaves nothing behind."""
        taskiq = event_transport(self._settings, self._stopping)
        taskiq.is_worker_process = True
        delivery = self._delivery

        async def deliver(
            message: Message,
            context: Context = TaskiqDepends(),  # noqa: B008  # how Taskiq passes the context
        ) -> None:
            await delivery.deliver(message_event(message))
            # Only now: if the event could be neither handled nor parked (the
            # database is down), the broker gives it to a worker again later.
            await context.ack()

        task = taskiq.register_task(deliver, task_name=DELIVER_EVENT)

        async def send(message: Message) -> None:
            await task.kiq(message)

        try:
            await taskiq.startup()
            self._send = send
            yield taskiq
        finally:
            self._send = None
            with suppress(Exception):
                await taskiq.shutdown()

    @property
    def is_connected(self) -> bool:
        return self._send is not None

    async def publish(self, event: Event) -> None:
        """Publish `event`, or raise: the relay then leaves it pending in the outbox."""
        if self._send is None:
            raise BrokerUnavailableError("not connected to the broker")
        async with asyncio.timeout(self._settings.broker_timeout_seconds):
            await self._send(event_message(event))
