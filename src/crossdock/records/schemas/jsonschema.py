"""The JSON Schema served at ``GET /schemas/{syncType}``: pydantic's rendering of the
declarations, with every attribute's description (inherited ones included), no generated
titles, object keys closed, and the cross-level rules JSON Schema cannot say in
``x-crossdock``. Rendered once per sync type; callers get their own copy."""

from __future__ import annotations

import copy
import functools
from typing import Any

from crossdock.records.schemas.introspect import attribute_docs, object_types
from crossdock.records.schemas.validation import adapter, schema_for

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(sync_type: str) -> dict[str, Any]:
    """The JSON Schema of the record of ``sync_type`` (a fresh copy each call)."""
    return copy.deepcopy(_rendered(sync_type))


@functools.cache
def _rendered(sync_type: str) -> dict[str, Any]:
    spec = schema_for(sync_type)
    rendered = adapter(sync_type).json_schema()
    types = object_types(spec.record_type)
    for name, definition in rendered.get("$defs", {}).items():
        _describe(definition, types.get(name))
    _describe(rendered, spec.record_type)
    _close_patterned_objects(rendered)
    required = sorted(set(rendered.get("required", ())) | set(spec.required_top))
    if required:
        rendered["required"] = required
    return {
        "$schema": DIALECT,
        "$id": f"/schemas/{sync_type}",
        **rendered,
        "title": f"Crossdock {sync_type} record",
        "x-crossdock": {
            "syncType": sync_type,
            "requiredTopLevel": list(spec.required_top),
            "requiredOnEveryVariant": list(spec.required_line),
            "topLevelOnly": sorted(spec.top_level_only),
            "variantKeys": list(spec.variant_keys),
            "anyVariantKey": spec.any_variant_key,
            "subItemKeys": dict(spec.subitem_keys),
        },
    }


def _describe(definition: dict[str, Any], declared: type | None) -> None:
    docs = attribute_docs(declared) if declared is not None else {}
    for name, prop in definition.get("properties", {}).items():
        prop.pop("title", None)  # "Systemorderid": noise next to the attribute's name
        if name in docs:
            prop["description"] = docs[name]


def _close_patterned_objects(node: Any) -> None:
    # pydantic renders dict[Key, V] as patternProperties alone, which lets any other key
    # through; the validator refuses them, so the schema says so too.
    if isinstance(node, dict):
        if "patternProperties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _close_patterned_objects(value)
    elif isinstance(node, list):
        for value in node:
            _close_patterned_objects(value)
