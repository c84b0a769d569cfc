"""The worker's health endpoint, for probes: GET /health/live and /health/ready,
answered as the API answers them. Nothing else is served."""

import asyncio
import logging

from ..api.schemas.health import Readiness
from ..core.readiness import ReadinessProbe

logger = logging.getLogger(__name__)

# A client that has not sent its request line and headers by then is dropped.
REQUEST_TIMEOUT_SECONDS = 5.0
REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


class HealthServer:
    def __init__(self, readiness: ReadinessProbe, host: str, port: int) -> None:
        self._readiness = readiness
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self._host, self._port)
        logger.info("worker health endpoint on %s:%d", self._host, self.port)

    @property
    def port(self) -> int:
        """The port it listens on: the one asked for, or the one given for 0."""
        if self._server is None:
            return self._port
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                request_line = await reader.readline()
                while await reader.readline() not in (b"\r\n", b"\n", b""):
                    pass  # headers: nothing in them changes the answer
            status, body = await self._answer(request_line)
            writer.write(
                f"HTTP/1.1 {status} {REASONS[status]}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, request_line: bytes) -> tuple[int, bytes]:
        method, _, rest = request_line.decode("latin-1").partition(" ")
        path = rest.partition(" ")[0]
        if path not in ("/health/live", "/health/ready"):
            return 404, b'{"status":"not found"}'
        if method != "GET":
            return 405, b'{"status":"method not allowed"}'
        if path == "/health/live":
            return 200, b'{"status":"ok"}'
        answer = Readiness.of(await self._readiness.check())
        return (200 if answer.is_ready else 503), answer.model_dump_json().encode()
