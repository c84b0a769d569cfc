"""A request id on every response and log line, one access log line per request
(at DEBUG for the platform's requests that succeed), and a problem response
instead of a stack trace when anything fails. A client that goes away before
its answer is logged with status 499, not as an error."""

import logging
import re
import time
import uuid

from ...core.logging import request_id_var
from ..problems import PROBLEM_CONTENT_TYPE, encode, problem
from .asgi import (
    CLIENT_CLOSED_REQUEST,
    ASGIApp,
    DisconnectWatch,
    Message,
    Receive,
    Scope,
    Send,
    is_platform_request,
    send_json,
)

logger = logging.getLogger("http")

UNEXPECTED_ERROR = "The server could not complete the request."
# Accept a caller's id only if it is short and harmless to echo and log.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False
        client = DisconnectWatch(receive)

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                # An answer begun after the client left reaches nobody.
                status = CLIENT_CLOSED_REQUEST if client.disconnected else message["status"]
                response_started = True
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        def client_left_unanswered() -> bool:
            return client.disconnected and status in (500, CLIENT_CLOSED_REQUEST)

        try:
            await self.app(scope, client, send_with_id)
        except Exception:
            # A failure to read from a client that had left is no server error.
            if not client_left_unanswered():
                logger.exception("unhandled error")
                if not response_started:
                    body = problem(500, UNEXPECTED_ERROR, scope["path"])
                    await send_json(send_with_id, 500, encode(body), PROBLEM_CONTENT_TYPE)
        finally:
            if not response_started and client.disconnected:
                status = CLIENT_CLOSED_REQUEST
            # The platform's requests come every few seconds: answered well, they are
            # DEBUG lines, so that the INFO log is the API's traffic.
            level = logging.DEBUG if status < 400 and is_platform_request(scope) else logging.INFO
            logger.log(
                level,
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)
