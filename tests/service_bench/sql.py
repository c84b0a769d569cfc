"""The SQL that one request runs, as the database receives it.

PostgreSQL writes it to its log once `log_statement` is `all` for the
benchmark's database; MariaDB has no such setting per database, so a relay
between the service and the server writes down the commands the service
sends. Nothing here knows the service's SQL: it is read, never written by hand.
"""

from __future__ import annotations

import re
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

# How a statement reached the server, and so how the ceiling sends it again.
SIMPLE = "simple"  # as text, on its own (PostgreSQL's simple query, MySQL's COM_QUERY)
PREPARED = "prepared"  # PostgreSQL's extended protocol: parsed once, then bound to parameters
PING = "ping"  # MySQL's COM_PING: no SQL at all

# A UUID as PostgreSQL writes one, or as 32 hex digits as MySQL columns keep it.
UUID_TEXT = re.compile(
    r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{8}(-?)[0-9A-Fa-f]{4}\1[0-9A-Fa-f]{4}\1[0-9A-Fa-f]{4}"
    r"\1[0-9A-Fa-f]{12}(?![0-9A-Fa-f])"
)
STRING_LITERAL = re.compile(r"'(?:[^'\\]|''|\\.)*'")
NUMBER_LITERAL = re.compile(r"(?<![\w$])-?\d+(?:\.\d+)?(?!\w)")
WHITESPACE = re.compile(r"\s+")


class CaptureError(RuntimeError):
    pass


@dataclass(frozen=True)
class Statement:
    sql: str
    kind: str = SIMPLE
    # A prepared statement's parameters as text, as PostgreSQL logs them; None is NULL.
    parameters: tuple[str | None, ...] = ()

    @property
    def shape(self) -> str:
        """The statement without its values: the same for every request that runs it."""
        if self.kind == PING:
            return "(ping)"
        without_strings = STRING_LITERAL.sub("?", WHITESPACE.sub(" ", self.sql).strip())
        return NUMBER_LITERAL.sub("?", without_strings)

    def values(self) -> list[str]:
        """The UUIDs the statement names, in its text or its parameters."""
        texts = [self.sql, *(value for value in self.parameters if value is not None)]
        return [match.group(0) for text in texts for match in UUID_TEXT.finditer(text)]


def shapes(statements: Iterable[Statement]) -> tuple[str, ...]:
    return tuple(statement.shape for statement in statements)


@dataclass(frozen=True)
class Captured:
    """The statements of one request, as the database received them."""

    statements: tuple[Statement, ...]
    # The session settings (`SET ...`) their connection ran when it opened.
    setup: tuple[Statement, ...] = ()


def steady_state(captures: Sequence[Captured]) -> Captured:
    """Of the captured requests, the last of those that ran the statements most
    of them ran (the others opened a connection, say)."""
    counts = Counter(shapes(capture.statements) for capture in captures if capture.statements)
    if not counts:
        raise CaptureError("no statement was captured")
    most_common = max(counts.values())
    return next(
        capture
        for capture in reversed(captures)
        if capture.statements and counts[shapes(capture.statements)] == most_common
    )


def made_up_ids(
    statements: Sequence[Statement], alongside: Iterable[Sequence[Statement]] = ()
) -> frozenset[str]:
    """The ids a request made up itself: inserted, named by no statement before,
    and by no request captured `alongside` it. The last rule keeps the signed-in
    user's id, which a service that takes it from the token inserts without
    reading it first. The ceiling sends new ones each time, as the service does."""
    seen = {value for other in alongside for statement in other for value in statement.values()}
    made: set[str] = set()
    for statement in statements:
        values = set(statement.values())
        if statement.sql.lstrip().upper().startswith("INSERT"):
            made |= values - seen
        seen |= values
    return frozenset(made)


def with_new_ids(statements: Sequence[Statement], made: frozenset[str]) -> list[Statement]:
    """The statements with each made-up id replaced by a new one, written the same way."""
    if not made:
        return list(statements)
    renamed = {old: _new_id_like(old) for old in made}

    def rename(text: str) -> str:
        return UUID_TEXT.sub(lambda match: renamed.get(match.group(0), match.group(0)), text)

    return [
        replace(
            statement,
            sql=rename(statement.sql),
            parameters=tuple(
                None if value is None else rename(value) for value in statement.parameters
            ),
        )
        for statement in statements
    ]


def _new_id_like(old: str) -> str:
    new = str(uuid.uuid4()) if "-" in old else uuid.uuid4().hex
    return new.upper() if old.isupper() else new


def inserted_table(statements: Iterable[Statement], value: str) -> str:
    """The table of the INSERT that writes `value` (the created item's title)."""
    for statement in statements:
        mentions = value in statement.sql or value in statement.parameters
        match = re.match(r"\s*INSERT\s+INTO\s+[`\"]?([\w.]+)", statement.sql, re.IGNORECASE)
        if match and mentions:
            return match.group(1)
    raise CaptureError(f"no captured INSERT writes {value!r}")


# ------------------------------------------------------------- PostgreSQL

# Where a log entry starts, after log_line_prefix (whatever it is); a line
# that starts with a tab continues the entry before it.
LOG_ENTRY = re.compile(
    r"^(?P<prefix>.*?)\b(?P<severity>LOG|DETAIL|ERROR|FATAL|PANIC|WARNING|NOTICE|INFO|HINT"
    r"|STATEMENT|CONTEXT|DEBUG\d?):  (?P<message>.*)$"
)
EXECUTE = re.compile(r"execute [^:]*: (?P<sql>.*)", re.DOTALL)
PARAMETER = re.compile(r"\$(\d+) = (?:NULL|'((?:[^']|'')*)')")


def parse_parameters(detail: str) -> tuple[str | None, ...]:
    """`$1 = 'a', $2 = NULL` as PostgreSQL logs a statement's parameters."""
    values: dict[int, str | None] = {}
    for match in PARAMETER.finditer(detail):
        text = match.group(2)
        values[int(match.group(1))] = None if text is None else text.replace("''", "'")
    return tuple(values[index] for index in sorted(values))


def parse_postgres_log(text: str, database: str | None = None) -> list[Statement]:
    """The statements in a stretch of PostgreSQL's log with `log_statement = all`;
    only those of `database` when the log line prefix names it (`%d`)."""
    entries: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("\t") and entries:
            entries[-1][2] += "\n" + line[1:]
        elif match := LOG_ENTRY.match(line):
            entries.append([match["prefix"], match["severity"], match["message"]])
    named = re.compile(rf"(?<![\w$]){re.escape(database)}(?![\w$])") if database else None
    statements: list[Statement] = []
    for prefix, severity, message in entries:
        if named is not None and not named.search(prefix):
            continue
        if severity in {"ERROR", "FATAL", "PANIC"}:
            raise CaptureError(f"the database refused a statement of the request: {message}")
        if severity == "LOG" and message.startswith("statement: "):
            statements.append(Statement(message.removeprefix("statement: "), SIMPLE))
        elif severity == "LOG" and (execute := EXECUTE.match(message)):
            statements.append(Statement(execute["sql"], PREPARED))
        elif severity == "DETAIL" and message.startswith("parameters: ") and statements:
            statements[-1] = replace(statements[-1], parameters=parse_parameters(message))
    return statements


# ------------------------------------------------------------------ MySQL

COM_QUERY = 0x03
COM_PING = 0x0E
COM_STMT_PREPARE = 0x16
# The capability bit with which a server offers TLS: the relay reads cleartext only.
CLIENT_SSL = 0x0800


def mysql_packets(buffer: bytearray) -> Iterable[tuple[int, bytes]]:
    """Take whole packets (sequence number, payload) off the front of `buffer`."""
    while len(buffer) >= 4:
        length = int.from_bytes(buffer[:3], "little")
        if len(buffer) < 4 + length:
            return
        sequence, payload = buffer[3], bytes(buffer[4 : 4 + length])
        del buffer[: 4 + length]
        yield sequence, payload


def mysql_command(payload: bytes) -> Statement | None:
    """The statement a client command carries, if it runs anything."""
    if not payload:
        return None
    command = payload[0]
    if command == COM_QUERY:
        return Statement(payload[1:].decode("utf-8", errors="replace"), SIMPLE)
    if command == COM_PING:
        return Statement("", PING)
    if command == COM_STMT_PREPARE:
        raise CaptureError(
            "the service prepares statements on the server (MySQL's binary protocol), "
            "which the ceiling does not send"
        )
    return None


def without_tls_offer(handshake: bytes) -> bytes:
    """The server's greeting packet (header included) with TLS no longer offered,
    so that the client talks to the relay in the clear."""
    payload = handshake[4:]
    version_end = payload.index(0, 1)
    # Protocol version, server version, thread id (4), scramble (8), filler (1).
    flags_at = 4 + version_end + 1 + 4 + 8 + 1
    flags = int.from_bytes(handshake[flags_at : flags_at + 2], "little") & ~CLIENT_SSL
    return handshake[:flags_at] + flags.to_bytes(2, "little") + handshake[flags_at + 2 :]


# What a MySQL `SET` statement sets: a variable, the character set, the isolation level.
SESSION_SETTING = re.compile(
    r"\s*SET\s+(?:(NAMES|CHARACTER\s+SET|(?:SESSION\s+)?TRANSACTION)\s|([^=]+?)\s*=)",
    re.IGNORECASE,
)


def session_state(statements: Iterable[Statement]) -> tuple[Statement, ...]:
    """The `SET` statements that leave a session as these statements left it: the
    last of each setting, in the order they were first set."""
    settings: dict[str, Statement] = {}
    for statement in statements:
        if match := SESSION_SETTING.match(statement.sql):
            setting = WHITESPACE.sub(" ", match.group(1) or match.group(2)).lower()
            settings[setting] = statement
    return tuple(settings.values())


class MysqlRecorder:
    """A relay on a loopback port to a MySQL server that writes down, for each
    connection, the commands its client sends; the server sees the same bytes."""

    def __init__(self, host: str, port: int) -> None:
        self._server = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        # (connection number, statement), in the order they arrived.
        self.events: list[tuple[int, Statement]] = []
        self._connections = 0
        self._sockets: list[socket.socket] = []
        self._errors: list[BaseException] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def mark(self) -> int:
        with self._lock:
            return len(self.events)

    def since(self, mark: int) -> Captured:
        """The statements since `mark`, with the session settings their
        connection ran when it opened."""
        with self._lock:
            if self._errors:
                raise CaptureError(f"the relay failed: {self._errors[0]!r}")
            window = self.events[mark:]
            if not window:
                return Captured(())
            connection = window[0][0]
            opened = session_state(
                statement for number, statement in self.events[:mark] if number == connection
            )
            return Captured(tuple(statement for _, statement in window), opened)

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for connection in self._sockets:
                connection.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._server)
            with self._lock:
                self._connections += 1
                number = self._connections
                self._sockets += [client, server]
            threading.Thread(target=self._greet, args=(server, client), daemon=True).start()
            threading.Thread(
                target=self._record, args=(client, server, number), daemon=True
            ).start()

    def _greet(self, server: socket.socket, client: socket.socket) -> None:
        """Server to client: the greeting without its TLS offer, then every byte as is."""
        buffer = bytearray()
        try:
            while len(buffer) < 4 or len(buffer) < 4 + int.from_bytes(buffer[:3], "little"):
                chunk = server.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            length = 4 + int.from_bytes(buffer[:3], "little")
            client.sendall(without_tls_offer(bytes(buffer[:length])) + bytes(buffer[length:]))
            while chunk := server.recv(65536):
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            client.close()

    def _record(self, client: socket.socket, server: socket.socket, number: int) -> None:
        """Client to server: forward each chunk, and note the commands it completes."""
        buffer = bytearray()
        try:
            while chunk := client.recv(65536):
                server.sendall(chunk)
                buffer += chunk
                for sequence, payload in mysql_packets(buffer):
                    # A command starts a new exchange (sequence 0); the log-in does not.
                    if sequence == 0 and (statement := mysql_command(payload)) is not None:
                        with self._lock:
                            self.events.append((number, statement))
        except CaptureError as error:
            with self._lock:
                self._errors.append(error)
        except OSError:
            pass
        finally:
            server.close()
