"""Validating one record against its sync type: the attribute rules (pydantic-core, built once
per sync type on first use), then the rules that span levels: required attributes set at the
top level or in every variant, variant keys unique, sub-item ids unique within their list."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from crossdock.records.schemas import customers, orders, prices, products, stock
from crossdock.records.schemas.errors import RecordError, show, translate
from crossdock.records.schemas.introspect import attribute_names


@dataclass(frozen=True)
class SyncSchema:
    """What validating one sync type's records takes, besides the declarations."""

    sync_type: str
    record_type: type
    required_top: tuple[str, ...] = ()
    """Required at the top level."""
    required_line: tuple[str, ...] = ()
    """Required on every line item / variant: in it, or at the top level for all of them."""
    top_level_only: frozenset[str] = frozenset()
    variant_keys: tuple[str, ...] = ()
    """Together they identify a variant; unique within a record."""
    any_variant_key: bool = False
    """Each line needs at least one of ``variant_keys`` (prices, stock)."""
    subitem_keys: Mapping[str, str] = field(default_factory=dict)
    """List attribute -> the attribute identifying its items; unique within the list."""


SCHEMAS: dict[str, SyncSchema] = {
    "orders": SyncSchema(
        "orders",
        orders.OrderRecord,
        required_top=orders.ORDER_REQUIRED_TOP,
        required_line=orders.ORDER_REQUIRED_LINE,
        top_level_only=orders.ORDER_TOP_LEVEL_ONLY,
        variant_keys=orders.ORDER_VARIANT_KEYS,
        subitem_keys=orders.ORDER_SUBITEM_KEYS,
    ),
    "products": SyncSchema(
        "products",
        products.ProductRecord,
        required_top=products.PRODUCT_REQUIRED_TOP,
        required_line=products.PRODUCT_REQUIRED_LINE,
        top_level_only=products.PRODUCT_TOP_LEVEL_ONLY,
        variant_keys=products.PRODUCT_VARIANT_KEYS,
    ),
    "prices": SyncSchema(
        "prices",
        prices.PriceRecord,
        top_level_only=products.PRODUCT_TOP_LEVEL_ONLY,
        variant_keys=products.PRODUCT_VARIANT_KEYS,
        any_variant_key=True,
    ),
    "stock": SyncSchema(
        "stock",
        stock.StockRecord,
        top_level_only=products.PRODUCT_TOP_LEVEL_ONLY,
        variant_keys=products.PRODUCT_VARIANT_KEYS,
        any_variant_key=True,
    ),
    "customers": SyncSchema(
        "customers",
        customers.CustomerRecord,
        required_top=customers.CUSTOMER_REQUIRED_TOP,
        subitem_keys=customers.CUSTOMER_SUBITEM_KEYS,
    ),
}


def schema_for(sync_type: str) -> SyncSchema:
    try:
        return SCHEMAS[sync_type]
    except KeyError:
        raise ValueError(
            f"unknown sync type {sync_type!r}; expected one of {', '.join(SCHEMAS)}"
        ) from None


@functools.cache
def adapter(sync_type: str) -> TypeAdapter[Any]:
    """The compiled validator of a sync type, built on first use (about 0.1 s each)."""
    return TypeAdapter(schema_for(sync_type).record_type)


def validate_record(
    sync_type: str, record: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[RecordError]]:
    """The validated record as a plain JSON-able dict, or None with every error."""
    schema = schema_for(sync_type)
    if not isinstance(record, dict):
        return None, [
            RecordError("record", f"The record must be a JSON object, got {show(record)}.")
        ]
    try:
        validated: dict[str, Any] = adapter(sync_type).validate_python(record)
    except ValidationError as exc:
        errors = translate(
            exc,
            sync_type=sync_type,
            top_level_only=schema.top_level_only,
            known=attribute_names(schema.record_type),
        )
        # The cross-level rules still run on what was sent, so one answer lists every error.
        errors.extend(cross_level_errors(schema, record))
        return None, errors
    errors = cross_level_errors(schema, validated)
    if errors:
        return None, errors
    return validated, []


def cross_level_errors(schema: SyncSchema, record: dict[str, Any]) -> list[RecordError]:
    """The rules that span the top level and the variants. ``record`` may be unvalidated.

    Runs for every record, so the happy path is kept to membership tests and set sizes.
    """
    errors = [RecordError(name, "Required.") for name in schema.required_top if name not in record]
    variants = record.get("variants")
    lines: list[Any] = variants if isinstance(variants, list) and variants else [record]
    prefixes = len(lines) > 1 or lines[0] is not record
    keys = schema.variant_keys
    seen: dict[tuple[Any, ...], int] = {}
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            continue  # reported by the attribute rules
        prefix = f"variants.{index}." if prefixes else ""
        for name in schema.required_line:
            if name not in line and name not in record:
                detail = (
                    "Required: set it in this variant or at the top level."
                    if prefix
                    else ("Required.")
                )
                errors.append(RecordError(prefix + name, detail))
            elif name in LISTS and line.get(name, record.get(name)) == []:
                where = prefix + name if name in line else name
                errors.append(RecordError(where, "Required: at least one item."))
        if keys:
            values = tuple(line.get(name, record.get(name)) for name in keys)
            try:
                first = seen.setdefault(values, index)
            except TypeError:  # an unhashable (invalid) value, reported by the attribute rules
                continue
            if first != index or values.count(None) == len(values):
                errors.extend(_variant_key_errors(schema, record, line, prefix, values, first))
        if prefix:
            for list_name, key in schema.subitem_keys.items():
                if line.get(list_name):
                    errors.extend(_subitem_errors(line[list_name], prefix + list_name, key))
    for list_name, key in schema.subitem_keys.items():
        if record.get(list_name):
            errors.extend(_subitem_errors(record[list_name], list_name, key))
    return errors


LISTS = frozenset({"images"})
"""Required attributes that are lists: present but empty does not count."""


def _variant_key_errors(
    schema: SyncSchema,
    record: dict[str, Any],
    line: dict[str, Any],
    prefix: str,
    values: tuple[Any, ...],
    first: int,
) -> list[RecordError]:
    keys = schema.variant_keys
    named = [name for name, value in zip(keys, values, strict=True) if value is not None]
    if not named:
        if schema.any_variant_key:
            return [RecordError(prefix + keys[0], f"Required: {' or '.join(keys)} (or both).")]
        return []  # reported as a missing required attribute
    detail = (
        f"Duplicate variant: variants.{first} has the same "
        + ", ".join(f"{name} {show(line.get(name, record.get(name)))}" for name in named)
        + "."
    )
    inherited = [name for name in named if name not in line]
    if inherited:
        detail += f" ({', '.join(inherited)} comes from the top level; set it in each variant.)"
    # Point at what makes the clash: an inherited key, else the last (for products the sku,
    # since the seed's own sample shares merchantVariantId between variants).
    return [RecordError(prefix + (inherited or named)[-1], detail)]


def _subitem_errors(items: Any, where: str, key: str) -> list[RecordError]:
    if not isinstance(items, list):
        return []
    ids = [item.get(key) for item in items if isinstance(item, dict)]
    try:
        if len(set(ids)) == len(ids):
            return []
    except TypeError:  # an unhashable (invalid) id, reported by the attribute rules
        return []
    errors: list[RecordError] = []
    seen: dict[Any, int] = {}
    for position, item in enumerate(items):
        if not isinstance(item, dict) or item.get(key) is None:
            continue
        first = seen.setdefault(item[key], position)
        if first != position:
            errors.append(
                RecordError(
                    f"{where}.{position}.{key}",
                    f"Duplicate {key} {show(item[key])}: {where}.{first} has it too.",
                )
            )
    return errors
