"""``create_app``: the CareCloud sandbox as one ASGI app, control API included."""

from __future__ import annotations

from fastapi import FastAPI

from crossdock.sandboxes.base import Clock, Sandbox, install_sandbox
from crossdock.sandboxes.carecloud.errors import install_error_handlers
from crossdock.sandboxes.carecloud.routes import add_routes
from crossdock.sandboxes.carecloud.state import CareCloudConfig, CareCloudState


def create_app(config: CareCloudConfig | None = None) -> FastAPI:
    """Build the sandbox: seed data from ``config``, both interfaces, ``/_sandbox/``."""
    state = CareCloudState(config or CareCloudConfig(), Clock())
    # CareCloud serves no OpenAPI document or docs UI of its own at these paths.
    app = FastAPI(
        title="CareCloud sandbox",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
    )
    install_error_handlers(app)
    add_routes(app, state)
    return install_sandbox(app, Sandbox(state))
