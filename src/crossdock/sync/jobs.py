"""The bodies of the hub's background jobs, whichever queue runs them: ingesting accepted
records and publishing due changes. Each takes what is due in the database, the truth."""

from __future__ import annotations

import asyncio
import functools
from datetime import timedelta

from crossdock.hub import Hub
from crossdock.sync.destinations import destination_for
from crossdock.sync.ingest import process_pending
from crossdock.sync.publish import claim, complete, deliver_all
from crossdock.sync.publish import holders as claim_holders
from crossdock.sync.publish import release as release_claims
from crossdock.sync.pull import due_pulls, pull
from crossdock.sync.pull import holders as pull_holders
from crossdock.sync.pull import release as release_pulls


def ingest(hub: Hub, *, chunk: int = 500) -> int:
    """Process pending items until none is left; returns how many were processed."""
    total = 0
    while done := ingest_chunk(hub, chunk=chunk):
        total += done
    return total


def ingest_chunk(hub: Hub, *, chunk: int = 500) -> int:
    """One chunk of pending items (workers that share the work take a chunk at a time)."""
    with hub.transaction() as session:
        return process_pending(session, now=hub.clock(), limit=chunk)


def publish_chunk(hub: Hub, *, chunk: int = 100, holder: str | None = None) -> int:
    """One round of due publish jobs: claim, deliver, complete. ``holder`` names the queue
    job doing it (see ``release``)."""
    with hub.transaction() as session:
        deliveries = claim(
            session,
            hub.secrets,
            hub.clock(),
            chunk,
            lease=timedelta(seconds=hub.settings.publish_lease_seconds),
            holder=holder,
        )
    if not deliveries:
        return 0
    outcomes = asyncio.run(
        deliver_all(
            deliveries,
            resolve=functools.partial(
                destination_for, tokens=hub.token_store, cipher=hub.token_cipher
            ),
        )
    )
    with hub.transaction() as session:
        complete(session, outcomes, hub.clock())
    return len(deliveries)


def publish_due(hub: Hub, *, chunk: int = 100, holder: str | None = None) -> int:
    """Deliver due publish jobs until none is left; no transaction stays open while a
    destination is called. Returns how many deliveries were attempted."""
    total = 0
    while done := publish_chunk(hub, chunk=chunk, holder=holder):
        total += done
    return total


def pull_due(hub: Hub, *, holder: str | None = None) -> int:
    """Run every pull that is due (asked for, or on its schedule); returns how many ran."""
    ran = 0
    for integration_id in due_pulls(hub):
        outcome = asyncio.run(pull(hub, integration_id, holder=holder))
        ran += outcome.status != "busy"
    return ran


def drain(hub: Hub, *, chunk: int = 500, holder: str | None = None) -> int:
    """Pull, ingest and publish until nothing is due; returns how much work was done.
    ``holder`` names the worker, for what it holds in the database (see ``release``)."""
    total = 0
    while done := (
        pull_due(hub, holder=holder) + ingest(hub, chunk=chunk) + publish_due(hub, holder=holder)
    ):
        total += done
    return total


def holders(hub: Hub) -> set[str]:
    """Who holds something now: running pulls' and sending publish jobs' holders."""
    with hub.transaction() as session:
        return pull_holders(session) | claim_holders(session)


def release(hub: Hub, holder: str) -> tuple[list[str], int]:
    """Give back what the queue job ``holder`` held, its worker being known to be gone: the
    leases of its pulls (released integrations) and its publish claims (how many)."""
    pulls = release_pulls(hub, holder)
    with hub.transaction() as session:
        jobs = release_claims(session, holder, hub.clock())
    return pulls, jobs
