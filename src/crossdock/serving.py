"""Human-readable status lines (``400 CreateCustomerModel.user_id: Unknown field.``) under uvicorn.

The hub's errors and the CRO sandbox's put their text in the HTTP reason phrase. ASGI has no
field for a reason phrase and uvicorn always writes the standard one, so apps send the text in
an ``X-Reason-Phrase`` response header and
``ReasonPhraseH11Protocol``, a uvicorn h11 protocol, moves it into the status line and drops
the header. Under any other server the header simply stays on the response, so clients can
still read the text there.

Use it as ``uvicorn.Config(app, http=ReasonPhraseH11Protocol)``; ``create_app`` also leaves the
class on ``app.state.uvicorn_http`` for launchers that pass it through.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

REASON_HEADER = "x-reason-phrase"
_REASON_HEADER = REASON_HEADER.encode()


class _ReasonConnection(h11.Connection):
    """An h11 connection that writes ``pending_reason`` into the next response's status line."""

    pending_reason: bytes | None = None

    def send(self, event: h11.Event) -> bytes | None:  # type: ignore[override]
        reason, self.pending_reason = self.pending_reason, None
        if reason is not None and type(event) is h11.Response:
            event = h11.Response(
                status_code=event.status_code,
                headers=event.headers,
                http_version=event.http_version,
                reason=reason,
            )
        return super().send(event)


class ReasonPhraseH11Protocol(H11Protocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        # The connection uvicorn built, with the same limit, in our subclass.
        limit = config.h11_max_incomplete_event_size
        self.conn = (
            _ReasonConnection(h11.SERVER)
            if limit is None
            else _ReasonConnection(h11.SERVER, max_incomplete_event_size=limit)
        )
        app = self.app
        protocol = self

        async def reason_app(scope: Any, receive: Any, send: Any) -> None:
            async def send_with_reason(message: Any) -> None:
                if message.get("type") != "http.response.start":
                    await send(message)
                    return
                headers = list(message.get("headers", ()))
                reason = [value for name, value in headers if name.lower() == _REASON_HEADER]
                if not reason:
                    await send(message)
                    return
                message = {
                    **message,
                    "headers": [(n, v) for n, v in headers if n.lower() != _REASON_HEADER],
                }
                connection = protocol.conn
                if isinstance(connection, _ReasonConnection):
                    connection.pending_reason = _status_line_safe(reason[-1])
                try:
                    await send(message)
                finally:
                    if isinstance(connection, _ReasonConnection):
                        connection.pending_reason = None

            await app(scope, receive, send_with_reason)

        self.app = reason_app


def _status_line_safe(value: bytes) -> bytes:
    """Visible ASCII and spaces only, so the status line cannot be broken from the body."""
    return bytes(b if 0x20 <= b <= 0x7E else 0x3F for b in value[:200])
