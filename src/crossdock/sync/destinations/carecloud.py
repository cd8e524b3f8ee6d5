"""CareCloud customers as a destination."""

from __future__ import annotations

from crossdock.errors import FixRequest
from crossdock.sync.destinations.base import Clients, Delivery, DeliveryResult, map_out


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
        client = self.client(
            delivery, CareCloudClient, token_store=self.tokens, token_cipher=self.cipher
        )
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
