"""The record schemas of the five sync types, declared once with pydantic and served as JSON
Schema: what the ingestion pipeline validates every record against, and which attributes
identify variants and sub-items when records merge. See docs/schemas.md."""

from __future__ import annotations

from crossdock.records.schemas.errors import RecordError
from crossdock.records.schemas.jsonschema import json_schema
from crossdock.records.schemas.validation import SCHEMAS, validate_record

__all__ = [
    "SUBITEM_KEYS",
    "SUBITEM_KEYS_BY_SYNC_TYPE",
    "SYNC_TYPES",
    "TOP_LEVEL_ONLY",
    "VARIANT_KEYS",
    "RecordError",
    "json_schema",
    "validate_record",
]

SYNC_TYPES: tuple[str, ...] = ("orders", "products", "prices", "stock", "customers")

VARIANT_KEYS: dict[str, tuple[str, ...]] = {
    name: SCHEMAS[name].variant_keys for name in SYNC_TYPES if SCHEMAS[name].variant_keys
}
"""Sync type -> the attributes that, together, identify a variant (line item) of a record.
Products: the seed's sample gives all four variants merchantVariantId "1", so a variant is
its (merchantVariantId, sku) pair; prices and stock rows carry one or both."""

SUBITEM_KEYS_BY_SYNC_TYPE: dict[str, dict[str, str]] = {
    name: dict(SCHEMAS[name].subitem_keys) for name in SYNC_TYPES if SCHEMAS[name].subitem_keys
}
"""Sync type -> list attribute -> the attribute identifying its items."""

SUBITEM_KEYS: dict[str, str] = {
    attribute: key
    for by_attribute in SUBITEM_KEYS_BY_SYNC_TYPE.values()
    for attribute, key in by_attribute.items()
}
"""List attribute -> the attribute identifying its items (no two sync types share a list
attribute name, so one mapping serves all)."""

TOP_LEVEL_ONLY: dict[str, frozenset[str]] = {
    name: SCHEMAS[name].top_level_only for name in SYNC_TYPES
}
"""Sync type -> attributes that belong at the top level only (refused in variants and in
``overwrites``)."""
