"""A sliding-window limit on attempts per key, kept in the database.

Every worker process and every replica counts the same rows, so the limit
holds for the whole service, not for each process on its own.
"""

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from uuid import uuid4

from ..business.entities import Attempt
from ..business.ports import UnitOfWorkFactory


class SlidingWindowRateLimiter:
    """Allows `limit` attempts per `window` for each key.

    An attempt is recorded first and counted after, so two processes that try
    at the same moment both see each other: at worst both are refused, never
    both let through past the limit. A refused attempt is taken back, so
    Retry-After tells the truth to a client that waits as told.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        limit: int,
        window: timedelta = timedelta(minutes=1),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._unit_of_work = unit_of_work
        self._limit = limit
        self._window = window
        self._clock = clock

    async def retry_after(self, key: str) -> int | None:
        """Record an attempt; return the seconds to wait if it is over the limit."""
        now = self._clock()
        since = now - self._window
        attempt = Attempt(id=uuid4(), key=sha256(key.encode()).hexdigest(), attempted_at=now)
        async with self._unit_of_work() as uow:
            await uow.attempts.add(attempt)
            await uow.commit()
        async with self._unit_of_work() as uow:
            times = await uow.attempts.times_since(attempt.key, since)
            if len(times) <= self._limit:
                # Within the limit: forget what no window will count again.
                await uow.attempts.delete_before(since)
                await uow.commit()
                return None
            await uow.attempts.delete(attempt.id)
            await uow.commit()
        # The next attempt is allowed once all but limit - 1 of the others expired.
        frees_a_place = times[len(times) - 1 - self._limit]
        return max(1, math.ceil((frees_a_place + self._window - now).total_seconds()))
