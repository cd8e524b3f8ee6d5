"""What every destination driver shares: the delivery it is handed and the result it answers,
one vendor client per integration per batch, and the outbound mapping of a record (the
integration's ``publishTemplate`` or the system's default) into a vendor's body."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from crossdock.connectors.http.retry import WORKER_RETRY
from crossdock.connectors.http.tokens import TokenCipher, TokenStore
from crossdock.mapping.cml import Program

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
    # Which claim of the job this is (its ``attempts`` once claimed): only that claim may
    # complete it, not an earlier one whose lease ran out while it was still sending.
    attempt: int
    # Set when an earlier delivery of this job was sent and not acknowledged: the job's queuing
    # time, before which none of its writes can have landed. Vendors without idempotency keys
    # look for what landed since then.
    landed_since: datetime | None = None
    # The bodies an earlier attempt sent under keys derived from this delivery's, by name, when
    # its answer never came: they may have landed, so they go again as they were (a vendor
    # refuses a key it knows with another body) even if a template changed since.
    resend: Mapping[str, Any] | None = None
    # What this attempt sends under such keys, kept by the engine if its answer is lost.
    sent: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryResult:
    external_id: str | None
    response: Any


class Destination(Protocol):
    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        """Bring the change to the destination; raise ``crossdock.errors`` types on failure
        (``RetryLater`` to be tried again with backoff; anything else parks the job)."""
        ...

    async def aclose(self) -> None:
        """Close the vendor clients this destination opened."""
        ...


class Clients:
    """One vendor client per integration for the life of a destination (a batch of
    deliveries): opening a client costs milliseconds (TLS context, pool), a request far less.
    Clients retry with ``WORKER_RETRY``. ``tokens`` and ``cipher`` are the deployment's shared
    token store, so vendors that log in (CareCloud, Cropster, another hub) see one login per
    token's life, not one per batch."""

    def __init__(self, *, tokens: TokenStore | None = None, cipher: TokenCipher | None = None):
        self._clients: dict[str, Any] = {}
        self.tokens, self.cipher = tokens, cipher

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        raise NotImplementedError  # each system's driver delivers

    def client(self, delivery: Delivery, factory: Any, **extra: Any) -> Any:
        client = self._clients.get(delivery.integration_id)
        if client is None:
            client = self._clients[delivery.integration_id] = factory(
                delivery.settings, retry=WORKER_RETRY, **extra
            )
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


def outbound_mapping(
    system_id: str, sync_type: str, action: str, settings: Mapping[str, Any]
) -> Program:
    """The integration's ``publishTemplate`` or the system's default for ``action``, with its
    ``publishOverwrites`` layered on top."""
    from crossdock.mapping.defaults import integration_mapping

    return integration_mapping(system_id, sync_type, "out", action, settings)


def keyed_body(delivery: Delivery, name: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The body of the write ``name`` sent under a key derived from the delivery's: the one an
    earlier attempt sent, if its answer was lost, else ``make()``; recorded as sent."""
    earlier = (delivery.resend or {}).get(name)
    body: dict[str, Any] = earlier if isinstance(earlier, dict) else make()
    delivery.sent[name] = body
    return body


def record_of(delivery: Delivery) -> dict[str, Any]:
    """What an outbound template maps: the record's single row as the destination sees it."""
    rows = (delivery.payload or {}).get("data") or [{}]
    return dict(rows[0])


def map_out(
    delivery: Delivery,
    system_id: str,
    action: str,
    *,
    source: dict[str, Any] | None = None,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload for ``action``: ``source`` (default: the record's single row) mapped by the
    outbound template, with the integration's ``mappingVariables`` and ``variables``."""
    program = outbound_mapping(system_id, delivery.sync_type, action, delivery.settings)
    return program.apply(
        record_of(delivery) if source is None else source,
        variables={**(delivery.settings.get("mappingVariables") or {}), **(variables or {})},
    )
