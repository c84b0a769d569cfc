"""The connection to Redis that the cache and readiness share."""

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff


class RedisConnection:
    """A pool of connections to one Redis, and the namespace of the service's keys."""

    def __init__(self, url: str, namespace: str, timeout_seconds: float) -> None:
        self.client: Redis = Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            # One quick retry mends a connection that Redis closed while idle;
            # more would only make a request wait for a cache that is down.
            retry=Retry(NoBackoff(), retries=1),
        )
        self.namespace = namespace

    def key(self, *parts: str) -> str:
        """`<namespace>:<part>:<part>`: services sharing a Redis never meet."""
        return ":".join((self.namespace, *parts))

    async def ping(self) -> None:
        await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()
