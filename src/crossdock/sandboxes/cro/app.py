"""``create_app``: the CRO sandbox as one ASGI app, control API included."""

from __future__ import annotations

from fastapi import FastAPI

from crossdock.sandboxes.base import Clock, Sandbox, install_sandbox
from crossdock.sandboxes.cro.errors import install_error_handlers
from crossdock.sandboxes.cro.routes import customer_routes
from crossdock.sandboxes.cro.state import CroConfig, CroState
from crossdock.sandboxes.cro.subresources import subresource_routes
from crossdock.serving import ReasonPhraseH11Protocol


def create_app(config: CroConfig | None = None) -> FastAPI:
    config = config or CroConfig()
    state = CroState(config, Clock())
    with state.lock:
        state.reset(seed=config.seed, records=config.records)
    app = FastAPI(
        title="CRO Software sandbox",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
    )
    install_error_handlers(app)
    app.include_router(customer_routes(state))
    app.include_router(subresource_routes(state))
    # For launchers: serve with this protocol to get CRO's reason phrases (see server.py).
    app.state.uvicorn_http = ReasonPhraseH11Protocol
    return install_sandbox(app, Sandbox(state))
