"""Pulling: a source integration's new and changed records, page by page, into the pipeline.

Each page's records are accepted as pending items in the same transaction as the page's
checkpoint, so a pull that dies resumes after the last page it stored: nothing lost, and the
items of a page are stored once (their request id is derived from the run and page, and the
pipeline makes an identical re-send a no-op). A lease keeps one pull per integration at a time
across any number of workers, and the run number fences it: a run whose lease ran out and was
taken over stores no further page and leaves the new run's state alone.

A run that fails for a reason that may pass (``RetryLater``: a 429, a 5xx, a timeout, after the
connector's own retries) is tried again with backoff, no sooner than the vendor's
``Retry-After``, and a scheduled run waits for that too. Other failures (credentials,
settings, a template) wait for the schedule or for someone to ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossdock.connectors.http import Checkpoint, Record
from crossdock.connectors.http.retry import retry_after_of
from crossdock.errors import CrossdockError, RetryLater
from crossdock.hub import Hub
from crossdock.schedule import Schedule
from crossdock.store.base import iso
from crossdock.store.pulls import PullState
from crossdock.store.tables import Integration
from crossdock.sync.ingest import BatchItem, accept_batch
from crossdock.sync.sources import MappingFailed, Source, open_source

# Retries of a run that failed for a reason that may pass: 30 s, doubling up to an hour, then
# the schedule (or a request) takes over again.
RETRY_FIRST = timedelta(seconds=30)
RETRY_LONGEST = timedelta(hours=1)
RETRIES = 8


@dataclass(frozen=True)
class PullOutcome:
    integration_id: str
    # "done", "failed", "busy" (another pull holds the lease), "taken over" (this run's lease
    # ran out and another run took the integration; what it stored stays)
    status: str
    records: int = 0
    error: str | None = None


class TakenOver(Exception):
    """This run's lease ran out and a newer run holds the integration."""


def retry_delay(failures: int, retry_after: float | None) -> timedelta:
    """How long after its ``failures``-th failure in a row a run is tried again."""
    backoff: timedelta = min(RETRY_FIRST * (2 ** (failures - 1)), RETRY_LONGEST)
    if retry_after is not None:
        backoff = max(backoff, timedelta(seconds=retry_after))
    return backoff


def _claim(
    hub: Hub, integration_id: str, now: datetime, holder: str | None = None
) -> tuple[Integration, PullState] | None:
    with hub.transaction() as session:
        integration = session.get(Integration, integration_id)
        if integration is None:
            return None
        state = session.get(PullState, integration_id, with_for_update=True)
        if state is None:
            state = PullState(integration_id=integration_id, status="idle", runs=0)
            session.add(state)
        if state.status == "running" and state.lease_until and state.lease_until > now:
            return None
        lease = timedelta(seconds=hub.settings.pull_lease_seconds)
        state.status, state.lease_until, state.started_at = "running", now + lease, now
        state.requested_at, state.runs, state.retry_at = None, (state.runs or 0) + 1, None
        state.holder = holder
        session.flush()
        session.expunge_all()
        return integration, state


async def pull(
    hub: Hub,
    integration_id: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    holder: str | None = None,
) -> PullOutcome:
    """One run of one source integration, from its checkpoint (or ``minFromDate``).
    ``holder`` names the queue job running it (see ``release``)."""
    claimed = _claim(hub, integration_id, hub.clock(), holder)
    if claimed is None:
        return PullOutcome(integration_id, "busy")
    integration, state = claimed
    run = state.runs
    since = Checkpoint.from_json(state.checkpoint)
    if since is None and integration.min_from_date is not None:
        since = Checkpoint(updated_since=integration.min_from_date.isoformat())
    count, page_number = 0, 0
    try:
        source = open_source(
            integration.system_id,
            integration.sync_type,
            hub.secrets.open(integration.system_settings or {}),
            tokens=hub.token_store,
            cipher=hub.token_cipher,
            transport=transport,
        )
    except CrossdockError as exc:
        return _finish(hub, integration_id, run, count, exc)
    try:
        async for page in source.stream.pages(since):
            items = [item(source, record) for record in page.records]
            _store_page(hub, integration_id, run, page_number, items, page.checkpoint)
            count += len(items)
            page_number += 1
    except TakenOver:
        return PullOutcome(integration_id, "taken over", count)
    except CrossdockError as exc:
        return _finish(hub, integration_id, run, count, exc)
    finally:
        await source.close()
    return _finish(hub, integration_id, run, count, None)


def item(source: Source, record: Record) -> BatchItem:
    try:
        return BatchItem(source.object_id(record), source.to_record(record))
    except MappingFailed as exc:
        errors = [{"field": "mapping", "detail": str(exc.error)}]
        return BatchItem(source.object_id(record), dict(exc.record), errors=errors)


def _store_page(
    hub: Hub,
    integration_id: str,
    run: int,
    page_number: int,
    items: list[BatchItem],
    checkpoint: Checkpoint,
) -> None:
    now = hub.clock()
    with hub.transaction() as session:
        integration = session.get(Integration, integration_id)
        state = session.get(PullState, integration_id, with_for_update=True)
        if integration is None or state is None:
            raise CrossdockError("The integration was deleted during its pull.")
        if state.runs != run or state.status != "running":
            raise TakenOver
        if items:
            accept_batch(
                session,
                integration=integration,
                items=items,
                request_id=f"pull:{integration_id}:{run}:{page_number}",
                actor=None,
                now=now,
            )
        state.checkpoint = checkpoint.to_json()
        state.lease_until = now + timedelta(seconds=hub.settings.pull_lease_seconds)


def _finish(
    hub: Hub, integration_id: str, run: int, count: int, error: CrossdockError | None
) -> PullOutcome:
    """Record how run ``run`` ended, unless a newer run has taken the integration over."""
    now = hub.clock()
    with hub.transaction() as session:
        state = session.get(PullState, integration_id, with_for_update=True)
        if state is None or state.runs != run or state.status != "running":
            return PullOutcome(integration_id, "taken over", count)
        state.finished_at, state.records_last_run, state.lease_until = now, count, None
        state.holder = None
        if error is None:
            state.status, state.last_error, state.failures = "idle", None, 0
            return PullOutcome(integration_id, "done", count)
        state.status, state.last_error = "failed", error.detail
        state.failures = (state.failures or 0) + 1
        if isinstance(error, RetryLater) and state.failures <= RETRIES:
            state.retry_at = now + retry_delay(state.failures, retry_after_of(error))
        return PullOutcome(integration_id, "failed", count, error.detail)


def release(hub: Hub, holder: str) -> list[str]:
    """End the leases of the runs ``holder`` was running, because its worker is known to be
    gone (the queue saw it stop beating): they resume at their checkpoint now, not when the
    lease runs out. Returns the integrations released."""
    now = hub.clock()
    with hub.transaction() as session:
        states = session.scalars(
            select(PullState)
            .where(PullState.holder == holder, PullState.status == "running")
            .with_for_update()
        ).all()
        for state in states:
            state.lease_until, state.holder = now, None
        return [state.integration_id for state in states]


def holders(session: Session) -> set[str]:
    """The holders of running pulls."""
    return set(
        session.scalars(
            select(PullState.holder)
            .where(PullState.status == "running", PullState.holder.is_not(None))
            .distinct()
        )
    )


def due_pulls(hub: Hub) -> list[str]:
    """Source integrations to pull now: asked for on demand, or due on their schedule."""
    now = hub.clock()
    with hub.transaction() as session:
        rows = session.execute(
            select(Integration, PullState)
            .outerjoin(PullState, PullState.integration_id == Integration.integration_id)
            .where(
                Integration.active.is_(True),
                Integration.get.is_(True),
                Integration.system_id != "api",
            )
        ).all()
        due = []
        for integration, state in rows:
            running = state is not None and state.status == "running"
            if running and state.lease_until and state.lease_until > now:
                continue
            requested = state is not None and state.requested_at is not None
            retry_at = state.retry_at if state is not None else None
            if retry_at is not None and retry_at > now and not requested:
                continue  # the vendor, or the backoff, asked to wait; only a request goes first
            # A run whose worker died (still "running", its lease run out) resumes at its
            # checkpoint, scheduled or not; so does a failed run whose retry has come.
            interrupted = running
            retrying = retry_at is not None
            schedule = Schedule.of(integration.system_settings or {})
            scheduled = schedule is not None and schedule.due(
                last=state.finished_at if state is not None else None,
                created=integration.created_at,
                now=now,
            )
            if requested or scheduled or interrupted or retrying:
                due.append(integration.integration_id)
        return due


def request_pull(session: Session, integration: Integration, now: datetime) -> dict[str, Any]:
    """Ask for a pull as soon as a worker is free (``POST /integrations/{id}/sync``), in the
    caller's transaction."""
    state = session.get(PullState, integration.integration_id)
    if state is None:
        state = PullState(integration_id=integration.integration_id, status="idle", runs=0)
        session.add(state)
    state.requested_at = now
    state.failures = 0  # someone asked: the retries start over if this run fails too
    session.flush()
    return describe(state, integration)


def next_run(state: PullState, integration: Integration) -> datetime | None:
    """When the next pull starts by itself: one asked for, a retry, or the schedule's next
    time (in the past when it is overdue); None while one runs, or with nothing to start one."""
    if state.status == "running":
        return None
    if state.requested_at is not None:
        return state.requested_at
    if state.retry_at is not None:
        return state.retry_at  # the schedule waits for it too
    schedule = Schedule.of(integration.system_settings or {})
    if schedule is None:
        return None
    if state.finished_at is None:
        return (
            integration.created_at
            if schedule.every
            else schedule.next_after(integration.created_at)
        )
    return schedule.next_after(state.finished_at)


def describe(state: PullState, integration: Integration) -> dict[str, Any]:
    return {
        "integrationId": state.integration_id,
        "status": state.status,
        "requestedAt": iso(state.requested_at),
        "startedAt": iso(state.started_at),
        "finishedAt": iso(state.finished_at),
        "runs": state.runs or 0,
        "recordsLastRun": state.records_last_run or 0,
        "lastError": state.last_error,
        "failures": state.failures or 0,
        "retryAt": iso(state.retry_at),
        "nextRunAt": iso(next_run(state, integration)),
        "checkpoint": state.checkpoint,
    }
