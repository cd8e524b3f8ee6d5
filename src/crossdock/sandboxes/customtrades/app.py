"""``create_app``: the Custom Trades sandbox as one ASGI app, control API included."""

from __future__ import annotations

from fastapi import FastAPI

from crossdock.sandboxes.base import Clock, Sandbox, install_sandbox
from crossdock.sandboxes.customtrades.config import CustomTradesConfig
from crossdock.sandboxes.customtrades.errors import install_error_handlers
from crossdock.sandboxes.customtrades.routes import build_routes
from crossdock.sandboxes.customtrades.state import CustomTradesState


def create_app(config: CustomTradesConfig | None = None) -> FastAPI:
    """Seed the data, then serve ``/api/v1`` beside the ``/_sandbox/`` control API.

    FastAPI's generated docs are switched off: the vendor serves no ``/docs``, and a client
    pointed at the sandbox should meet only the vendor's surface.
    """
    config = config or CustomTradesConfig()
    state = CustomTradesState(config, Clock())
    with state.lock:
        state.reset(seed=config.seed, records=config.records)
    app = FastAPI(
        title="Custom Trades CRM sandbox", docs_url=None, redoc_url=None, openapi_url=None
    )
    install_error_handlers(app)
    app.router.routes.extend(build_routes(state))
    return install_sandbox(app, Sandbox(state))
