"""The products schema, rule by rule, each failing at the path a merchant would look at."""

from __future__ import annotations

from typing import Any

import pytest

from crossdock.records.schemas import validate_record
from crossdock.records.schemas.common import (
    COUNTRIES,
    CURRENCIES,
    AgeGroup,
    Condition,
    LengthUnit,
    WarrantyPeriod,
    WeightUnit,
)
from tests.records.test_schemas_seed import seed_sample


def product() -> dict[str, Any]:
    return seed_sample("Create / Update Product")


def errors(record: dict[str, Any], sync_type: str = "products") -> dict[str, str]:
    validated, found = validate_record(sync_type, record)
    assert (validated is None) == bool(found)
    return {e.field: e.detail for e in found}


def test_the_seed_sample_has_four_variants_with_overwrites() -> None:
    record = product()
    assert len(record["variants"]) == 4
    assert all("overwrites" in v for v in record["variants"])
    assert "integration:11111111-2222-3333-4444-555555555555" in record["overwrites"]
    assert errors(record) == {}


# -- required ---------------------------------------------------------------------------------

LINE_REQUIRED = [
    "available",
    "images",
    "merchantVariantId",
    "price",
    "publish",
    "sku",
    "stockQuantity",
]


@pytest.mark.parametrize("name", LINE_REQUIRED)
def test_required_in_each_variant_or_at_the_top_level(name: str) -> None:
    record = product()
    value = record["variants"][2].pop(name)
    assert errors(record) == {
        f"variants.2.{name}": "Required: set it in this variant or at the top level."
    }
    record[name] = value  # shared by every variant that does not set it
    assert errors(record) == {}


def test_the_title_may_sit_in_variants_instead() -> None:
    record = product()
    title = record.pop("title")
    for variant in record["variants"]:
        variant["title"] = title
    assert errors(record) == {}
    del record["variants"][3]["title"]
    assert errors(record) == {
        "variants.3.title": "Required: set it in this variant or at the top level."
    }


def test_merchant_product_id_is_required_at_the_top_level() -> None:
    record = product()
    del record["merchantProductId"]
    assert errors(record) == {"merchantProductId": "Required."}
    record["variants"][0]["merchantProductId"] = "1"
    assert errors(record) == {
        "merchantProductId": "Required.",
        "variants.0.merchantProductId": "merchantProductId belongs at the top level of the "
        "record, not in a variant.",
    }


def test_a_product_without_variants_is_its_own_single_variant() -> None:
    record = product()
    variant = record.pop("variants")[0]
    assert errors({**record, **variant}) == {}
    assert set(errors(record)) == set(LINE_REQUIRED)


def test_required_images_need_at_least_one() -> None:
    record = product()
    record["variants"][1]["images"] = []
    assert errors(record) == {"variants.1.images": "Required: at least one item."}


def test_optional_lists_may_be_empty() -> None:
    record = product()
    record["groups"] = []
    record["searchTerms"] = []
    record["productImages"] = []
    assert errors(record) == {}


# -- types, bounds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "detail"),
    [
        ("price", "cheap", "Expected a number, got 'cheap'."),
        ("stockQuantity", 1.5, "Expected a whole number, got 1.5."),
        ("handlingTime", "2 days", "Expected a whole number, got '2 days'."),
        ("available", "sometimes", "Expected true or false, got 'sometimes'."),
        ("images", "https://link.to/one.jpeg", "Expected a list, got 'https://link.to/one.jpeg'."),
        ("stockQuantities", 5, "Expected an object, got 5."),
        ("metaFields", [], "Expected an object, got []."),
        ("saleStart", "tomorrow", "Expected an ISO 8601 date or date-time"),
        ("availableEnd", "2022-02-30", "Expected an ISO 8601 date or date-time"),
    ],
)
def test_types(name: str, value: Any, detail: str) -> None:
    record = product()
    record["variants"][0][name] = value
    found = errors(record)
    assert list(found) == [f"variants.0.{name}"]
    assert found[f"variants.0.{name}"].startswith(detail)


@pytest.mark.parametrize(
    ("name", "minimum"),
    [("minimumOrderQuantity", 0), ("packageQuantity", 1), ("warrantyUnit", 1)],
)
def test_min_bounds(name: str, minimum: int) -> None:
    record = product()
    record[name] = minimum
    assert errors(record) == {}
    record[name] = minimum - 1
    assert errors(record) == {name: f"Must be at least {minimum}, got {minimum - 1}."}


def test_no_bounds_where_the_seed_gives_none() -> None:
    record = product()
    record["variants"][0]["stockQuantity"] = -3  # oversold
    record["variants"][0]["stockQuantities"] = {"location-1": -3}
    record["shippingCost"] = -1
    assert errors(record) == {}


def test_stock_quantities_map_locations_to_whole_numbers() -> None:
    record = product()
    record["variants"][0]["stockQuantities"] = {"location-1": 5, "": 1, "location-3": 2.5}
    assert errors(record) == {
        "variants.0.stockQuantities.": "Empty keys are not accepted.",
        "variants.0.stockQuantities.location-3": "Expected a whole number, got 2.5.",
    }


def test_list_items_are_checked_one_by_one() -> None:
    record = product()
    record["variants"][0]["images"] = ["https://link.to/a.jpeg", "", None]
    record["searchTerms"] = ["shoe", 5]
    found = errors(record)
    assert found == {
        "variants.0.images.1": "Empty text is not accepted; leave the attribute out instead.",
        "variants.0.images.2": "null is not accepted; leave the attribute out instead.",
    }
    assert validate_record("products", {**product(), "searchTerms": ["shoe", 5]})[0] is not None


@pytest.mark.parametrize("value", [None, "", " \t"])
@pytest.mark.parametrize("name", ["title", "descriptionHtml", "gender", "parentSku"])
def test_null_and_empty_text_are_refused(name: str, value: Any) -> None:
    record = product()
    record["variants"][1][name] = value
    expected = (
        "null is not accepted; leave the attribute out instead."
        if value is None
        else "Empty text is not accepted; leave the attribute out instead."
    )
    assert errors(record) == {f"variants.1.{name}": expected}


# -- supported values -------------------------------------------------------------------------

LISTS: list[tuple[str, tuple[str, ...]]] = [
    ("ageGroup", AgeGroup.__args__),
    ("condition", Condition.__args__),
    ("country", COUNTRIES),
    ("currency", CURRENCIES),
    ("itemHeightUnit", LengthUnit.__args__),
    ("itemLengthUnit", LengthUnit.__args__),
    ("itemWidthUnit", LengthUnit.__args__),
    ("packageHeightUnit", LengthUnit.__args__),
    ("packageLengthUnit", LengthUnit.__args__),
    ("packageWidthUnit", LengthUnit.__args__),
    ("warrantyPeriod", WarrantyPeriod.__args__),
    ("weightUnit", WeightUnit.__args__),
]


@pytest.mark.parametrize(("name", "values"), LISTS)
def test_every_supported_value_is_accepted_and_others_are_not(
    name: str, values: tuple[str, ...]
) -> None:
    for value in values:
        record = product()
        record["variants"][3][name] = value
        assert errors(record) == {}, value
    record = product()
    record["variants"][3][name] = "XL"
    found = errors(record)
    assert list(found) == [f"variants.3.{name}"]
    assert found[f"variants.3.{name}"].startswith("Unsupported value 'XL'; ")


def test_product_weight_units_are_the_product_list_not_the_order_list() -> None:
    record = product()
    record["weightUnit"] = "ton"  # an order's itemWeightUnit may be ton; a product's not
    assert errors(record) == {
        "weightUnit": "Unsupported value 'ton'; supported values: 'kg', 'g', 'lbs' or 'oz'."
    }


def test_gender_has_no_supported_values_list_in_the_seed() -> None:
    record = product()
    record["gender"] = "unisex"
    assert errors(record) == {}


# -- variants ---------------------------------------------------------------------------------


def test_variants_are_identified_by_merchant_variant_id_and_sku_together() -> None:
    record = product()
    # The seed's four variants share merchantVariantId "1" and differ by sku.
    assert {v["merchantVariantId"] for v in record["variants"]} == {"1"}
    record["variants"][3]["sku"] = "a1"
    assert errors(record) == {
        "variants.3.sku": "Duplicate variant: variants.0 has the same "
        "merchantVariantId '1', sku 'a1'."
    }


def test_a_top_level_sku_is_a_duplicate_once_there_are_two_variants() -> None:
    record = product()
    for variant in record["variants"]:
        del variant["sku"]
    record["sku"] = "a"
    assert errors(record) == {
        f"variants.{n}.sku": "Duplicate variant: variants.0 has the same merchantVariantId "
        "'1', sku 'a'. (sku comes from the top level; set it in each variant.)"
        for n in (1, 2, 3)
    }


def test_group_id_belongs_on_the_batch_item() -> None:
    record = product()
    record["groupId"] = "shoes"
    assert errors(record) == {
        "groupId": "groupId belongs on the batch item (items[].groupId), not in the record."
    }


# -- overwrites and free-form bags ------------------------------------------------------------


def test_overwrites_in_variants_and_at_the_top_level_follow_the_attribute_rules() -> None:
    record = product()
    record["variants"][0]["overwrites"]["system:lazada_sg"]["salePrice"] = "cheap"
    record["variants"][0]["overwrites"]["system:amazon"]["merchantProductId"] = "2"
    record["overwrites"]["system:zalora"]["systemCategoryId"] = ""
    record["overwrites"]["zalora"] = {}
    assert errors(record) == {
        "variants.0.overwrites.system:lazada_sg.salePrice": "Expected a number, got 'cheap'.",
        "variants.0.overwrites.system:amazon.merchantProductId": "merchantProductId cannot be "
        "overwritten per system or integration.",
        "overwrites.system:zalora.systemCategoryId": "Empty text is not accepted; leave the "
        "attribute out instead.",
        "overwrites.zalora": "Overwrite keys are 'system:<id>[,<id>...]' or "
        "'integration:<integration id>', got 'zalora'.",
    }


def test_overwrites_need_no_required_attributes() -> None:
    record = product()
    record["overwrites"]["system:shopee"] = {"images": ["https://link.to/shopee.jpeg"]}
    assert errors(record) == {}


def test_meta_fields_and_addition_are_free_form() -> None:
    record = product()
    record["metaFields"] = {"dimensions": {"value": "15x12", "group": "specs"}, "x": None}
    record["variants"][0]["_addition_"] = {"anything": ["", None, 1]}
    assert errors(record) == {}


def test_unknown_attributes_are_refused() -> None:
    record = product()
    record["variants"][0]["optionSwatch5"] = "https://link.com/swatch"
    record["quantity"] = 4
    found = errors(record)
    assert set(found) == {"variants.0.optionSwatch5", "quantity"}
    assert found["variants.0.optionSwatch5"].startswith("Unknown attribute 'optionSwatch5'")
