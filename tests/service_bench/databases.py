"""The database servers the benchmark uses: a database of its own per project,
its statements captured while a request runs, and the rows the benchmark
created deleted between runs.

The servers are shared: only the benchmark's own databases are created,
changed (PostgreSQL's `log_statement`, on that database alone) and dropped.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

from .sql import Captured, CaptureError, MysqlRecorder, parse_postgres_log

# How long the server may take to write down a request's last statement.
SETTLE_SECONDS = 0.3
IDENTIFIER = re.compile(r"^[A-Za-z_][\w.]*$")


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def with_address(url: str, host: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


class Capture(Protocol):
    def mark(self) -> Any: ...

    def since(self, mark: Any) -> Captured:
        """What the service sent since `mark`."""
        ...


class Server:
    """A database server, by the URL of a service's database on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = urlsplit(url).scheme.split("+")[0]

    def create(self, database: str) -> None:
        self.drop(database)
        self._run(f"CREATE DATABASE {self._quote(database)}")

    def drop(self, database: str) -> None:
        force = " WITH (FORCE)" if self.engine == "postgresql" else ""
        self._run(f"DROP DATABASE IF EXISTS {self._quote(database)}{force}")

    def delete_created(self, database: str, table: str, title: str) -> None:
        """Delete the items a run created (they have `title`), so that every run
        lists from and inserts into the same table."""
        if not IDENTIFIER.match(table):
            raise ValueError(f"not a table name: {table!r}")
        placeholder = "$1" if self.engine == "postgresql" else "%s"
        delete = f"DELETE FROM {table} WHERE title = {placeholder}"  # noqa: S608 - checked above
        self._run(delete, title, database=database)
        if self.engine == "postgresql":
            self._run(f"VACUUM ANALYZE {table}", database=database)

    def empty(self, database: str, table: str) -> None:
        """Delete every row of `table`."""
        if not IDENTIFIER.match(table):
            raise ValueError(f"not a table name: {table!r}")
        self._run(f"DELETE FROM {table}", database=database)  # noqa: S608 - checked above

    @contextmanager
    def capture(self, database: str, log: Path | None) -> Iterator[tuple[str, Capture]]:
        """While the block runs, what records the service's statements on
        `database`, and the URL through which the service must reach it."""
        url = with_database(self.url, database)
        if self.engine == "postgresql":
            path = log or self._postgres_log()
            named = "%d" in self._value("SELECT current_setting('log_line_prefix')")
            self._run(f"ALTER DATABASE {self._quote(database)} SET log_statement = 'all'")
            try:
                yield url, PostgresLog(path, database if named else None)
            finally:
                self._run(f"ALTER DATABASE {self._quote(database)} RESET log_statement")
        else:
            parts = urlsplit(url)
            recorder = MysqlRecorder(parts.hostname or "127.0.0.1", parts.port or 3306)
            try:
                yield with_address(url, "127.0.0.1", recorder.port), MysqlCapture(recorder)
            finally:
                recorder.close()

    def _quote(self, name: str) -> str:
        return f'"{name}"' if self.engine == "postgresql" else f"`{name}`"

    def _postgres_log(self) -> Path:
        """The file PostgreSQL writes its log to: the collector's current file or,
        without a collector (Debian's clusters), where the server's standard error goes."""

        async def find() -> tuple[str | None, str | None, str]:
            async with self._connection(None) as connection:
                current = await connection.fetchval("SELECT pg_current_logfile('stderr')")
                data_directory = await connection.fetchval("SHOW data_directory")
                # A backend inherits the server's standard error; read it while it runs.
                backend = await connection.fetchval("SELECT pg_backend_pid()")
                try:
                    stderr = str(Path(f"/proc/{backend}/fd/2").readlink())
                except OSError:
                    stderr = "no file this process can see"
                return current, data_directory, stderr

        current, data_directory, stderr = asyncio.run(find())
        if current and data_directory:
            return Path(data_directory) / current
        if not Path(stderr).is_file():
            raise CaptureError(f"PostgreSQL logs to {stderr}; pass --postgres-log FILE")
        return Path(stderr)

    def _run(self, sql: str, *arguments: Any, database: str | None = None) -> None:
        async def run() -> None:
            async with self._connection(database) as connection:
                if self.engine == "postgresql":
                    await connection.execute(sql, *arguments)
                else:
                    async with connection.cursor() as cursor:
                        await cursor.execute(sql, arguments or None)

        asyncio.run(run())

    def _value(self, sql: str) -> Any:
        async def fetch() -> Any:
            async with self._connection(None) as connection:
                return await connection.fetchval(sql)

        return asyncio.run(fetch())

    @asynccontextmanager
    async def _connection(self, database: str | None) -> AsyncIterator[Any]:
        parts = urlsplit(self.url)
        user, password = unquote(parts.username or ""), unquote(parts.password or "")
        if self.engine == "postgresql":
            import asyncpg  # installed for the benchmark, not for the tests

            connection = await asyncpg.connect(
                host=parts.hostname,
                port=parts.port or 5432,
                user=user,
                password=password or None,
                database=database or "postgres",
            )
            try:
                yield connection
            finally:
                await connection.close()
            return
        import aiomysql  # installed for the benchmark, not for the tests

        connection = await aiomysql.connect(
            host=parts.hostname,
            port=parts.port or 3306,
            user=user,
            password=password,
            db=database,
            autocommit=True,
        )
        try:
            yield connection
        finally:
            connection.close()


class PostgresLog:
    """The statements PostgreSQL logged, from a point in its log file on."""

    def __init__(self, path: Path, database: str | None) -> None:
        self.path = path
        self.database = database

    def mark(self) -> int:
        return self.path.stat().st_size

    def since(self, mark: int) -> Captured:
        time.sleep(SETTLE_SECONDS)
        with self.path.open("rb") as log:
            log.seek(mark)
            text = log.read().decode("utf-8", errors="replace")
        return Captured(tuple(parse_postgres_log(text, self.database)))


class MysqlCapture:
    def __init__(self, recorder: MysqlRecorder) -> None:
        self.recorder = recorder

    def mark(self) -> int:
        return self.recorder.mark()

    def since(self, mark: int) -> Captured:
        time.sleep(SETTLE_SECONDS)
        return self.recorder.since(mark)
