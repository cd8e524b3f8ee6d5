"""The distributed queue: Procrastinate on PostgreSQL, run by any number of ``crossdock worker``
processes on any number of machines.

Procrastinate only delivers: the database rows (pending items, due publish jobs) are the
truth, and a job body takes one chunk of whatever is due, with ``SKIP LOCKED``, so workers
share the work without taking the same row twice. A job that did work defers its successor
before returning, so while work remains every free worker gets a chunk; a periodic sweep
defers jobs for work nobody announced (accepted before a restart, or retries come due).
``queueing_lock`` keeps at most one waiting job of each kind, so announcements never pile up.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import procrastinate
import sqlalchemy as sa
from procrastinate.exceptions import AlreadyEnqueued

from crossdock.hub import Hub
from crossdock.store.engine import refresh_statistics
from crossdock.sync import jobs
from crossdock.sync.pull import due_pulls, pull
from crossdock.sync.queue.base import JobKind

INGEST = "crossdock.ingest"
PUBLISH = "crossdock.publish"
PULL = "crossdock.pull"
SWEEP = "crossdock.sweep"
STATISTICS = "crossdock.statistics"


def conninfo(database_url: str) -> str:
    """The libpq URI of a SQLAlchemy ``postgresql+psycopg://`` URL (query options kept)."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(
            "the distributed queue needs PostgreSQL: set CROSSDOCK_DATABASE_URL to a "
            "postgresql+psycopg:// URL, or use the embedded worker of crossdock serve"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def create_queue(hub: Hub) -> procrastinate.App:
    """A Procrastinate app whose tasks run the hub's jobs; nothing is opened here."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(hub.settings.database_url))
    )

    @app.task(name=INGEST, queueing_lock=INGEST, pass_context=False)
    def ingest() -> int:
        done = jobs.ingest_chunk(hub)
        if done:
            _defer_sync(app, INGEST)
        return done

    @app.task(name=PUBLISH, queueing_lock=PUBLISH, pass_context=False)
    def publish() -> int:
        done = jobs.publish_chunk(hub)
        if done:
            _defer_sync(app, PUBLISH)
        return done

    @app.task(name=PULL, pass_context=False)
    def pull_one(integration_id: str) -> str:
        outcome = asyncio.run(pull(hub, integration_id))
        _defer_sync(app, INGEST)
        return outcome.status

    @app.periodic(cron="* * * * * */15", periodic_id="sweep")
    @app.task(name=SWEEP, queueing_lock=SWEEP, pass_context=False)
    def sweep(timestamp: int) -> None:
        _defer_sync(app, INGEST)
        _defer_sync(app, PUBLISH)
        for integration_id in due_pulls(hub):
            # One waiting pull per integration; the pull's own lease in the database keeps runs
            # apart. No Procrastinate lock: a worker killed mid-pull leaves its job "doing"
            # for good, and a lock would then block the integration's pulls forever.
            with contextlib.suppress(AlreadyEnqueued):
                app.configure_task(PULL, queueing_lock=f"pull:{integration_id}").defer(
                    integration_id=integration_id
                )

    @app.periodic(cron="* * * * *", periodic_id="statistics")
    @app.task(name=STATISTICS, queueing_lock=STATISTICS, pass_context=False)
    def statistics(timestamp: int) -> None:
        # Tables grow with every sync; the planner needs to know (a no-op with autovacuum on).
        refresh_statistics(hub.engine)

    return app


def _defer_sync(app: procrastinate.App, task: str) -> None:
    with contextlib.suppress(AlreadyEnqueued):
        app.configure_task(task).defer()


class ProcrastinateQueue:
    """The API's side: announces work to the workers through Procrastinate."""

    def __init__(self, app: procrastinate.App) -> None:
        self.app = app

    async def announce(self, kind: JobKind) -> None:
        task = {"ingest": INGEST, "publish": PUBLISH, "pull": SWEEP}[kind]
        with contextlib.suppress(AlreadyEnqueued):
            await self.app.configure_task(task).defer_async(
                **({"timestamp": 0} if task == SWEEP else {})
            )


async def ensure_schema(app: procrastinate.App) -> None:
    """Create Procrastinate's tables on first use (``crossdock db upgrade`` and workers)."""
    rows: Any = await app.connector.execute_query_one_async(
        "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
    )
    if not rows["present"]:
        await app.schema_manager.apply_schema_async()
