"""Real servers for connector tests: an ASGI app under uvicorn on a free port, in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from crossdock.sandboxes.cro import CroConfig, ReasonPhraseH11Protocol, create_app


@contextmanager
def serve(app: Any, http: Any = "h11") -> Iterator[str]:
    """``http://127.0.0.1:<port>`` while the block runs."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, http=http, log_level="critical", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def cro_app(records: int = 504) -> Any:
    return create_app(CroConfig(records=records))


def cro_settings(app: Any, base_url: str = "http://cro.test", **extra: Any) -> dict[str, Any]:
    credentials = app.state.sandbox.state.credentials()
    return {
        "baseUrl": base_url,
        "token": credentials["token"],
        "tenantId": int(credentials["x-tenant-id"]),
        **extra,
    }


def cro_customers(app: Any) -> dict[int, str]:
    """The sandbox's own customers in the primary tenant: id -> last_updated_on (ms)."""
    state = app.state.sandbox.state
    with state.lock:
        tenant = state.tenant(state.tenant_id)
        return {c.id: c.updated_ms for c in tenant.customers.values()}


def cro_serve(app: Any) -> Any:
    return serve(app, http=ReasonPhraseH11Protocol)
