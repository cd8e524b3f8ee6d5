"""Identifying attributes per sync type: indexed at ingestion so that ``data.<name>=value``
filters (``data.systemOrderNumber=test-123``) are answered from an index, not a JSON scan."""

from __future__ import annotations

INDEXED_KEYS: dict[str, tuple[str, ...]] = {
    "orders": (
        "systemOrderId",
        "systemOrderNumber",
        "systemOrderItemId",
        "originalOrderId",
        "customerId",
        "sku",
        "merchantVariantId",
        "trackingId",
    ),
    "products": (
        "merchantProductId",
        "merchantVariantId",
        "sku",
        "parentSku",
        "upc",
        "ean",
        "gtin",
    ),
    "prices": ("merchantProductId", "merchantVariantId", "sku"),
    "stock": ("merchantProductId", "merchantVariantId", "sku"),
    "customers": ("merchantCustomerId", "email", "phone"),
}
