"""The public API the pipeline calls, the served JSON Schema, and docs/schemas.md kept in step
with the declarations."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from crossdock.records.schemas import (
    SUBITEM_KEYS,
    SUBITEM_KEYS_BY_SYNC_TYPE,
    SYNC_TYPES,
    TOP_LEVEL_ONLY,
    VARIANT_KEYS,
    RecordError,
    json_schema,
    validate_record,
)
from crossdock.records.schemas.common import COUNTRIES, CURRENCIES
from crossdock.records.schemas.introspect import attributes, object_types
from crossdock.records.schemas.validation import SCHEMAS
from tests.records.test_schemas_seed import SAMPLES, seed_sample

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "schemas.md").read_text()


def test_the_constants_the_pipeline_merges_by() -> None:
    assert SYNC_TYPES == ("orders", "products", "prices", "stock", "customers")
    assert VARIANT_KEYS == {
        "orders": ("systemOrderItemId",),
        "products": ("merchantVariantId", "sku"),
        "prices": ("merchantVariantId", "sku"),
        "stock": ("merchantVariantId", "sku"),
    }
    assert SUBITEM_KEYS == {
        "shipments": "shipmentId",
        "cancels": "cancelId",
        "returns": "returnId",
        "discountCodes": "discountCode",
        "emails": "email",
        "phones": "number",
    }
    assert SUBITEM_KEYS_BY_SYNC_TYPE["orders"]["shipments"] == "shipmentId"
    assert SUBITEM_KEYS_BY_SYNC_TYPE["customers"] == {"emails": "email", "phones": "number"}
    assert dict(TOP_LEVEL_ONLY) == {
        "orders": frozenset({"systemOrderId", "systemOrderNumber"}),
        "products": frozenset({"merchantProductId"}),
        "prices": frozenset({"merchantProductId"}),
        "stock": frozenset({"merchantProductId"}),
        "customers": frozenset(),
    }


def test_record_errors_are_frozen_field_and_detail() -> None:
    error = RecordError("variants.1.currency", "Unsupported value 'XXX'.")
    assert [f.name for f in dataclasses.fields(error)] == ["field", "detail"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        error.field = "x"  # type: ignore[misc]


def test_an_unknown_sync_type_raises() -> None:
    with pytest.raises(ValueError, match="unknown sync type 'invoices'"):
        validate_record("invoices", {})
    with pytest.raises(ValueError, match="unknown sync type 'invoices'"):
        json_schema("invoices")


JUNK: list[Any] = [
    [],
    None,
    "record",
    7,
    {"variants": "v"},
    {"variants": [1, None, [], "x"]},
    {"variants": [{"variants": [{"sku": "a"}]}]},
    {"overwrites": []},
    {"overwrites": {"system:a": "x", "": None}},
    {"variants": [{"systemOrderItemId": {}}, {"systemOrderItemId": {}}]},
    {"variants": [{"sku": ["a"], "merchantVariantId": ["1"]}] * 2},
    {"shipments": [{"shipmentId": ["x"]}, {"shipmentId": ["x"]}], "emails": [{"email": {}}] * 2},
    {"addresses": {"billing": {"country": {"code": "SG"}}}, "consents": {"x": []}},
    {"images": [], "stockQuantities": {"": None}, "metaFields": "m"},
    {"\x00": "\x00", "a" * 10_000: "b" * 10_000},
]


@pytest.mark.parametrize("sync_type", SYNC_TYPES)
@pytest.mark.parametrize("record", JUNK)
def test_bad_input_never_raises(sync_type: str, record: Any) -> None:
    validated, errors = validate_record(sync_type, record)
    assert validated is None
    assert errors
    assert all(isinstance(e, RecordError) and e.field and e.detail for e in errors)
    assert all(len(e.detail) < 400 for e in errors)


def test_a_non_object_record_is_one_error_on_the_record() -> None:
    assert validate_record("orders", [])[1] == [  # type: ignore[arg-type]
        RecordError("record", "The record must be a JSON object, got [].")
    ]


@pytest.mark.parametrize(("sync_type", "title"), SAMPLES)
def test_validated_records_are_plain_json(sync_type: str, title: str) -> None:
    validated, _ = validate_record(sync_type, seed_sample(title))
    assert json.loads(json.dumps(validated, allow_nan=False)) == validated


# -- JSON Schema ------------------------------------------------------------------------------


def _objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append(node)
        for value in node.values():
            found.extend(_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_objects(value))
    return found


@pytest.mark.parametrize("sync_type", SYNC_TYPES)
def test_the_json_schema_is_valid_described_and_closed(sync_type: str) -> None:
    schema = json_schema(sync_type)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == f"Crossdock {sync_type} record"
    objects = _objects(schema)
    assert objects
    for obj in objects:
        assert obj["additionalProperties"] is False
        for name, prop in obj["properties"].items():
            assert "title" not in prop, name
            assert prop.get("description"), f"{sync_type}: {name} has no description"
    spec = SCHEMAS[sync_type]
    assert schema["x-crossdock"] == {
        "syncType": sync_type,
        "requiredTopLevel": list(spec.required_top),
        "requiredOnEveryVariant": list(spec.required_line),
        "topLevelOnly": sorted(spec.top_level_only),
        "variantKeys": list(spec.variant_keys),
        "anyVariantKey": spec.any_variant_key,
        "subItemKeys": dict(spec.subitem_keys),
    }
    assert set(spec.required_top) <= set(schema.get("required", ()))


def test_the_json_schema_says_the_seeds_constraints() -> None:
    schema = json_schema("orders")
    line = schema["$defs"]["OrderVariant"]["properties"]
    assert line["quantity"] == {
        "type": "integer",
        "minimum": 0,
        "description": "The quantity ordered for this item",
    }
    assert line["sku"]["pattern"] == r"\S"
    assert len(line["country"]["enum"]) == 247
    assert line["itemWeightUnit"]["enum"] == ["kg", "g", "lbs", "oz", "ton", "mg"]
    assert schema["$defs"]["Shipment"]["required"] == ["shipmentId"]
    overwrites = schema["properties"]["overwrites"]
    assert overwrites["additionalProperties"] is False
    assert list(overwrites["patternProperties"]) == [
        r"^(system:[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*|integration:[0-9A-Fa-f]{8}-"
        r"[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$"
    ]


def test_each_call_gets_its_own_copy() -> None:
    first = json_schema("stock")
    first["properties"].clear()
    assert json_schema("stock")["properties"]


# -- docs/schemas.md --------------------------------------------------------------------------


def _section(sync_type: str) -> str:
    match = re.search(rf"^## {sync_type}\n(.*?)(?=^## )", DOCS, flags=re.M | re.S)
    assert match is not None, f"docs/schemas.md has no '## {sync_type}' section"
    return match.group(1)


@pytest.mark.parametrize("sync_type", SYNC_TYPES)
def test_every_attribute_is_in_its_docs_section(sync_type: str) -> None:
    section = _section(sync_type)
    record_type = SCHEMAS[sync_type].record_type
    names = {n for cls in object_types(record_type).values() for n in attributes(cls)}
    missing = sorted(n for n in names if f"`{n}`" not in section)
    if sync_type == "customers":  # the address object's own attributes are under orders
        missing = [n for n in missing if f"`{n}`" not in _section("orders")]
    assert missing == []


def test_the_docs_list_every_supported_value() -> None:
    values = _section_of_values()
    assert all(f"`{code}`" in values for code in COUNTRIES)
    assert all(f"`{code}`" in values for code in CURRENCIES)


def _section_of_values() -> str:
    return DOCS.split("## Supported values", 1)[1]


def test_the_docs_name_the_public_api() -> None:
    for name in (
        "validate_record",
        "json_schema",
        "RecordError",
        "VARIANT_KEYS",
        "SUBITEM_KEYS",
        "TOP_LEVEL_ONLY",
        "GET /schemas/{syncType}",
        "bench/schemas.py",
    ):
        assert name in DOCS, name
