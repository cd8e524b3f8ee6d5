"""Pure record algebra: deep merge, groups of parts, flattening to one row per variant, and
the identifying keys of a record. No I/O; the sync engine calls these for every item."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

VARIANTS = "variants"
OVERWRITES = "overwrites"


def deep_merge(
    stored: Any,
    incoming: Any,
    *,
    variant_keys: Sequence[str],
    subitem_keys: Mapping[str, str],
) -> Any:
    """``incoming`` merged into ``stored``: objects recursively, variants matched by
    ``variant_keys``, shipments/cancels/returns by their ids; other values are replaced."""
    if not isinstance(stored, dict) or not isinstance(incoming, dict):
        return incoming
    merged = dict(stored)
    for key, value in incoming.items():
        old = merged.get(key)
        if key == VARIANTS and isinstance(old, list) and isinstance(value, list):
            merged[key] = merge_list(old, value, variant_keys, variant_keys, subitem_keys)
        elif key in subitem_keys and isinstance(old, list) and isinstance(value, list):
            merged[key] = merge_list(old, value, (subitem_keys[key],), variant_keys, subitem_keys)
        elif isinstance(old, dict) and isinstance(value, dict):
            merged[key] = deep_merge(
                old, value, variant_keys=variant_keys, subitem_keys=subitem_keys
            )
        else:
            merged[key] = value
    return merged


def merge_list(
    stored: list[Any],
    incoming: list[Any],
    keys: Sequence[str],
    variant_keys: Sequence[str],
    subitem_keys: Mapping[str, str],
) -> list[Any]:
    """Elements of ``incoming`` merged into the stored element with the same key, else appended."""
    result = list(stored)
    for element in incoming:
        index = _find(result, element, keys)
        if index is None:
            result.append(element)
        else:
            result[index] = deep_merge(
                result[index], element, variant_keys=variant_keys, subitem_keys=subitem_keys
            )
    return result


def _find(elements: list[Any], element: Any, keys: Sequence[str]) -> int | None:
    """The index of the element with the same identity: every key both carry is equal, and
    they share at least one (so a stock row keyed by ``sku`` alone finds its variant)."""
    if not isinstance(element, dict):
        return None
    for index, candidate in enumerate(elements):
        if not isinstance(candidate, dict):
            continue
        shared = [k for k in keys if element.get(k) is not None and candidate.get(k) is not None]
        if shared and all(element[k] == candidate[k] for k in shared):
            return index
    return None


def combine_parts(
    parts: Sequence[tuple[str, dict[str, Any]]],
    *,
    variant_keys: Sequence[str],
    subitem_keys: Mapping[str, str],
) -> dict[str, Any]:
    """One record from the parts sent with one ``groupId``, in the order they first arrived:
    top-level attributes merged (later parts win), variants of all parts together."""
    combined: dict[str, Any] = {}
    for _, part in parts:
        combined = deep_merge(combined, part, variant_keys=variant_keys, subitem_keys=subitem_keys)
    return combined


def flatten(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per variant: the top-level attributes, then the variant's own (which win).

    ``overwrites`` combine per key, the variant's attributes winning over the top level's.
    A record without variants is a single row.
    """
    variants = record.get(VARIANTS)
    top = {key: value for key, value in record.items() if key != VARIANTS}
    if not isinstance(variants, list) or not variants:
        return [top]
    rows = []
    for variant in variants:
        row = {**top, **variant}
        top_over, own_over = top.get(OVERWRITES), variant.get(OVERWRITES)
        if isinstance(top_over, dict) and isinstance(own_over, dict):
            row[OVERWRITES] = {
                key: {**top_over.get(key, {}), **own_over.get(key, {})}
                for key in {**top_over, **own_over}
            }
        rows.append(row)
    return rows


def key_values(rows: Iterable[dict[str, Any]], names: Iterable[str]) -> set[tuple[str, str]]:
    """The (name, value) pairs of identifying attributes in ``rows``, values as text."""
    names = tuple(names)
    found: set[tuple[str, str]] = set()
    for row in rows:
        for name in names:
            value = row.get(name)
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, str | int | float):
                found.add((name, key_text(value)))
    return found


def key_text(value: str | int | float) -> str:
    """How an identifying value is indexed: numbers in their shortest JSON form."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value)


def canonical(value: Any) -> str:
    """A stable text form, to tell whether a re-sent record changes anything."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def overwrite_keys(system_id: str, integration_id: str, keys: Iterable[str]) -> list[str]:
    """The ``overwrites`` keys that apply to a destination, in the order they apply:
    ``system:<ids>`` naming its system first, then ``integration:<id>`` (the more specific
    wins)."""
    keys = list(keys)
    systems = [
        key
        for key in keys
        if key.startswith("system:") and system_id in key.removeprefix("system:").split(",")
    ]
    integrations = [key for key in keys if key == f"integration:{integration_id}"]
    return systems + integrations


def apply_overwrites(row: dict[str, Any], system_id: str, integration_id: str) -> dict[str, Any]:
    """A data row as one destination sees it: its overwrites applied, then dropped."""
    overwrites = row.get(OVERWRITES)
    effective = {key: value for key, value in row.items() if key != OVERWRITES}
    if isinstance(overwrites, dict):
        for key in overwrite_keys(system_id, integration_id, overwrites):
            if isinstance(overwrites[key], dict):
                effective.update(overwrites[key])
    return effective
