"""Destinations: how a publish job's payload reaches a system.

A ``Destination`` delivers one create, update or delete and answers the destination's id for
the record and its response. ``deliveries`` carry a deterministic idempotency key, so a
delivery retried after a crash lands once: destinations pass it to vendors that take one and
check by the stored link or a natural key where they do not.

The built-in ``api`` system is a destination read back through the API: delivering stores the
payload, which the merchant's own system reads with ``GET /publish``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from crossdock.errors import FixRequest
from crossdock.mapping.cml import CmlError, Program, compile_template

Action = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Delivery:
    job_id: int
    integration_id: str
    system_id: str
    sync_type: str
    cresco_id: str
    version: int
    action: Action
    payload: dict[str, Any] | None
    external_id: str | None
    idempotency_key: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class DeliveryResult:
    external_id: str | None
    response: Any


class Destination(Protocol):
    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        """Bring the change to the destination; raise ``crossdock.errors`` types on failure
        (``RetryLater`` to be tried again with backoff; anything else parks the job)."""
        ...


class ApiDestination:
    """Records published to an ``api`` integration are kept for the merchant to read."""

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        return DeliveryResult(
            external_id=delivery.cresco_id,
            response={"stored": True, "action": delivery.action},
        )


def outbound_mapping(
    system_id: str, sync_type: str, action: str, settings: Mapping[str, Any]
) -> Program:
    """The integration's ``publishTemplate`` or the system's default for ``action``, with its
    ``publishOverwrites`` layered on top."""
    from crossdock.mapping.defaults import default_template

    template = settings.get("publishTemplate") or default_template(
        system_id, sync_type, "out", action
    )
    if not template:
        raise FixRequest(
            f"No mapping from {sync_type} to {system_id}'s {action}: set publishTemplate in the "
            "integration's systemSettings.",
            field="systemSettings.publishTemplate",
        )
    try:
        return compile_template(template, list(settings.get("publishOverwrites") or []))
    except CmlError as exc:
        raise FixRequest(
            f"The publish template is not valid: {exc}", field="publishTemplate"
        ) from exc


def record_of(delivery: Delivery) -> dict[str, Any]:
    """What an outbound template maps: the record's single row as the destination sees it."""
    rows = (delivery.payload or {}).get("data") or [{}]
    return dict(rows[0])


class CroCustomers:
    """Customers to CRO Software: create (``POST /locations/{id}/customers``), update the
    name (the fields CRO lets ``PATCH`` change), and deactivate for a deletion."""

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        from crossdock.connectors.cro.actions import (
            create_customer,
            deactivate_customer,
            update_customer,
        )
        from crossdock.connectors.cro.client import CroClient

        async with CroClient(delivery.settings) as client:
            if delivery.action == "delete":
                row = await deactivate_customer(client, int(delivery.external_id or 0))
                return DeliveryResult(delivery.external_id, row)
            body = outbound_mapping(
                "cro", delivery.sync_type, "create_customer", delivery.settings
            ).apply(record_of(delivery))
            if delivery.action == "update" and delivery.external_id:
                changes = {key: body[key] for key in ("name",) if key in body}
                changes["is_active"] = True
                row = await update_customer(client, int(delivery.external_id), changes)
                return DeliveryResult(delivery.external_id, row)
            created = await create_customer(client, body)
            return DeliveryResult(str(created.get("id", created.get("customer_id"))), created)


def destination_for(system_id: str, sync_type: str = "") -> Destination | None:
    """The destination driver of a system and sync type, or None while none is built."""
    if system_id == "api":
        return ApiDestination()
    if (system_id, sync_type) == ("cro", "customers"):
        return CroCustomers()
    return None
