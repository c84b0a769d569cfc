"""A sliding-window limit on attempts per key, kept in this process's memory."""

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable

SWEEP_EVERY_CALLS = 1024


class SlidingWindowRateLimiter:
    """Allows `limit` attempts per `window_seconds` for each key.

    State lives in one process: with several replicas each enforces its own
    window, so put a shared store (such as Redis) behind this interface there.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._attempts: defaultdict[str, deque[float]] = defaultdict(deque)
        self._calls = 0

    @property
    def tracked_keys(self) -> int:
        return len(self._attempts)

    def retry_after(self, key: str) -> int | None:
        """Record an attempt; return the seconds to wait if it is over the limit."""
        now = self._clock()
        self._forget_idle_keys(now)
        attempts = self._attempts[key]
        while attempts and attempts[0] <= now - self._window:
            attempts.popleft()
        if len(attempts) >= self._limit:
            return max(1, math.ceil(attempts[0] + self._window - now))
        attempts.append(now)
        return None

    def _forget_idle_keys(self, now: float) -> None:
        """Now and then drop keys with no recent attempt, so memory stays bounded."""
        self._calls += 1
        if self._calls % SWEEP_EVERY_CALLS:
            return
        idle = [key for key, times in self._attempts.items() if times[-1] <= now - self._window]
        for key in idle:
            del self._attempts[key]
