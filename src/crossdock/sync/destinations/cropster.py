"""Cropster green lots as the destination of stock and products."""

from __future__ import annotations

from crossdock.sync.destinations.base import Clients, Delivery, DeliveryResult, map_out


class CropsterLots(Clients):
    """Stock and products to Cropster green lots: ``importGreenLot`` keyed by ``externalId``
    (creates or updates, safe to repeat); a deletion sets the lot's weight to 0 (consumed)."""

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        from crossdock.connectors.cropster.actions import import_green_lot, set_green_lot_weight
        from crossdock.connectors.cropster.client import CropsterClient

        client = self.client(delivery, CropsterClient, tokens=self.tokens, cipher=self.cipher)
        if delivery.action == "delete":
            await set_green_lot_weight(
                client, delivery.external_id or "", {"amount": 0, "unit": "KG"}
            )
            return DeliveryResult(delivery.external_id, {"consumed": True})
        lot = await import_green_lot(client, map_out(delivery, "cropster", "import_green_lot"))
        return DeliveryResult(str(lot.get("id")), lot)
