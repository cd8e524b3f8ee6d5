"""Publishing: master record versions to destination integrations, through an outbox.

``enqueue`` runs in the transaction that writes record versions: one ``publish_jobs`` row per
new version and matching active destination (``update: true``, same company and sync type),
unless the record's ``publish`` attribute, with the destination's overwrites, says no.

``publish_due`` delivers due jobs in three steps so no transaction stays open while a vendor
is called: claim (pending to ``sending``, newest version of each record only, one record at a
time per destination so changes arrive in order), deliver, complete. A worker that dies while
``sending`` leaves its jobs to be reclaimed after ``lease`` and delivered again with the same
idempotency key, so the destination still gets each change once.

A create that was sent but never acknowledged (handed back to be tried again, or reclaimed
after a crash) may have landed under its version's key. A newer version would go as a create
under another key and could write the record twice, so the sent create is delivered again
first, as it was, and newer versions wait for it; they follow as updates.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from crossdock.connectors.http.retry import retry_after_of
from crossdock.crypto import SecretBox
from crossdock.errors import CrossdockError, FixRequest, RetryLater
from crossdock.mapping.cml import CmlError
from crossdock.records.merge import apply_overwrites
from crossdock.store.base import rows_in, table_of
from crossdock.store.publish import ChannelPayload, DestinationLink, PublishJob
from crossdock.store.records import MasterRecord, MasterVersion, SystemResult
from crossdock.store.tables import Integration
from crossdock.sync.destinations import Delivery, DeliveryResult, Destination, destination_for

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)
# Deliveries in flight per destination integration: the connectors' connection pool size, so
# requests wait here rather than in httpcore's queue, which it scans on every change.
IN_FLIGHT = 10


def destinations_of(
    session: Session, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Active destinations per (company, sync type): [(integration id, system id)]."""
    wanted = sorted(set(pairs))
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    if not wanted:
        return found
    rows = session.execute(
        select(
            Integration.company_id,
            Integration.sync_type,
            Integration.integration_id,
            Integration.system_id,
        ).where(
            Integration.active.is_(True),
            Integration.update.is_(True),
            rows_in((Integration.company_id, Integration.sync_type), wanted),
        )
    )
    for company_id, sync_type, integration_id, system_id in rows:
        found.setdefault((company_id, sync_type), []).append((integration_id, system_id))
    return found


def wants_publish(data: Sequence[dict[str, Any]], system_id: str, integration_id: str) -> bool:
    """False only when every row, as this destination sees it, says ``publish: false``."""
    return not data or any(
        apply_overwrites(row, system_id, integration_id).get("publish", True) is not False
        for row in data
    )


def enqueue(session: Session, records: Sequence[Mapping[str, Any]], now: datetime) -> int:
    """Publish jobs for new versions of ``records`` (master record rows), in the caller's
    transaction. A record never goes back to the integration it came from."""
    destinations = destinations_of(session, ((r["company_id"], r["sync_type"]) for r in records))
    jobs = [
        {
            "integration_id": integration_id,
            "cresco_id": record["cresco_id"],
            "version": record["version"],
            "sync_type": record["sync_type"],
            "company_id": record["company_id"],
            "agency_id": record["agency_id"],
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for record in records
        for integration_id, system_id in destinations.get(
            (record["company_id"], record["sync_type"]), ()
        )
        if integration_id != record["integration_id"]
        and (record["deleted"] or wants_publish(record["data"], system_id, integration_id))
    ]
    if jobs:
        session.execute(insert(table_of(PublishJob)), jobs)
    return len(jobs)


def idempotency_key(integration_id: str, cresco_id: str, version: int) -> str:
    """The same for every attempt at one version: what lets a retried delivery land once."""
    digest = hashlib.sha256(f"{integration_id}:{cresco_id}:{version}".encode()).hexdigest()
    return f"crossdock-{digest[:40]}"


def payload_for(record: Mapping[str, Any], system_id: str, integration_id: str) -> dict[str, Any]:
    """The master record's envelope as the destination sees it (its overwrites applied)."""
    return {
        "crescoId": record["cresco_id"],
        "companyId": record["company_id"],
        "agencyId": record["agency_id"],
        "systemId": record["system_id"],
        "requestId": record["request_id"],
        "objectId": record["object_id"],
        "syncType": record["sync_type"],
        "version": record["version"],
        "updatedAt": record["updated_at"].isoformat(),
        "data": [apply_overwrites(row, system_id, integration_id) for row in record["data"]],
    }


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    result: DeliveryResult | None = None
    error: CrossdockError | None = None


def claim(
    session: Session,
    secrets: SecretBox,
    now: datetime,
    limit: int,
    lease: timedelta = LEASE,
    holder: str | None = None,
) -> list[Delivery]:
    """Take due jobs: reclaim expired leases, supersede old versions, mark the rest sending
    (claimed by ``holder``, the queue job taking them; see ``release``)."""
    jobs = table_of(PublishJob)
    session.execute(
        update(jobs)
        .where(jobs.c.status == "sending", jobs.c.claimed_at < now - lease)
        .values(status="pending", claimed_by=None, updated_at=now)
    )
    query = (
        select(jobs)
        .where(jobs.c.status == "pending", jobs.c.next_attempt_at <= now)
        # The due index's order: the first ``limit`` rows are read, not every due job sorted.
        # A record's versions still go in order: an older version is superseded, never sent
        # after a newer one (below).
        .order_by(jobs.c.next_attempt_at, jobs.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = [dict(row) for row in session.execute(query).mappings()]
    if not due:
        return []
    pairs = sorted({(job["integration_id"], job["cresco_id"]) for job in due})
    busy = {
        (row.integration_id, row.cresco_id)
        for row in session.execute(
            select(jobs.c.integration_id, jobs.c.cresco_id).where(
                jobs.c.status == "sending",
                rows_in((jobs.c.integration_id, jobs.c.cresco_id), pairs),
            )
        )
    }
    links = {
        (row.integration_id, row.cresco_id): row
        for row in session.scalars(
            select(DestinationLink).where(
                rows_in((DestinationLink.integration_id, DestinationLink.cresco_id), pairs)
            )
        )
    }
    unsent = [pair for pair in pairs if pair not in links or links[pair].deleted]
    held = _unacknowledged_creates(session, unsent)
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    superseded: list[int] = []
    for job in due:
        pair = (job["integration_id"], job["cresco_id"])
        if pair in busy:
            continue  # an earlier version is on its way; this one waits its turn
        if pair in held and job["version"] != held[pair]["version"]:
            if job["version"] < held[pair]["version"]:
                superseded.append(job["id"])
            elif held[pair]["next_attempt_at"] > now:
                # Waits for the create that may have landed, and is not due before it.
                session.execute(
                    update(jobs)
                    .where(jobs.c.id == job["id"])
                    .values(next_attempt_at=held[pair]["next_attempt_at"], updated_at=now)
                )
            continue
        if pair in newest:
            superseded.append(newest[pair]["id"])
        newest[pair] = job
    masters = {
        row["cresco_id"]: dict(row)
        for row in session.execute(
            select(table_of(MasterRecord)).where(
                table_of(MasterRecord).c.cresco_id.in_(sorted({p[1] for p in newest}))
            )
        ).mappings()
    }
    integrations = {
        row.integration_id: row
        for row in session.scalars(
            select(Integration).where(
                Integration.integration_id.in_(sorted({p[0] for p in newest}))
            )
        )
    }
    sent_versions = _versions(
        session, [(p[1], h["version"]) for p, h in held.items() if p in newest]
    )
    deliveries: list[Delivery] = []
    skipped: list[int] = []
    for pair, job in newest.items():
        master = masters.get(job["cresco_id"])
        integration = integrations.get(job["integration_id"])
        if master is None or integration is None or not integration.active:
            skipped.append(job["id"])
            continue
        sent = sent_versions.get((job["cresco_id"], job["version"]))
        if sent is not None and master["version"] > job["version"]:
            master = {**master, **sent}  # the create as it was sent, under its own key
        elif master["version"] > job["version"]:
            superseded.append(job["id"])  # a newer version's job follows
            continue
        link = links.get(pair)
        if master["deleted"]:
            if link is None or link.deleted:
                skipped.append(job["id"])  # never published there: nothing to delete
                continue
            action, payload = "delete", None
        else:
            action = "update" if link is not None and not link.deleted else "create"
            payload = payload_for(master, integration.system_id, integration.integration_id)
        deliveries.append(
            Delivery(
                job_id=job["id"],
                integration_id=integration.integration_id,
                system_id=integration.system_id,
                sync_type=job["sync_type"],
                cresco_id=job["cresco_id"],
                version=job["version"],
                action=action,  # type: ignore[arg-type]
                payload=payload,
                external_id=link.external_id if link is not None else None,
                idempotency_key=idempotency_key(pair[0], pair[1], job["version"]),
                settings=secrets.open(integration.system_settings or {}),
                attempt=job["attempts"] + 1,
                landed_since=job["created_at"] if job["attempts"] > 0 else None,
                resend=job["sent_bodies"],
            )
        )
    for ids, status in ((superseded, "superseded"), (skipped, "skipped")):
        if ids:
            session.execute(
                update(jobs).where(jobs.c.id.in_(ids)).values(status=status, updated_at=now)
            )
    if deliveries:
        session.execute(
            update(jobs)
            .where(jobs.c.id.in_([d.job_id for d in deliveries]))
            .values(
                status="sending",
                claimed_at=now,
                claimed_by=holder,
                attempts=jobs.c.attempts + 1,
                updated_at=now,
            )
        )
    return deliveries


def holders(session: Session) -> set[str]:
    """The holders of publish jobs being sent."""
    jobs = table_of(PublishJob)
    return set(
        session.scalars(
            select(jobs.c.claimed_by)
            .where(jobs.c.status == "sending", jobs.c.claimed_by.is_not(None))
            .distinct()
        )
    )


def release(session: Session, holder: str, now: datetime) -> int:
    """Hand back the jobs ``holder`` claimed, because its worker is known to be gone: they are
    delivered again, under the same idempotency keys, now rather than when the lease runs out.
    Returns how many."""
    jobs = table_of(PublishJob)
    released = session.execute(
        update(jobs)
        .where(jobs.c.status == "sending", jobs.c.claimed_by == holder)
        .values(status="pending", claimed_by=None, updated_at=now)
    )
    return int(released.rowcount)  # type: ignore[attr-defined]


def _unacknowledged_creates(
    session: Session, unsent: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """(integration, record) pairs without a live link whose create was sent and waits to be
    sent again: that job's ``version`` and ``next_attempt_at``."""
    if not unsent:
        return {}
    jobs = table_of(PublishJob)
    # By record only (the record index); the status filter in SQL would have SQLite read every
    # pending job through the status index instead.
    rows = session.execute(
        select(
            jobs.c.integration_id,
            jobs.c.cresco_id,
            jobs.c.version,
            jobs.c.next_attempt_at,
            jobs.c.status,
            jobs.c.attempts,
        )
        .where(rows_in((jobs.c.integration_id, jobs.c.cresco_id), unsent))
        .order_by(jobs.c.version.desc())
    ).mappings()
    # The earliest version sent wins: rows come newest first, so it is written last.
    return {
        (row["integration_id"], row["cresco_id"]): {
            "version": row["version"],
            "next_attempt_at": row["next_attempt_at"],
        }
        for row in rows
        if row["status"] == "pending" and row["attempts"] > 0
    }


def _versions(
    session: Session, wanted: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """Earlier versions of master records, as the fields ``payload_for`` reads."""
    if not wanted:
        return {}
    versions = table_of(MasterVersion)
    rows = session.execute(
        select(versions).where(rows_in((versions.c.cresco_id, versions.c.version), wanted))
    ).mappings()
    return {
        (row["cresco_id"], row["version"]): {
            "version": row["version"],
            "request_id": row["request_id"],
            "object_id": row["object_id"],
            "deleted": row["deleted"],
            "data": row["data"],
            "updated_at": row["at"],
        }
        for row in rows
    }


async def deliver_all(
    deliveries: Sequence[Delivery], resolve: Any = destination_for
) -> list[Outcome]:
    """Deliver concurrently across destinations; each delivery's failure is its own. One
    destination per system and sync type serves the batch, so its vendor clients are opened
    once per integration and closed at the end."""
    destinations: dict[tuple[str, str], Destination | None] = {}
    for delivery in deliveries:
        kind = (delivery.system_id, delivery.sync_type)
        if kind not in destinations:
            destinations[kind] = resolve(*kind)

    gates: dict[str, asyncio.Semaphore] = {}

    async def one(delivery: Delivery) -> Outcome:
        gate = gates.setdefault(delivery.integration_id, asyncio.Semaphore(IN_FLIGHT))
        async with gate:
            return await send(delivery)

    async def send(delivery: Delivery) -> Outcome:
        destination = destinations[(delivery.system_id, delivery.sync_type)]
        if destination is None:
            error = CrossdockError(
                f"Publishing to {delivery.system_id} is not built yet; the job is parked "
                "and can be retried once it is."
            )
            return Outcome(delivery, error=error)
        try:
            return Outcome(delivery, result=await destination.deliver(delivery))
        except CrossdockError as exc:
            return Outcome(delivery, error=exc)
        except CmlError as exc:
            return Outcome(delivery, error=FixRequest(f"The record could not be mapped: {exc}"))

    try:
        return list(await asyncio.gather(*(one(d) for d in deliveries)))
    finally:
        for destination in destinations.values():
            if destination is not None:
                await destination.aclose()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts * 5, 3600))


def complete(session: Session, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Record what each destination answered: payloads, links, system results, job states.

    Set-wise: a batch's jobs and links are read in one query each and its rows written in a
    few statements, so completing costs about the same for 1 delivery as for 100."""
    if not outcomes:
        return
    jobs = table_of(PublishJob)
    claimed = {
        row.id: row
        for row in session.execute(
            select(jobs.c.id, jobs.c.status, jobs.c.attempts, jobs.c.company_id, jobs.c.agency_id)
            .where(jobs.c.id.in_([o.delivery.job_id for o in outcomes]))
            .with_for_update()
        )
    }
    results: list[dict[str, Any]] = []
    delivered: list[Outcome] = []
    for outcome in outcomes:
        d = outcome.delivery
        job = claimed.get(d.job_id)
        if job is None or job.status != "sending" or job.attempts != d.attempt:
            continue  # reclaimed after an expired lease (and maybe claimed again since)
        owner = {"company_id": job.company_id, "agency_id": job.agency_id}
        if outcome.error is None:
            assert outcome.result is not None
            delivered.append(outcome)
            status = d.action + "d" if d.action != "delete" else "deleted"
            results.append(_result(d, owner, status, now, response=outcome.result.response))
            continue
        retry = isinstance(outcome.error, RetryLater) and job.attempts < MAX_ATTEMPTS
        values: dict[str, Any] = {
            "status": "pending" if retry else "failed",
            "last_error": outcome.error.detail,
            "claimed_at": None,
            "claimed_by": None,
            "updated_at": now,
        }
        if d.sent and isinstance(outcome.error, RetryLater):
            # Sent under the delivery's keys and not answered for sure (a lost answer, a 5xx):
            # they may have landed, so a later attempt, a user's retry included, sends the same
            # bodies under those keys. A refusal keeps nothing: the vendor acted on none.
            values["sent_bodies"] = d.sent
        if retry:
            # A vendor's Retry-After beyond what the client waits out in a request (a storm, a
            # monthly quota) comes back with the error: the job waits at least that long.
            asked = retry_after_of(outcome.error)
            wait = backoff(job.attempts)
            if asked is not None:
                wait = max(wait, timedelta(seconds=asked))
            values["next_attempt_at"] = now + wait
        session.execute(update(jobs).where(jobs.c.id == d.job_id).values(**values))
        errors = [{"field": outcome.error.field or "", "detail": outcome.error.detail}]
        results.append(_result(d, owner, "retrying" if retry else "failed", now, errors=errors))
    if delivered:
        _record_deliveries(session, delivered, claimed, now)
    if results:
        session.execute(insert(table_of(SystemResult)), results)


def _record_deliveries(
    session: Session, delivered: Sequence[Outcome], claimed: Mapping[int, Any], now: datetime
) -> None:
    """The current payload, the link to the destination's id and the done state of each
    delivered job."""
    payloads = table_of(ChannelPayload)
    pairs = sorted({(o.delivery.integration_id, o.delivery.cresco_id) for o in delivered})
    session.execute(
        update(payloads)
        .where(
            payloads.c.current.is_(True),
            rows_in((payloads.c.integration_id, payloads.c.cresco_id), pairs),
        )
        .values(current=False)
    )
    session.execute(
        insert(payloads),
        [
            {
                "integration_id": o.delivery.integration_id,
                "cresco_id": o.delivery.cresco_id,
                "version": o.delivery.version,
                "company_id": claimed[o.delivery.job_id].company_id,
                "agency_id": claimed[o.delivery.job_id].agency_id,
                "sync_type": o.delivery.sync_type,
                "system_id": o.delivery.system_id,
                "action": o.delivery.action,
                "payload": o.delivery.payload,
                "current": True,
                "at": now,
            }
            for o in delivered
        ],
    )
    links = {
        (row.integration_id, row.cresco_id): row
        for row in session.scalars(
            select(DestinationLink).where(
                rows_in((DestinationLink.integration_id, DestinationLink.cresco_id), pairs)
            )
        )
    }
    for outcome in delivered:
        d = outcome.delivery
        assert outcome.result is not None
        link = links.get((d.integration_id, d.cresco_id))
        if link is None:
            link = DestinationLink(integration_id=d.integration_id, cresco_id=d.cresco_id)
            session.add(link)
        link.external_id = outcome.result.external_id or link.external_id
        link.sent_version = d.version
        link.deleted = d.action == "delete"
        link.updated_at = now
    jobs = table_of(PublishJob)
    session.execute(
        update(jobs)
        .where(jobs.c.id.in_([o.delivery.job_id for o in delivered]))
        .values(
            status="done",
            claimed_at=None,
            claimed_by=None,
            last_error=None,
            sent_bodies=None,
            updated_at=now,
        )
    )


def _result(
    delivery: Delivery,
    owner: Mapping[str, str],
    status: str,
    now: datetime,
    *,
    errors: list[dict[str, str]] | None = None,
    response: Any = None,
) -> dict[str, Any]:
    """A system results row for one delivery's answer."""
    return {
        "cresco_id": delivery.cresco_id,
        "integration_id": delivery.integration_id,
        "company_id": owner["company_id"],
        "agency_id": owner["agency_id"],
        "sync_type": delivery.sync_type,
        "request_id": delivery.idempotency_key,
        "object_id": delivery.cresco_id,
        "direction": "destination",
        "status": status,
        "errors": errors,
        "response": response,
        "at": now,
    }
