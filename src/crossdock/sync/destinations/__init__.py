"""Destinations: how a publish job's payload reaches a system.

A ``Destination`` delivers one create, update or delete and answers the destination's id for
the record and its response. ``deliveries`` carry a deterministic idempotency key, so a
delivery retried after a crash lands once: destinations pass it to vendors that take one and
check by the stored link or a natural key where they do not.

The built-in ``api`` system is a destination read back through the API: delivering stores the
payload, which the merchant's own system reads with ``GET /publish``.

Each system's drivers live in a module of their own; ``base`` holds what they share.
"""

from __future__ import annotations

from crossdock.connectors.http.tokens import TokenCipher, TokenStore
from crossdock.records.schemas import SYNC_TYPES
from crossdock.sync.destinations.api import ApiDestination
from crossdock.sync.destinations.base import (
    Action,
    Clients,
    Delivery,
    DeliveryResult,
    Destination,
    keyed_body,
    map_out,
    outbound_mapping,
    record_of,
)
from crossdock.sync.destinations.carecloud import CareCloudCustomers
from crossdock.sync.destinations.crescodata import CommerceConnectRecords
from crossdock.sync.destinations.cro import CroCustomers
from crossdock.sync.destinations.cropster import CropsterLots
from crossdock.sync.destinations.customtrades import CustomTradesCustomers, CustomTradesOrders

__all__ = [
    "Action",
    "ApiDestination",
    "CareCloudCustomers",
    "Clients",
    "CommerceConnectRecords",
    "CroCustomers",
    "CropsterLots",
    "CustomTradesCustomers",
    "CustomTradesOrders",
    "Delivery",
    "DeliveryResult",
    "Destination",
    "destination_for",
    "keyed_body",
    "map_out",
    "outbound_mapping",
    "record_of",
]


def destination_for(
    system_id: str,
    sync_type: str = "",
    *,
    tokens: TokenStore | None = None,
    cipher: TokenCipher | None = None,
) -> Destination | None:
    """The destination driver of a system and sync type, or None while none is built; its
    vendor clients keep their tokens in ``tokens`` (sealed by ``cipher``) when given."""
    if system_id == "api":
        return ApiDestination()
    drivers: dict[tuple[str, str], type[Clients]] = {
        ("cro", "customers"): CroCustomers,
        ("customtrades", "customers"): CustomTradesCustomers,
        ("customtrades", "orders"): CustomTradesOrders,
        ("carecloud", "customers"): CareCloudCustomers,
        ("cropster", "stock"): CropsterLots,
        ("cropster", "products"): CropsterLots,
        **{("crescodata", sync_type): CommerceConnectRecords for sync_type in SYNC_TYPES},
    }
    driver = drivers.get((system_id, sync_type))
    return driver(tokens=tokens, cipher=cipher) if driver is not None else None
