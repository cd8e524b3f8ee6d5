"""``create_app``: the FastAPI application of the hub, built from settings or a ``Hub``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request, Response

from crossdock import __version__
from crossdock.api.errors import install_error_handlers
from crossdock.api.limits import BodyLimit
from crossdock.api.routers import (
    auth,
    companies,
    dashboard,
    images,
    integrations,
    mapping_cml,
    mapping_mako,
    publish,
    records,
    results,
    streams,
    systems,
    taxonomies,
    users,
)
from crossdock.bootstrap import bootstrap
from crossdock.hub import Hub
from crossdock.settings import Settings, load_settings
from crossdock.store import migrate
from crossdock.store.engine import refresh_statistics
from crossdock.sync.queue.base import JobQueue


async def start_queue(hub: Hub, stack: AsyncExitStack) -> JobQueue | None:
    """What runs background jobs for this server: the embedded thread (the default), the
    Procrastinate workers (``CROSSDOCK_QUEUE=procrastinate``), or nothing (tests)."""
    if hub.settings.queue == "procrastinate":
        from crossdock.sync.queue.procrastinate import (
            ProcrastinateQueue,
            create_queue,
            ensure_schema,
        )

        queue_app = create_queue(hub)
        await stack.enter_async_context(queue_app.open_async())
        await ensure_schema(queue_app)
        return ProcrastinateQueue(queue_app)
    if not hub.settings.embedded_worker:
        return None
    from crossdock.sync.queue.inline import EmbeddedWorker

    worker = EmbeddedWorker(hub)
    worker.start()
    stack.callback(worker.stop)
    return worker


def create_app(settings: Settings | None = None, *, hub: Hub | None = None) -> FastAPI:
    """Build the API. On start it upgrades the database and bootstraps the first admin."""
    owns_hub = hub is None
    if hub is None:
        hub = Hub.from_settings(settings or load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        migrate.upgrade(hub.engine)
        refresh_statistics(hub.engine)
        bootstrap(hub)
        async with AsyncExitStack() as stack:
            app.state.queue = await start_queue(hub, stack)
            yield
        if owns_hub:
            hub.close()

    app = FastAPI(
        title="Crossdock",
        version=__version__,
        description="A self-hosted hub speaking the Commerce Connect API.",
        lifespan=lifespan,
    )
    app.state.hub = hub
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=hub.settings.max_body_bytes)

    @app.middleware("http")
    async def request_ids(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = request.headers.get("x-request-id") or str(uuid.uuid4())
        request.state.request_id = rid
        response = await call_next(request)
        response.headers.setdefault("x-request-id", rid)
        return response

    for router in (
        auth.router,
        users.router,
        companies.router,
        integrations.router,
        systems.router,
        streams.router,
        publish.router,
        results.router,
        mapping_cml.router,
        mapping_mako.router,
        taxonomies.router,
        dashboard.router,
        images.router,
        records.router,  # last: it ends with the /{syncType} catch-all
    ):
        app.include_router(router)
    return app
