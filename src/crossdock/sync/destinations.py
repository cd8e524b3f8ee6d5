"""Destinations: how a publish job's payload reaches a system.

A ``Destination`` delivers one create, update or delete and answers the destination's id for
the record and its response. ``deliveries`` carry a deterministic idempotency key, so a
delivery retried after a crash lands once: destinations pass it to vendors that take one and
check by the stored link or a natural key where they do not.

The built-in ``api`` system is a destination read back through the API: delivering stores the
payload, which the merchant's own system reads with ``GET /publish``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from crossdock.connectors.http.retry import WORKER_RETRY
from crossdock.errors import FixRequest
from crossdock.mapping.cml import CmlError, Program, compile_template
from crossdock.records.schemas import SYNC_TYPES

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
    Clients retry with ``WORKER_RETRY``."""

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}

    def client(self, delivery: Delivery, factory: Any) -> Any:
        client = self._clients.get(delivery.integration_id)
        if client is None:
            client = self._clients[delivery.integration_id] = factory(
                delivery.settings, retry=WORKER_RETRY
            )
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


class ApiDestination(Clients):
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


class CroCustomers(Clients):
    """Customers to CRO Software: create (``POST /locations/{id}/customers``), update the
    name (the fields CRO lets ``PATCH`` change), and deactivate for a deletion."""

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        from crossdock.connectors.cro.actions import (
            create_customer,
            deactivate_customer,
            update_customer,
        )
        from crossdock.connectors.cro.client import CroClient

        client = self.client(delivery, CroClient)
        if delivery.action == "delete":
            row = await deactivate_customer(client, int(delivery.external_id or 0))
            return DeliveryResult(delivery.external_id, row)
        body = map_out(delivery, "cro", "create_customer")
        if delivery.action == "update" and delivery.external_id:
            changes = {key: body[key] for key in ("name",) if key in body}
            changes["is_active"] = True
            row = await update_customer(client, int(delivery.external_id), changes)
            return DeliveryResult(delivery.external_id, row)
        since = delivery.landed_since
        created = await create_customer(
            client, body, landed_since=None if since is None else since.timestamp()
        )
        return DeliveryResult(str(created.get("id", created.get("customer_id"))), created)


class CareCloudCustomers(Clients):
    """Customers to CareCloud: create (``POST /customers``) and update the customer's
    ``personal_information``. CareCloud's API cannot delete or deactivate a customer, so a
    deletion is parked with that reason. A create delivered again after an unacknowledged one
    answers the customer that one created, found by its email or, without one, by its customer
    source record (``landed_since``)."""

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        from crossdock.connectors.carecloud.actions import (
            UPDATABLE,
            create_customer,
            update_customer,
        )
        from crossdock.connectors.carecloud.client import CareCloudClient

        if delivery.action == "delete":
            raise FixRequest(
                "CareCloud's API offers no way to delete or deactivate a customer; change its "
                "state in CareCloud.",
                field="action",
            )
        body = map_out(delivery, "carecloud", "create_customer")
        client = self.client(delivery, CareCloudClient)
        if delivery.action == "update" and delivery.external_id:
            info = (body.get("customer") or {}).get("personal_information") or {}
            changes = {key: value for key, value in info.items() if key in UPDATABLE}
            updated = await update_customer(client, delivery.external_id, changes)
            return DeliveryResult(delivery.external_id, updated)
        since = delivery.landed_since
        customer_id = await create_customer(
            client, body, landed_since=None if since is None else since.timestamp()
        )
        return DeliveryResult(customer_id, {"customer_id": customer_id})


class CropsterLots(Clients):
    """Stock and products to Cropster green lots: ``importGreenLot`` keyed by ``externalId``
    (creates or updates, safe to repeat); a deletion sets the lot's weight to 0 (consumed)."""

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        from crossdock.connectors.cropster.actions import import_green_lot, set_green_lot_weight
        from crossdock.connectors.cropster.client import CropsterClient

        client = self.client(delivery, CropsterClient)
        if delivery.action == "delete":
            await set_green_lot_weight(
                client, delivery.external_id or "", {"amount": 0, "unit": "KG"}
            )
            return DeliveryResult(delivery.external_id, {"consumed": True})
        lot = await import_green_lot(client, map_out(delivery, "cropster", "import_green_lot"))
        return DeliveryResult(str(lot.get("id")), lot)


class CustomTradesCustomers(Clients):
    """Customers to Custom Trades CRM: create, update (``PUT``) and soft delete, each with the
    delivery's idempotency key, so a retried write acts once."""

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        from crossdock.connectors.customtrades.actions import create, delete, update
        from crossdock.connectors.customtrades.client import CustomTradesClient

        key = delivery.idempotency_key
        client = self.client(delivery, CustomTradesClient)
        if delivery.action == "delete":
            row = await delete(client, "customers", delivery.external_id or "", idempotency_key=key)
            return DeliveryResult(delivery.external_id, row)
        body = keyed_body(
            delivery, "customer", lambda: map_out(delivery, "customtrades", "create_customer")
        )
        if delivery.action == "update" and delivery.external_id:
            row = await update(client, "customers", delivery.external_id, body, idempotency_key=key)
            return DeliveryResult(delivery.external_id, row)
        row = await create(client, "customers", body, idempotency_key=key)
        return DeliveryResult(str(row.get("uuid")), row)


class CustomTradesOrders(Clients):
    """Orders to Custom Trades CRM as a job and its invoice.

    The job's customer is the variable ``customerUuid`` when the integration sets it. Otherwise
    it is the customer with the billing address's email, looked up at the vendor (the oldest
    one, if several), or, with no such customer or no email, one created from the billing
    address (name, email, phone) under a key derived from the order's customer id, so orders
    of one new customer sent together still make one customer. The link is
    ``job:invoice:customer``: an update keeps the job's customer, and ``PUT``s the job and the
    invoice; a deletion soft-deletes both. Every write carries a key derived from the
    delivery's, so a retried delivery acts once.
    """

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        from crossdock.connectors.customtrades.actions import create, delete, update
        from crossdock.connectors.customtrades.client import CustomTradesClient

        key = delivery.idempotency_key
        rows = (delivery.payload or {}).get("data") or []
        client = self.client(delivery, CustomTradesClient)
        job_uuid, invoice_uuid, customer = _order_link(delivery.external_id)
        if delivery.action == "delete":
            await delete(client, "jobs", job_uuid, idempotency_key=f"{key}-job")
            if invoice_uuid:
                await delete(client, "invoices", invoice_uuid, idempotency_key=f"{key}-inv")
            return DeliveryResult(delivery.external_id, {"deleted": True})
        updating = delivery.action == "update" and bool(job_uuid)
        given = (delivery.settings.get("mappingVariables") or {}).get("customerUuid")
        if given:
            customer = str(given)
        elif not updating:
            customer = await self._customer(client, delivery, rows)
        elif not customer:  # linked before links named the customer
            customer = await self._job_customer(client, job_uuid)
        job = keyed_body(
            delivery,
            "job",
            lambda: map_out(
                delivery,
                "customtrades",
                "create_job",
                source={"rows": rows},
                variables={"customerUuid": customer},
            ),
        )
        if updating:
            job_row = await update(client, "jobs", job_uuid, job, idempotency_key=f"{key}-job")
        else:
            job_row = await create(client, "jobs", job, idempotency_key=f"{key}-job")
            job_uuid, invoice_uuid = str(job_row.get("uuid")), ""
        invoice = keyed_body(
            delivery,
            "invoice",
            lambda: map_out(
                delivery,
                "customtrades",
                "create_invoice",
                source={"rows": rows},
                variables={"customerUuid": customer, "jobUuid": job_uuid},
            ),
        )
        if invoice_uuid:
            invoice_row = await update(
                client, "invoices", invoice_uuid, invoice, idempotency_key=f"{key}-inv"
            )
        else:
            invoice_row = await create(client, "invoices", invoice, idempotency_key=f"{key}-inv")
            invoice_uuid = str(invoice_row.get("uuid"))
        return DeliveryResult(
            f"{job_uuid}:{invoice_uuid}:{customer}", {"job": job_row, "invoice": invoice_row}
        )

    async def _customer(self, client: Any, delivery: Delivery, rows: list[Any]) -> str:
        """A new job's customer, when the settings name none (see the class docstring)."""
        from crossdock.connectors.customtrades.actions import create, find_customer

        first = rows[0] if rows else {}
        billing = ((first.get("addresses") or {}).get("billing")) or {}
        customer = {
            "merchantCustomerId": str(first.get("customerId") or delivery.cresco_id),
            "name": billing.get("name") or billing.get("company"),
            "companyName": billing.get("company"),
            "email": billing.get("email"),
            "phone": billing.get("phone1"),
        }
        if customer["email"]:
            known = await find_customer(client, str(customer["email"]))
            if known is not None:
                return str(known.get("uuid"))
        body = keyed_body(delivery, "customer", lambda: _customer_body(delivery, customer))
        owner = customer["merchantCustomerId"]
        row = await create(
            client,
            "customers",
            body,
            idempotency_key=f"crossdock-customer-{delivery.integration_id}-{owner}"[:255],
        )
        return str(row.get("uuid"))

    async def _job_customer(self, client: Any, job_uuid: str) -> str:
        from crossdock.connectors.customtrades.actions import read

        return str((await read(client, "jobs", job_uuid)).get("customer_uuid") or "")


class CommerceConnectRecords(Clients):
    """Records to another Commerce Connect hub: ``POST /streams_batch`` to its api source
    integration (``remoteIntegrationId``), one record per batch, keyed by its ``crescoId`` so
    that every version lands on one record there, and a deletion as ``record: null``. The
    record goes as it is (its rows folded back into one record, the destination's overwrites
    applied), or through the integration's ``publishTemplate`` when it has one. The batch's
    ``requestId`` derives from the delivery's idempotency key, so a delivery sent again is
    stored once."""

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        from crossdock.connectors.crescodata.actions import send_batch
        from crossdock.connectors.crescodata.client import CrescodataClient
        from crossdock.sync.sources import envelope_to_record

        remote = delivery.settings.get("remoteIntegrationId")
        if not remote:
            raise FixRequest(
                "Set systemSettings.remoteIntegrationId: the other hub's api source integration "
                "that records are sent to.",
                field="systemSettings.remoteIntegrationId",
            )
        record: dict[str, Any] | None = None
        if delivery.action != "delete":
            record = envelope_to_record({"data": (delivery.payload or {}).get("data")})
            if record is not None and delivery.settings.get("publishTemplate"):
                record = map_out(delivery, "crescodata", "streams_batch", source=record)
        client = self.client(delivery, CrescodataClient)
        request_id = await send_batch(
            client,
            str(remote),
            [{"id": delivery.cresco_id, "record": record}],
            key=delivery.idempotency_key,
        )
        return DeliveryResult(delivery.cresco_id, {"requestId": request_id})


def _order_link(external_id: str | None) -> tuple[str, str, str]:
    """(job, invoice, customer) of an order's link; older links name no customer."""
    parts = (external_id or "").split(":")
    job, invoice, customer = [*parts, "", "", ""][:3]
    return job, invoice, customer


def _customer_body(delivery: Delivery, customer: dict[str, Any]) -> dict[str, Any]:
    program = outbound_mapping("customtrades", "customers", "create_customer", delivery.settings)
    return program.apply(
        {k: v for k, v in customer.items() if v},
        variables=delivery.settings.get("mappingVariables") or {},
    )


def destination_for(system_id: str, sync_type: str = "") -> Destination | None:
    """The destination driver of a system and sync type, or None while none is built."""
    if system_id == "api":
        return ApiDestination()
    drivers: dict[tuple[str, str], type[Destination]] = {
        ("cro", "customers"): CroCustomers,
        ("customtrades", "customers"): CustomTradesCustomers,
        ("customtrades", "orders"): CustomTradesOrders,
        ("carecloud", "customers"): CareCloudCustomers,
        ("cropster", "stock"): CropsterLots,
        ("cropster", "products"): CropsterLots,
        **{("crescodata", sync_type): CommerceConnectRecords for sync_type in SYNC_TYPES},
    }
    driver = drivers.get((system_id, sync_type))
    return driver() if driver is not None else None
