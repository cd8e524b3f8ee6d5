"""Pulling: a source integration's new and changed records, page by page, into the pipeline.

Each page's records are accepted as pending items in the same transaction as the page's
checkpoint, so a pull that dies resumes after the last page it stored: nothing lost, and the
items of a page are stored once (their request id is derived from the run and page, and the
pipeline makes an identical re-send a no-op). A lease keeps one pull per integration at a time
across any number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossdock.connectors.http import Checkpoint, Record
from crossdock.errors import CrossdockError
from crossdock.hub import Hub
from crossdock.schedule import Schedule
from crossdock.store.base import iso
from crossdock.store.pulls import PullState
from crossdock.store.tables import Integration
from crossdock.sync.ingest import BatchItem, accept_batch
from crossdock.sync.sources import MappingFailed, Source, open_source


@dataclass(frozen=True)
class PullOutcome:
    integration_id: str
    status: str  # "done", "failed", "busy" (another pull holds the lease)
    records: int = 0
    error: str | None = None


def _claim(hub: Hub, integration_id: str, now: datetime) -> tuple[Integration, PullState] | None:
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
        state.requested_at, state.runs = None, (state.runs or 0) + 1
        session.flush()
        session.expunge_all()
        return integration, state


async def pull(
    hub: Hub, integration_id: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> PullOutcome:
    """One run of one source integration, from its checkpoint (or ``minFromDate``)."""
    claimed = _claim(hub, integration_id, hub.clock())
    if claimed is None:
        return PullOutcome(integration_id, "busy")
    integration, state = claimed
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
        _finish(hub, integration_id, "failed", 0, exc.detail)
        return PullOutcome(integration_id, "failed", error=exc.detail)
    try:
        async for page in source.stream.pages(since):
            items = [item(source, record) for record in page.records]
            _store_page(hub, integration_id, state.runs, page_number, items, page.checkpoint)
            count += len(items)
            page_number += 1
    except CrossdockError as exc:
        _finish(hub, integration_id, "failed", count, exc.detail)
        return PullOutcome(integration_id, "failed", count, exc.detail)
    finally:
        await source.close()
    _finish(hub, integration_id, "idle", count, None)
    return PullOutcome(integration_id, "done", count)


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
        state = session.get(PullState, integration_id)
        if integration is None or state is None:
            raise CrossdockError("The integration was deleted during its pull.")
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


def _finish(hub: Hub, integration_id: str, status: str, count: int, error: str | None) -> None:
    with hub.transaction() as session:
        state = session.get(PullState, integration_id)
        if state is not None:
            state.status, state.finished_at = status, hub.clock()
            state.records_last_run, state.last_error, state.lease_until = count, error, None


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
            # A run whose worker died (still "running", its lease run out) resumes at its
            # checkpoint, scheduled or not.
            interrupted = running
            schedule = Schedule.of(integration.system_settings or {})
            scheduled = schedule is not None and schedule.due(
                last=state.finished_at if state is not None else None,
                created=integration.created_at,
                now=now,
            )
            if requested or scheduled or interrupted:
                due.append(integration.integration_id)
        return due


def request_pull(session: Session, integration_id: str, now: datetime) -> dict[str, Any]:
    """Ask for a pull as soon as a worker is free (``POST /integrations/{id}/sync``), in the
    caller's transaction."""
    state = session.get(PullState, integration_id)
    if state is None:
        state = PullState(integration_id=integration_id, status="idle", runs=0)
        session.add(state)
    state.requested_at = now
    session.flush()
    return describe(state)


def describe(state: PullState) -> dict[str, Any]:
    return {
        "integrationId": state.integration_id,
        "status": state.status,
        "requestedAt": iso(state.requested_at),
        "startedAt": iso(state.started_at),
        "finishedAt": iso(state.finished_at),
        "runs": state.runs or 0,
        "recordsLastRun": state.records_last_run or 0,
        "lastError": state.last_error,
        "checkpoint": state.checkpoint,
    }
