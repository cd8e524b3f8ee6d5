"""``POST /mapping/mako``: render a Mako template over records, in a confined process.

Who may call it is the ``mako_access`` setting: ``operators`` (admin and staff; the default),
``all`` roles, or ``off``. The renderer (and its zygote process) belongs to the app: made on
first use, closed when the app shuts down.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from crossdock.api.deps import HubDep, get_principal
from crossdock.api.models import StrictModel
from crossdock.auth.roles import Principal
from crossdock.mapping.mako import (
    MakoDisabled,
    MakoRenderer,
    MakoUnavailable,
    access_from,
    limits_from,
)

_renderer_lock = threading.Lock()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    renderer: MakoRenderer | None = getattr(app.state, "mako_renderer", None)
    if renderer is not None:
        app.state.mako_renderer = None  # a restarted app makes a fresh one
        renderer.close()


router = APIRouter(prefix="/mapping", tags=["mapping"], lifespan=lifespan)


class MakoRequest(StrictModel):
    template: str = Field(min_length=1, description="Mako mapping language file")
    record: list[dict[str, Any]] = Field(description="Data records to be mapped")
    variables: dict[str, Any] | None = Field(
        default=None, description="Additional variables made available to the template"
    )


def renderer_for(request: Request) -> MakoRenderer:
    """The app's renderer, made on first use from the hub's settings."""
    app = request.app
    renderer: MakoRenderer | None = getattr(app.state, "mako_renderer", None)
    if renderer is None:
        with _renderer_lock:
            renderer = getattr(app.state, "mako_renderer", None)
            if renderer is None:
                settings = app.state.hub.settings
                renderer = MakoRenderer(
                    limits_from(settings),
                    user=str(getattr(settings, "mako_user", "nobody")),
                    group=str(getattr(settings, "mako_group", "nogroup")),
                )
                app.state.mako_renderer = renderer
    return renderer


def mako_user(request: Request, hub: HubDep) -> Principal:
    """The caller, checked in a session of its own: no database connection stays checked out
    while a render runs."""
    with hub.sessions.begin() as session:
        user = get_principal(request, hub, session)
    try:
        access = access_from(hub.settings)
    except ValueError as exc:
        raise MakoUnavailable(f"The mako_access setting is invalid: {exc}.") from None
    if access == "off":
        raise MakoDisabled("Mako rendering is switched off on this hub.", field="template")
    if access == "operators" and not user.is_operator:
        raise MakoDisabled(
            "Only admin and staff users may render Mako templates on this hub.", field="template"
        )
    return user


MakoUser = Annotated[Principal, Depends(mako_user)]


@router.post("/mako", summary="Run a mako template")
def run_mako(body: MakoRequest, request: Request, user: MakoUser) -> JSONResponse:
    rendered = renderer_for(request).render(body.template, body.record, body.variables)
    return JSONResponse(rendered.envelope())
