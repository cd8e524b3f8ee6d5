"""The Cropster connector: green, roasted and blended lots read incrementally; green lots
imported, weighed and transferred.

``CropsterClient`` holds one service account; the streams read; ``actions`` writes;
``connection_test`` is what the systems catalog runs on activation.
"""

from __future__ import annotations

from crossdock.connectors.cropster.actions import (
    Transfer,
    get_green_lots,
    import_green_lot,
    set_green_lot_weight,
    transfer_green_lot,
)
from crossdock.connectors.cropster.client import (
    RATE_LIMIT,
    CropsterClient,
    connection_test,
    endpoints,
)
from crossdock.connectors.cropster.errors import cropster_error
from crossdock.connectors.cropster.streams import (
    BlendedLotsStream,
    GreenLotsStream,
    LotsStream,
    RoastedLotsStream,
)

__all__ = [
    "RATE_LIMIT",
    "BlendedLotsStream",
    "CropsterClient",
    "GreenLotsStream",
    "LotsStream",
    "RoastedLotsStream",
    "Transfer",
    "connection_test",
    "cropster_error",
    "endpoints",
    "get_green_lots",
    "import_green_lot",
    "set_green_lot_weight",
    "transfer_green_lot",
]
