"""The built-in ``api`` system as a destination: the payload is kept for the merchant's own
system to read with ``GET /publish``."""

from __future__ import annotations

from crossdock.sync.destinations.base import Clients, Delivery, DeliveryResult


class ApiDestination(Clients):
    """Records published to an ``api`` integration are kept for the merchant to read."""

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        return DeliveryResult(
            external_id=delivery.cresco_id,
            response={"stored": True, "action": delivery.action},
        )
