"""The largest request body the hub reads: ``Settings.max_body_bytes`` (default 64 MiB).

A body declared larger (``Content-Length``) is refused before a byte is read; a body streamed
without a length is refused once it passes the limit. Both answer 413 in the one error schema,
so no client can make the hub hold an unbounded body in memory. Endpoints with a smaller limit
of their own (images) check it themselves.

FastAPI's own ``max_body_size`` is not used: for a declared length, Starlette answers a
plain-text 413 of its own, outside the error schema every other answer follows.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crossdock.api.errors import error_response
from crossdock.errors import PayloadTooLarge


class BodyLimit:
    """ASGI middleware capping every request body at ``limit`` bytes."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"The body may be at most {self.limit} bytes.", field="body")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            response = error_response(Request(scope), self._too_large())
            await response(scope, receive, send)
            return
        received, tripped, answered = 0, False, False

        async def capped() -> Message:
            nonlocal received, tripped
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    tripped = True
                    raise self._too_large()
            return message

        async def answer() -> None:
            nonlocal answered
            if not answered:
                answered = True
                await error_response(Request(scope), self._too_large())(scope, receive, send)

        async def guarded(message: Message) -> None:
            # Once the body is cut off, whatever the app answers (its body parser turns any
            # read error into its own 400) is replaced by the 413.
            if tripped:
                await answer()
            else:
                await send(message)

        try:
            await self.app(scope, capped, guarded)
        except PayloadTooLarge:
            await answer()
