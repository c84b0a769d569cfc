"""The ceiling: the SQL that one request runs, sent by a bare client.

The same statements, in the same order, at the same concurrency, from the
same number of processes as the service's workers, for the same time: what
the database gives with no web stack around it (no routing, auth,
validation, serialisation, logs, metrics or spans). Drivers: asyncpg for
PostgreSQL, aiomysql for MariaDB, on uvloop, as the service runs.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit
from uuid import UUID

from .report import Load, percentile
from .sql import PING, PREPARED, Statement, with_new_ids

DRIVERS = {"postgresql": "asyncpg", "mysql": "aiomysql"}

# A PostgreSQL parameter logged as text, as the Python value asyncpg binds for its type.
PARAMETER_TYPES: dict[str, Callable[[str], Any]] = {
    "uuid": UUID,
    "int2": int,
    "int4": int,
    "int8": int,
    "oid": int,
    "float4": float,
    "float8": float,
    "numeric": Decimal,
    "bool": lambda text: text in {"t", "true", "on", "1", "yes"},
    "text": str,
    "varchar": str,
    "bpchar": str,
    "name": str,
    "json": str,
    "jsonb": str,
    "timestamptz": datetime.fromisoformat,
    "timestamp": datetime.fromisoformat,
    "date": date.fromisoformat,
}


@dataclass(frozen=True)
class Workload:
    # postgresql://user@host:port/database or mysql://...
    url: str
    # Run once on each connection when it opens, as the service's connections did.
    setup: tuple[Statement, ...]
    # One request's statements.
    request: tuple[Statement, ...]
    # The ids the request made up, which each replay makes anew (sql.made_up_ids).
    made_up: frozenset[str] = frozenset()

    @property
    def engine(self) -> str:
        return urlsplit(self.url).scheme.split("+")[0]

    @property
    def driver(self) -> str:
        return DRIVERS[self.engine]


@dataclass(frozen=True)
class Outcome:
    completed: int
    errors: int
    latencies_ms: list[float]
    first_error: str | None


def measure(
    workload: Workload, *, processes: int, connections: int, seconds: float, warmup: float
) -> Load:
    """Run the workload's request over `connections` connections spread over
    `processes` processes for `seconds` (after `warmup`), and measure it."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(processes)
    results: multiprocessing.Queue[Outcome | str] = context.Queue()
    shares = [connections // processes + (n < connections % processes) for n in range(processes)]
    workers = [
        context.Process(
            target=_process, args=(workload, share, seconds, warmup, ready, results), daemon=True
        )
        for share in shares
    ]
    for worker in workers:
        worker.start()
    outcomes: list[Outcome] = []
    try:
        for _ in workers:
            outcome = results.get(timeout=warmup + seconds + 120)
            if isinstance(outcome, str):
                raise RuntimeError(f"a ceiling process failed: {outcome}")
            outcomes.append(outcome)
    except queue.Empty:
        raise RuntimeError("a ceiling process did not report in time") from None
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    latencies = [latency for outcome in outcomes for latency in outcome.latencies_ms]
    errors = sum(outcome.errors for outcome in outcomes)
    if errors and not latencies:
        first = next(outcome.first_error for outcome in outcomes if outcome.first_error)
        raise RuntimeError(f"every request of the ceiling failed, the first with: {first}")
    return Load(
        requests_per_second=sum(outcome.completed for outcome in outcomes) / seconds,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        errors=errors,
    )


def _process(
    workload: Workload,
    connections: int,
    seconds: float,
    warmup: float,
    ready: Any,
    results: Any,
) -> None:
    try:
        import uvloop  # installed for the benchmark, not for the tests

        outcome = uvloop.run(_drive(workload, connections, seconds, warmup, ready))
    except BaseException as error:
        results.put(repr(error))
        raise
    results.put(outcome)


async def _drive(
    workload: Workload, connections: int, seconds: float, warmup: float, ready: Any
) -> Outcome:
    clients = [await _connect(workload) for _ in range(connections)]
    # Every process has its connections open: the load starts everywhere at once.
    await asyncio.to_thread(ready.wait)
    started = time.perf_counter() + warmup
    stop = started + seconds
    made = workload.made_up
    try:
        counts = await asyncio.gather(
            *(_loop(client, workload.request, made, started, stop) for client in clients)
        )
    finally:
        for client in clients:
            await client.close()
    latencies = [latency for _, _, client_latencies, _ in counts for latency in client_latencies]
    return Outcome(
        completed=sum(completed for completed, _, _, _ in counts),
        errors=sum(errors for _, errors, _, _ in counts),
        latencies_ms=latencies,
        first_error=next((error for *_, error in counts if error), None),
    )


async def _loop(
    client: Client,
    request: Sequence[Statement],
    made: frozenset[str],
    started: float,
    stop: float,
) -> tuple[int, int, list[float], str | None]:
    completed = errors = 0
    latencies: list[float] = []
    first_error: str | None = None
    while True:
        statements = with_new_ids(request, made)
        begun = time.perf_counter()
        if begun >= stop:
            break
        try:
            await client.run(statements)
        except Exception as error:  # counted, as wrk counts a failed request
            first_error = first_error or repr(error)
            errors += begun >= started
            await client.recover()
            continue
        finished = time.perf_counter()
        if started <= begun and finished <= stop:
            completed += 1
            latencies.append((finished - begun) * 1000)
    return completed, errors, latencies, first_error


class Client(Protocol):
    """A bare database connection that replays a request's statements."""

    async def run(self, statements: Sequence[Statement]) -> None: ...

    async def recover(self) -> None:
        """After a failed request: end the transaction it left open."""
        ...

    async def close(self) -> None: ...


async def _connect(workload: Workload) -> Client:
    parts = urlsplit(workload.url)
    if workload.engine == "postgresql":
        import asyncpg  # installed for the benchmark, not for the tests

        client: Client = PostgresClient(
            await asyncpg.connect(
                host=parts.hostname,
                port=parts.port or 5432,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or "") or None,
                database=unquote(parts.path.removeprefix("/")),
            )
        )
    else:
        import aiomysql  # installed for the benchmark, not for the tests

        client = MysqlClient(
            await aiomysql.connect(
                host=parts.hostname,
                port=parts.port or 3306,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                db=unquote(parts.path.removeprefix("/")),
                charset="utf8mb4",
                # The session as the service's own connection set it up (setup).
                autocommit=None,
            )
        )
    await client.run(workload.setup)
    return client


class PostgresClient:
    def __init__(self, connection: Any) -> None:
        self._connection = connection
        # Statements with parameters, prepared once per connection as the
        # service's driver keeps them, with what turns their logged values into Python.
        self._prepared: dict[str, tuple[Any, list[Callable[[str], Any]]]] = {}

    async def run(self, statements: Sequence[Statement]) -> None:
        for statement in statements:
            if statement.kind != PREPARED:
                await self._connection.execute(statement.sql)
                continue
            if not statement.parameters:
                # Its values are in its text (a create's new id, say): asyncpg's
                # own cache keeps the latest statements prepared.
                await self._connection.fetch(statement.sql)
                continue
            prepared, types = self._prepared.get(statement.sql) or await self._prepare(statement)
            await prepared.fetch(
                *(
                    None if value is None else to_python(value)
                    for to_python, value in zip(types, statement.parameters, strict=True)
                )
            )

    async def _prepare(self, statement: Statement) -> tuple[Any, list[Callable[[str], Any]]]:
        prepared = await self._connection.prepare(statement.sql)
        names = [parameter.name for parameter in prepared.get_parameters()]
        unknown = sorted(set(names) - set(PARAMETER_TYPES))
        if unknown:
            raise RuntimeError(f"no conversion for parameters of type {unknown}: {statement.sql}")
        self._prepared[statement.sql] = (prepared, [PARAMETER_TYPES[name] for name in names])
        return self._prepared[statement.sql]

    async def recover(self) -> None:
        if self._connection.is_in_transaction():
            await self._connection.execute("ROLLBACK")

    async def close(self) -> None:
        await self._connection.close()


class MysqlClient:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def run(self, statements: Sequence[Statement]) -> None:
        for statement in statements:
            if statement.kind == PING:
                await self._connection.ping(reconnect=False)
                continue
            async with self._connection.cursor() as cursor:
                await cursor.execute(statement.sql)
                await cursor.fetchall()

    async def recover(self) -> None:
        await self._connection.rollback()

    async def close(self) -> None:
        self._connection.close()
