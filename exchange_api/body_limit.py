"""A cap on request bodies, as a plain ASGI middleware: nothing past the limit is ever read.

A body is refused with 413 problem+json ``request.too_large`` in one of two ways:

- its ``Content-Length`` is over the limit: answered at once, before the application runs or a
  byte of the body is read;
- it has no (honest) ``Content-Length`` — a chunked or streamed upload — and the bytes received
  pass the limit: the 413 is sent then, the application is told the client went away (so it
  stops reading and never runs the route), and whatever it tries to answer afterwards is dropped.

Written against the raw ASGI interface, not Starlette's ``BaseHTTPMiddleware``, which would
buffer the body itself and would run the route in a separate task.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.errors import TooLarge
from exchange_api.errors import problem

__all__ = ["BodyLimit"]


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refusal(self, scope: Scope) -> TooLarge:
        return TooLarge(
            f"The request body is larger than this service accepts ({self.max_bytes} bytes).",
            max_bytes=self.max_bytes,
            path=scope.get("path", ""),
        )

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = self._refusal(scope)
        response = problem(error.status, error.code, error.message, instance=scope.get("path", ""))
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        refused = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    if not response_started:
                        await self._refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return  # the 413 has been sent; the application's own answer is dropped
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself; count the bytes
    return None
