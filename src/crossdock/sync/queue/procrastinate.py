"""The distributed queue: Procrastinate on PostgreSQL, run by any number of ``crossdock worker``
processes on any number of machines.

Procrastinate only delivers: the database rows (pending items, due publish jobs) are the
truth, and a job body takes one chunk of whatever is due, with ``SKIP LOCKED``, so workers
share the work without taking the same row twice. A job that did work defers its successor
before returning, so while work remains every free worker gets a chunk; a periodic sweep
defers jobs for work nobody announced (accepted before a restart, or retries come due).
``queueing_lock`` keeps at most one waiting job of each kind, so announcements never pile up.

A worker that stops (killed, its machine gone) leaves its jobs ``doing``. Workers beat every
third of ``CROSSDOCK_WORKER_STALLED_SECONDS``; once one has been silent that long, the
``stalled`` task marks its jobs failed and hands back what they held in the database (a pull's
lease, publish claims, recorded under the job's id), so that work resumes within seconds, not
when the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import procrastinate
import sqlalchemy as sa
import structlog
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job, Status

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
STALLED = "crossdock.stalled"

log = structlog.get_logger("crossdock.worker")


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
    stalled_after = hub.settings.worker_stalled_seconds
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(hub.settings.database_url)),
        worker_defaults={
            "update_heartbeat_interval": stalled_after / 3,
            "stalled_worker_timeout": stalled_after,
        },
    )
    every = f"* * * * * */{hub.settings.sweep_seconds}"

    @app.task(name=INGEST, queueing_lock=INGEST, pass_context=False)
    def ingest() -> int:
        done = jobs.ingest_chunk(hub)
        if done:
            _defer_sync(app, INGEST)
        return done

    @app.task(name=PUBLISH, queueing_lock=PUBLISH, pass_context=True)
    def publish(context: procrastinate.JobContext) -> int:
        done = jobs.publish_chunk(hub, holder=holder(context.job))
        if done:
            _defer_sync(app, PUBLISH)
        return done

    @app.task(name=PULL, pass_context=True)
    def pull_one(context: procrastinate.JobContext, integration_id: str) -> str:
        outcome = asyncio.run(pull(hub, integration_id, holder=holder(context.job)))
        _defer_sync(app, INGEST)
        return outcome.status

    @app.periodic(cron=every, periodic_id="stalled")
    @app.task(name=STALLED, queueing_lock=STALLED, pass_context=False)
    async def stalled(timestamp: int) -> int:
        found = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after))
        for job in found:
            pulls, claims = await asyncio.to_thread(jobs.release, hub, holder(job))
            await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
            log.warning(
                "a stopped worker's job handed back",
                job=job.id,
                task=job.task_name,
                pulls=pulls,
                publish_claims=claims,
            )
        return len(found)

    @app.periodic(cron=every, periodic_id="sweep")
    @app.task(name=SWEEP, queueing_lock=SWEEP, pass_context=False)
    def sweep(timestamp: int) -> None:
        _defer_sync(app, INGEST)
        _defer_sync(app, PUBLISH)
        for integration_id in due_pulls(hub):
            # One waiting pull per integration (queueing lock) and one running (lock), besides
            # the lease in the database; a stopped worker's lock goes with its job (above).
            with contextlib.suppress(AlreadyEnqueued):
                lock = f"pull:{integration_id}"
                app.configure_task(PULL, queueing_lock=lock, lock=lock).defer(
                    integration_id=integration_id
                )

    @app.periodic(cron="* * * * *", periodic_id="statistics")
    @app.task(name=STATISTICS, queueing_lock=STATISTICS, pass_context=False)
    def statistics(timestamp: int) -> None:
        # Tables grow with every sync; the planner needs to know (a no-op with autovacuum on).
        refresh_statistics(hub.engine)

    return app


def holder(job: Job | None) -> str:
    """The name what a job holds in the database goes by: its Procrastinate job id."""
    if job is None or job.id is None:
        raise RuntimeError("a Procrastinate job without an id holds nothing")
    return f"procrastinate:{job.id}"


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
