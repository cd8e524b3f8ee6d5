"""Custom Trades CRM as a destination: customers, and orders as a job and its invoice."""

from __future__ import annotations

from typing import Any

from crossdock.sync.destinations.base import (
    Clients,
    Delivery,
    DeliveryResult,
    keyed_body,
    map_out,
    outbound_mapping,
)


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
