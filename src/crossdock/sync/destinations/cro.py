"""CRO Software customers as a destination."""

from __future__ import annotations

from crossdock.sync.destinations.base import Clients, Delivery, DeliveryResult, map_out


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
