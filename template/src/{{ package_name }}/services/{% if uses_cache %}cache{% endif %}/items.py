"""Items cached in Redis as JSON, for reads (cache-aside, see ItemService)."""

import json
import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, get_type_hints
from uuid import UUID

from redis.exceptions import RedisError

from ..business.entities import Item
from .connection import RedisConnection

logger = logging.getLogger(__name__)

_FIELD_TYPES = get_type_hints(Item)


class RedisItemCache:
    """An item under `<namespace>:item:<id>` for `ttl`.

    When Redis fails, a read is a miss and a copy is not kept: logged, and
    counted in `errors` (reads) and `failed_writes`. An item Redis could not
    forget is forgotten before anything else is asked of it, so the change it
    missed is not hidden once Redis is back.
    """

    def __init__(self, redis: RedisConnection, ttl: timedelta) -> None:
        self._redis = redis
        self._ttl_seconds = int(ttl.total_seconds())
        self._unforgotten: set[UUID] = set()
        self.hits = 0
        self.misses = 0
        self.errors = 0
        self.failed_writes = 0

    async def get(self, item_id: UUID) -> Item | None:
        try:
            await self._forget_the_unforgotten()
            cached = await self._redis.client.get(self._key(item_id))
        except RedisError as error:
            self.errors += 1
            logger.warning("cache read of item %s failed: %r", item_id, error)
            return None
        item = None if cached is None else _decode(cached)
        if item is None:
            self.misses += 1
        else:
            self.hits += 1
        return item

    async def put(self, item: Item) -> None:
        try:
            await self._forget_the_unforgotten()
            await self._redis.client.set(self._key(item.id), _encode(item), ex=self._ttl_seconds)
        except RedisError as error:
            self._failed_write("put", item.id, error)

    async def forget(self, item_id: UUID) -> None:
        self._unforgotten.add(item_id)
        try:
            await self._forget_the_unforgotten()
        except RedisError as error:
            self._failed_write("forget", item_id, error)

    async def _forget_the_unforgotten(self) -> None:
        if self._unforgotten:
            forgetting = set(self._unforgotten)
            await self._redis.client.delete(*(self._key(item_id) for item_id in forgetting))
            self._unforgotten -= forgetting

    def _key(self, item_id: UUID) -> str:
        return self._redis.key("item", str(item_id))

    def _failed_write(self, operation: str, item_id: UUID, error: RedisError) -> None:
        self.failed_writes += 1
        logger.warning("cache %s of item %s failed: %r", operation, item_id, error)


def _encode(item: Item) -> str:
    return json.dumps(asdict(item), default=str)


def _decode(cached: bytes | str) -> Item | None:
    """The item, or None when the copy does not fit Item (it changed since)."""
    try:
        values: dict[str, Any] = json.loads(cached)
        return Item(**{name: _parse(_FIELD_TYPES[name], value) for name, value in values.items()})
    except (KeyError, TypeError, ValueError):
        return None


def _parse(field_type: object, value: Any) -> Any:
    if field_type is UUID:
        return UUID(value)
    if field_type is datetime:
        return datetime.fromisoformat(value)
    return value
