"""Another Commerce Connect hub as a destination."""

from __future__ import annotations

from typing import Any

from crossdock.errors import FixRequest
from crossdock.sync.destinations.base import Clients, Delivery, DeliveryResult, map_out


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
        client = self.client(delivery, CrescodataClient, tokens=self.tokens, cipher=self.cipher)
        request_id = await send_batch(
            client,
            str(remote),
            [{"id": delivery.cresco_id, "record": record}],
            key=delivery.idempotency_key,
        )
        return DeliveryResult(delivery.cresco_id, {"requestId": request_id})
