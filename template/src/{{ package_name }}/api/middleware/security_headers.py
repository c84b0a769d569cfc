"""Conservative security headers for an API that serves JSON."""

from ..pages import PAGE_POLICIES
from .asgi import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"cache-control", b"no-store"),
]
# JSON needs nothing loaded, framed or run.
API_CSP = b"default-src 'none'; frame-ancestors 'none'"


def content_security_policy(path: str) -> bytes:
    """The policy of the HTML page at `path` (the docs, for example), else the API's."""
    for prefix, policy in PAGE_POLICIES:
        if path.startswith(prefix):
            return policy
    return API_CSP


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = content_security_policy(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message["headers"],
                    *SECURITY_HEADERS,
                    (b"content-security-policy", csp),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
