"""Refuse request bodies over a size limit, whether or not they declare a length."""

from ..problems import PROBLEM_CONTENT_TYPE, encode, problem
from .asgi import ASGIApp, Message, Receive, Scope, Send, send_json


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        exceeded = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                exceeded = True
                # The ASGI way to say that no more of the body will come: each
                # framework stops reading and answers with an error of its own
                # (or nothing), which guarded_send replaces with the 413.
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            if not exceeded:
                await send(message)
            elif message["type"] == "http.response.start" and not refused:
                # Frameworks turn a failed body read into their own error
                # response; replace it with the answer that says why.
                refused = True
                await self._refuse(scope, send)

        await self.app(scope, counting_receive, guarded_send)
        if exceeded and not refused:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        detail = f"The request body exceeds {self.max_bytes} bytes."
        body = encode(problem(413, detail, scope["path"]))
        await send_json(send, 413, body, PROBLEM_CONTENT_TYPE)
