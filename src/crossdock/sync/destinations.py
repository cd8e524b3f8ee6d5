"""Destinations: how a publish job's payload reaches a system.

A ``Destination`` delivers one create, update or delete and answers the destination's id for
the record and its response. ``deliveries`` carry a deterministic idempotency key, so a
delivery retried after a crash lands once: destinations pass it to vendors that take one and
check by the stored link or a natural key where they do not.

The built-in ``api`` system is a destination read back through the API: delivering stores the
payload, which the merchant's own system reads with ``GET /publish``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

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


def destination_for(system_id: str) -> Destination | None:
    """The destination driver of a system, or None while its connector cannot publish yet."""
    return {"api": ApiDestination()}.get(system_id)
