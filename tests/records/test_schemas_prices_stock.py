"""The prices and stock schemas: the products' price and stock attributes, keyed by
merchantVariantId and/or sku, so that they merge into the same master product."""

from __future__ import annotations

from typing import Any

import pytest

from crossdock.records.schemas import TOP_LEVEL_ONLY, VARIANT_KEYS, validate_record
from crossdock.records.schemas.introspect import attributes
from crossdock.records.schemas.prices import PriceRecord
from crossdock.records.schemas.products import ProductRecord
from crossdock.records.schemas.stock import StockRecord
from tests.records.test_schemas_seed import seed_sample


def errors(sync_type: str, record: dict[str, Any]) -> dict[str, str]:
    validated, found = validate_record(sync_type, record)
    assert (validated is None) == bool(found)
    return {e.field: e.detail for e in found}


PRICE_ATTRIBUTES = {
    "costPrice",
    "currency",
    "price",
    "retailPrice",
    "saleEnd",
    "saleId",
    "saleName",
    "salePrice",
    "saleStart",
    "taxFree",
    "taxInclusive",
}
STOCK_ATTRIBUTES = {
    "allowBackorders",
    "available",
    "availableEnd",
    "availableStart",
    "stockQuantities",
    "stockQuantity",
}
KEYS = {"merchantVariantId", "sku"}


def test_the_subsets_are_exactly_these_product_attributes() -> None:
    product = attributes(ProductRecord)
    for record_type, subset in ((PriceRecord, PRICE_ATTRIBUTES), (StockRecord, STOCK_ATTRIBUTES)):
        declared = set(attributes(record_type))
        assert declared == subset | KEYS | {"merchantProductId", "variants", "overwrites"}
        for name in subset | KEYS | {"merchantProductId"}:
            assert attributes(record_type)[name] == product[name]  # the same declaration


def test_keys_and_top_level_only() -> None:
    assert VARIANT_KEYS["prices"] == VARIANT_KEYS["stock"] == VARIANT_KEYS["products"]
    assert TOP_LEVEL_ONLY["prices"] == TOP_LEVEL_ONLY["stock"] == frozenset({"merchantProductId"})


def _prices_of_the_seed_product() -> dict[str, Any]:
    sample = seed_sample("Create / Update Product")
    names = PRICE_ATTRIBUTES | KEYS
    return {
        "merchantProductId": sample["merchantProductId"],
        "currency": sample["currency"],
        "variants": [
            {
                **{k: v for k, v in variant.items() if k in names},
                "overwrites": {
                    key: {k: v for k, v in over.items() if k in names}
                    for key, over in variant["overwrites"].items()
                },
            }
            for variant in sample["variants"]
        ],
    }


def test_the_seed_products_prices_validate_as_a_prices_record() -> None:
    record = _prices_of_the_seed_product()
    validated, found = validate_record("prices", record)
    assert found == []
    assert validated == record


@pytest.mark.parametrize("sync_type", ["prices", "stock"])
@pytest.mark.parametrize(
    "keys",
    [{"merchantVariantId": "909"}, {"sku": "12345-abc"}, {"merchantVariantId": "1", "sku": "a1"}],
)
def test_a_row_is_keyed_by_merchant_variant_id_and_or_sku(
    sync_type: str, keys: dict[str, str]
) -> None:
    values = {"prices": {"price": 99.9}, "stock": {"stockQuantity": 3}}[sync_type]
    assert errors(sync_type, {**keys, **values}) == {}
    assert errors(sync_type, {"variants": [{**keys, **values}]}) == {}
    assert errors(sync_type, {**keys, "merchantProductId": "101", **values}) == {}


@pytest.mark.parametrize("sync_type", ["prices", "stock"])
def test_a_row_without_either_key_is_refused(sync_type: str) -> None:
    assert errors(sync_type, {"merchantProductId": "101"}) == {
        "merchantVariantId": "Required: merchantVariantId or sku (or both)."
    }
    assert errors(sync_type, {"variants": [{"sku": "a"}, {"merchantProductId": "x"}]}) == {
        "variants.1.merchantVariantId": "Required: merchantVariantId or sku (or both).",
        "variants.1.merchantProductId": "merchantProductId belongs at the top level of the "
        "record, not in a variant.",
    }


def test_a_top_level_key_serves_every_variant_but_must_stay_unique() -> None:
    record = {"merchantVariantId": "1", "variants": [{"sku": "a1"}, {"sku": "a2"}]}
    assert errors("stock", record) == {}
    record["variants"][1]["sku"] = "a1"
    assert errors("stock", record) == {
        "variants.1.merchantVariantId": "Duplicate variant: variants.0 has the same "
        "merchantVariantId '1', sku 'a1'. (merchantVariantId comes from the top level; set it "
        "in each variant.)"
    }


@pytest.mark.parametrize(
    ("sync_type", "outside"),
    [("prices", "stockQuantity"), ("prices", "title"), ("stock", "price"), ("stock", "images")],
)
def test_attributes_outside_the_subset_are_refused(sync_type: str, outside: str) -> None:
    found = errors(sync_type, {"sku": "a", outside: 1})
    assert list(found) == [outside]
    assert found[outside].startswith(f"Unknown attribute {outside!r}; see GET /schemas/")


def test_price_rules_are_the_product_rules() -> None:
    assert errors(
        "prices",
        {"sku": "a", "currency": "XXX", "salePrice": "", "saleStart": "soon", "price": None},
    ) == {
        "currency": "Unsupported value 'XXX'; see the supported values.",
        "salePrice": "Empty text is not accepted; leave the attribute out instead.",
        "saleStart": "Expected an ISO 8601 date or date-time, e.g. 2022-01-01T00:00:00+00:00, "
        "got 'soon'.",
        "price": "null is not accepted; leave the attribute out instead.",
    }


def test_stock_rules_are_the_product_rules() -> None:
    assert errors(
        "stock",
        {"sku": "a", "stockQuantity": 1.5, "stockQuantities": {"x": "many"}, "available": "?"},
    ) == {
        "stockQuantity": "Expected a whole number, got 1.5.",
        "stockQuantities.x": "Expected a whole number, got 'many'.",
        "available": "Expected true or false, got '?'.",
    }


@pytest.mark.parametrize(
    ("sync_type", "values"),
    [("prices", {"salePrice": 22.9}), ("stock", {"stockQuantity": 1000, "available": False})],
)
def test_overwrites_per_system_within_the_subset(sync_type: str, values: dict[str, Any]) -> None:
    record = {"sku": "a1", "overwrites": {"system:lazada_sg": values}}
    assert errors(sync_type, record) == {}
    record["overwrites"]["system:lazada_sg"]["title"] = "x"
    record["overwrites"]["lazada"] = {}
    assert set(errors(sync_type, record)) == {
        "overwrites.system:lazada_sg.title",
        "overwrites.lazada",
    }


def test_no_attribute_of_a_row_is_required_beyond_its_key() -> None:
    assert errors("prices", {"sku": "a"}) == {}
    assert errors("stock", {"merchantVariantId": "1"}) == {}
