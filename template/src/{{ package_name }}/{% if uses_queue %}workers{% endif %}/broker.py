"""The broker: a Redis stream, through Taskiq.

The relay publishes each event as one message. A worker acknowledges a
message once every consumer handled the event or it was parked; a message
left unacknowledged (its worker died) goes to another worker after
EVENT_REDELIVERY_SECONDS.
"""

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from redis.asyncio import Redis
from taskiq import AckableMessage, Context, TaskiqDepends
from taskiq_redis import RedisStreamBroker

from ..core.settings import Settings
from ..services.business.entities import Event
from ..services.business.events import EventDelivery

# The one task: hand an event to its consumers.
DELIVER_EVENT = "events.deliver"
# How long a worker's read waits for a message before it looks for ones to redeliver.
READ_BLOCK_MILLISECONDS = 1000

Message = dict[str, Any]
# What Redis answers a read of a stream with: (message id, fields) pairs.
Entries = list[tuple[bytes, dict[bytes, bytes]]]


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


class RedeliveringStreamBroker(RedisStreamBroker):
    """Taskiq's Redis stream broker, with two differences.

    It looks for messages to redeliver whenever its read returns: its own looks
    only after a read that brought new ones, so an event left by a dead worker
    would wait for the next new event.

    It stops reading once `stopping` is set, at the end of the read under way,
    rather than by the reader's cancellation alone: the Redis client can take a
    read cancelled as its timeout expires for a timeout, and read again.
    """

    def __init__(self, *, stopping: asyncio.Event, **options: Any) -> None:
        super().__init__(**options)
        self._stopping = stopping

    async def listen(self) -> AsyncGenerator[AckableMessage]:
        async with Redis(connection_pool=self.connection_pool) as redis:
            while not self._stopping.is_set():
                fetched = await redis.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">"},
                    block=self.block,
                    count=self.count,
                )
                for _stream, messages in cast(list[tuple[bytes, Entries]], fetched or []):
                    for message_id, fields in messages:
                        yield self._ackable(message_id, fields)
                # Messages a worker took and never acknowledged, idle long enough.
                _, claimed, *_ = await redis.xautoclaim(
                    self.queue_name,
                    self.consumer_group_name,
                    self.consumer_name,
                    min_idle_time=self.idle_timeout,
                    count=self.unacknowledged_batch_size,
                )
                for message_id, fields in cast(Entries, claimed):
                    yield self._ackable(message_id, fields)

    def _ackable(self, message_id: bytes, fields: dict[bytes, bytes]) -> AckableMessage:
        ack = self._ack_generator(id=message_id.decode(), queue_name=self.queue_name)
        return AckableMessage(data=fields[b"data"], ack=ack)


class EventBroker:
    """Publishes events to the stream, and delivers what workers read from it."""

    def __init__(
        self, settings: Settings, delivery: EventDelivery, stopping: asyncio.Event
    ) -> None:
        self.taskiq = RedeliveringStreamBroker(
            stopping=stopping,
            url=settings.broker_url,
            queue_name=settings.broker_stream,
            consumer_group_name=f"{settings.broker_stream}:workers",
            maxlen=settings.broker_max_length,
            xread_block=READ_BLOCK_MILLISECONDS,
            idle_timeout=int(settings.event_redelivery_seconds * 1000),
            socket_connect_timeout=settings.broker_timeout_seconds,
            socket_timeout=settings.broker_timeout_seconds + READ_BLOCK_MILLISECONDS / 1000,
            timeout=settings.broker_timeout_seconds,
        )

        async def deliver(
            message: Message,
            context: Context = TaskiqDepends(),  # noqa: B008  # how Taskiq passes the context
        ) -> None:
            await delivery.deliver(message_event(message))
            # Only now: if the event could be neither handled nor parked (the
            # database is down), the broker gives it to a worker again later.
            await context.ack()

        self._deliver = self.taskiq.register_task(deliver, task_name=DELIVER_EVENT)

    async def publish(self, event: Event) -> None:
        await self._deliver.kiq(event_message(event))


class BrokerConnection:
    """What readiness asks: whether the broker answers."""

    def __init__(self, url: str, timeout_seconds: float) -> None:
        self.client: Redis = Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )

    async def ping(self) -> None:
        await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()
