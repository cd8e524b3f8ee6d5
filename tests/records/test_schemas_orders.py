"""The orders schema, rule by rule, each failing at the path a merchant would look at."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from crossdock.records.schemas import validate_record
from crossdock.records.schemas.common import COUNTRIES, CURRENCIES, ItemStatus, OrderWeightUnit
from tests.records.test_schemas_seed import seed_sample


def order() -> dict[str, Any]:
    return seed_sample("Create a New Order")


def errors(record: dict[str, Any], sync_type: str = "orders") -> dict[str, str]:
    validated, found = validate_record(sync_type, record)
    assert (validated is None) == bool(found)
    return {e.field: e.detail for e in found}


def test_a_valid_order_comes_back_normalised() -> None:
    record = order()
    record["tax"] = "10.5"  # numbers sent as text
    record["systemOrderId"] = 1  # ids sent as numbers
    record["variants"][0]["quantity"] = 2.0
    record["isGift"] = "false"
    validated, found = validate_record("orders", record)
    assert found == []
    assert validated is not None
    assert validated["tax"] == 10.5
    assert validated["systemOrderId"] == "1"
    assert type(validated["variants"][0]["quantity"]) is int
    assert validated["isGift"] is False
    assert validated["createdAt"] == "2022-01-01T00:00:00+00:00"  # kept as sent


def test_validation_does_not_change_the_record_sent() -> None:
    record = order()
    record["tax"] = "10.5"
    before = copy.deepcopy(record)
    validate_record("orders", record)
    assert record == before


# -- required ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["systemOrderId", "systemOrderNumber", "status", "publish"])
def test_top_level_required_attributes(name: str) -> None:
    record = order()
    del record[name]
    found = errors(record)
    if name in ("systemOrderId", "systemOrderNumber"):
        assert found == {name: "Required."}
    else:  # may sit in each variant instead
        assert found == {
            f"variants.0.{name}": "Required: set it in this variant or at the top level.",
            f"variants.1.{name}": "Required: set it in this variant or at the top level.",
        }


def test_required_attributes_may_sit_in_every_variant_instead() -> None:
    record = order()
    del record["publish"]
    record["variants"][0]["publish"] = True
    record["variants"][1]["publish"] = False
    assert errors(record) == {}


@pytest.mark.parametrize("name", ["systemOrderItemId", "systemOrderItemNumber"])
def test_line_item_required_attributes(name: str) -> None:
    record = order()
    del record["variants"][1][name]
    assert errors(record) == {
        f"variants.1.{name}": "Required: set it in this variant or at the top level."
    }


def test_an_order_without_variants_is_one_line_item() -> None:
    record = order()
    line = record.pop("variants")[0]
    del line["shipments"]
    assert errors({**record, **line}) == {}
    assert errors(record) == {
        "systemOrderItemId": "Required.",
        "systemOrderItemNumber": "Required.",
    }
    assert errors({**record, "variants": [], **line}) == {}


@pytest.mark.parametrize(
    ("sub", "key"),
    [("shipments", "shipmentId"), ("cancels", "cancelId"), ("returns", "returnId")],
)
def test_sub_items_need_their_id(sub: str, key: str) -> None:
    record = order()
    record["variants"][1][sub] = [{"quantity": 1}]
    assert errors(record) == {f"variants.1.{sub}.0.{key}": "Required."}


def test_discount_codes_need_their_code() -> None:
    record = order()
    record["discountCodes"] = [{"amount": 2}]
    assert errors(record) == {"discountCodes.0.discountCode": "Required."}


# -- types, bounds, null, empty ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "detail"),
    [
        ("tax", "ten", "Expected a number, got 'ten'."),
        ("tax", True, "Expected a number, got True."),
        ("orderTotal", [1], "Expected a number, got [1]."),
        ("isGift", "perhaps", "Expected true or false, got 'perhaps'."),
        ("customerId", ["c"], "Expected text, got ['c']."),
        ("customerId", True, "Expected text, got True."),
        ("addresses", "SG", "Expected an object, got 'SG'."),
        ("discountCodes", {"discountCode": "X"}, "Expected a list, got {'discountCode': 'X'}."),
        ("orderTotal", float("nan"), "Expected a number, got nan."),
        ("createdAt", "01/02/2022", "Expected an ISO 8601 date or date-time, e.g. "),
        ("updatedAt", "2022-13-01", "Expected an ISO 8601 date or date-time, e.g. "),
    ],
)
def test_types(name: str, value: Any, detail: str) -> None:
    record = order()
    record[name] = value
    assert list(errors(record)) == [name]
    assert errors(record)[name].startswith(detail)


def test_integers() -> None:
    record = order()
    record["variants"][0]["quantity"] = 2.5
    record["variants"][1]["quantity"] = "two"
    assert errors(record) == {
        "variants.0.quantity": "Expected a whole number, got 2.5.",
        "variants.1.quantity": "Expected a whole number, got 'two'.",
    }


@pytest.mark.parametrize(
    "name",
    [
        "itemPaidPrice",
        "itemPrice",
        "itemSalePrice",
        "itemShippingCost",
        "itemUnitPrice",
        "orderDiscountAmount",
        "orderGmv",
        "orderItemDiscountAmount",
        "orderItemTax",
        "tax",
        "taxRate",
        "quantity",
    ],
)
def test_min_0_attributes(name: str) -> None:
    record = order()
    record["variants"][1][name] = 0
    assert errors(record) == {}
    record["variants"][1][name] = -1
    assert errors(record) == {f"variants.1.{name}": "Must be at least 0, got -1."}


@pytest.mark.parametrize(
    ("sub", "item"),
    [
        ("shipments", {"shipmentId": "s"}),
        ("cancels", {"cancelId": "c"}),
        ("returns", {"returnId": "r"}),
    ],
)
def test_sub_item_quantities_are_at_least_0(sub: str, item: dict[str, Any]) -> None:
    record = order()
    record["variants"][1][sub] = [{**item, "quantity": -2}]
    assert errors(record) == {f"variants.1.{sub}.0.quantity": "Must be at least 0, got -2."}


def test_discount_amounts_are_at_least_0() -> None:
    record = order()
    record["discountCodes"] = [{"discountCode": "X", "amount": -1, "amountFundedBySeller": -0.5}]
    assert errors(record) == {
        "discountCodes.0.amount": "Must be at least 0, got -1.",
        "discountCodes.0.amountFundedBySeller": "Must be at least 0, got -0.5.",
    }


def test_attributes_without_min_take_negative_numbers() -> None:
    record = order()
    record["orderSubTotal"] = -5
    record["refundedShippingAmount"] = -1
    record["variants"][0]["itemWeight"] = -1
    assert errors(record) == {}


@pytest.mark.parametrize(
    "where",
    [
        ("giftMessage",),
        ("variants", 0, "sku"),
        ("addresses", "billing", "city"),
        ("variants", 0, "shipments", 0, "trackingId"),
        ("variants", 0, "shipments", 0, "shipmentId"),
        ("tax",),
        ("isGift",),
        ("currency",),
        ("createdAt",),
        ("discountCodes",),
    ],
)
@pytest.mark.parametrize("value", [None, "", "   "])
def test_null_and_empty_text_are_refused(where: tuple[Any, ...], value: Any) -> None:
    record = order()
    target = record
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    path = ".".join(map(str, where))
    found = errors(record)
    assert list(found) == [path]
    if value is None:
        assert found[path] == "null is not accepted; leave the attribute out instead."
    else:  # whatever the attribute's type, empty text is empty text
        assert found[path] == "Empty text is not accepted; leave the attribute out instead."


def test_empty_lists_and_objects_are_accepted() -> None:
    record = order()
    record["discountCodes"] = []
    record["addresses"]["billing"] = {}
    record["variants"][0]["shipments"] = []
    record["overwrites"] = {}
    assert errors(record) == {}


# -- supported values -------------------------------------------------------------------------

LISTS: list[tuple[tuple[Any, ...], tuple[str, ...]]] = [
    (("country",), COUNTRIES),
    (("addresses", "billing", "country"), COUNTRIES),
    (("addresses", "shipping", "country"), COUNTRIES),
    (("currency",), CURRENCIES),
    (("variants", 0, "itemStatus"), ItemStatus.__args__),
    (("variants", 1, "itemWeightUnit"), OrderWeightUnit.__args__),
]


@pytest.mark.parametrize(("where", "values"), LISTS)
def test_every_supported_value_is_accepted_and_others_are_not(
    where: tuple[Any, ...], values: tuple[str, ...]
) -> None:
    path = ".".join(map(str, where))
    for value in (*values, "nope"):
        record = order()
        target = record
        for step in where[:-1]:
            target = target[step]
        target[where[-1]] = value
        found = errors(record)
        if value == "nope":
            assert list(found) == [path]
            assert found[path].startswith("Unsupported value 'nope'; ")
        else:
            assert found == {}, value


def test_long_lists_are_not_spelled_out_in_errors_short_ones_are() -> None:
    record = order()
    record["country"] = "XX"
    record["variants"][0]["itemWeightUnit"] = "stone"
    assert errors(record) == {
        "country": "Unsupported value 'XX'; see the supported values.",
        "variants.0.itemWeightUnit": "Unsupported value 'stone'; supported values: "
        "'kg', 'g', 'lbs', 'oz', 'ton' or 'mg'.",
    }


def test_supported_values_are_case_sensitive() -> None:
    record = order()
    record["country"] = "sg"
    record["variants"][0]["itemStatus"] = "Shipped"
    assert set(errors(record)) == {"country", "variants.0.itemStatus"}


def test_return_pick_up_addresses_are_addresses() -> None:
    record = seed_sample("Return Order")
    record["variants"][0]["returns"][0]["pickupAddress"] = {"country": "DE", "zip": "10115"}
    record["variants"][0]["returns"][0]["pickupDate"] = "2022-02-01"
    assert errors(record) == {}
    record["variants"][0]["returns"][0]["pickupAddress"] = {"country": "XX", "floor": "2"}
    found = errors(record)
    assert set(found) == {
        "variants.0.returns.0.pickupAddress.country",
        "variants.0.returns.0.pickupAddress.floor",
    }


# -- top level and variants -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("currency", "SGD"), ("itemStatus", "paid"), ("publish", False), ("taxRate", 7)],
)
def test_attributes_move_between_top_level_and_variants_with_the_same_rules(
    name: str, value: Any
) -> None:
    top, variant = order(), order()
    top[name] = value
    variant["variants"][1][name] = value
    assert errors(top) == {}
    assert errors(variant) == {}
    top[name] = variant["variants"][1][name] = "" if isinstance(value, str) else "x"
    assert list(errors(top)) == [name]
    assert list(errors(variant)) == [f"variants.1.{name}"]


@pytest.mark.parametrize("name", ["systemOrderId", "systemOrderNumber"])
def test_order_ids_belong_at_the_top_level(name: str) -> None:
    record = order()
    record["variants"][0][name] = "1"
    assert errors(record) == {
        f"variants.0.{name}": f"{name} belongs at the top level of the record, not in a variant."
    }


def test_a_line_item_id_at_the_top_level_is_a_duplicate_once_there_are_two_items() -> None:
    record = order()
    for variant in record["variants"]:
        del variant["systemOrderItemId"]
    record["systemOrderItemId"] = "a"
    assert errors(record) == {
        "variants.1.systemOrderItemId": "Duplicate variant: variants.0 has the same "
        "systemOrderItemId 'a'. (systemOrderItemId comes from the top level; set it in each "
        "variant.)"
    }
    record["variants"].pop()
    assert errors(record) == {}


def test_line_item_ids_are_unique() -> None:
    record = order()
    record["variants"][1]["systemOrderItemId"] = "a1"
    assert errors(record) == {
        "variants.1.systemOrderItemId": "Duplicate variant: variants.0 has the same "
        "systemOrderItemId 'a1'."
    }


def test_variants_do_not_nest() -> None:
    record = order()
    record["variants"][0]["variants"] = []
    assert errors(record) == {"variants.0.variants": "variants cannot be nested here."}


def test_variants_must_be_objects() -> None:
    record = order()
    record["variants"].append("a3")
    assert list(errors(record)) == ["variants.2"]


# -- unknown attributes -----------------------------------------------------------------------


def test_unknown_attributes_are_refused_by_name_with_a_hint() -> None:
    record = order()
    record["shipingCost"] = 3
    record["variants"][1]["colour"] = "red"
    found = errors(record)
    assert found["shipingCost"] == (
        "Unknown attribute 'shipingCost'; see GET /schemas/orders for the orders attributes. "
        "Did you mean 'shippingCost'?"
    )
    assert found["variants.1.colour"].startswith("Unknown attribute 'colour'")


def test_group_id_belongs_on_the_batch_item() -> None:
    record = order()
    record["groupId"] = "g-1"
    assert errors(record) == {
        "groupId": "groupId belongs on the batch item (items[].groupId), not in the record."
    }


# -- overwrites -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "system:amazon",
        "system:lazada_sg,amazon",
        "system:ebay,cotd,shopee-my",
        "integration:11111111-2222-3333-4444-555555555555",
        "integration:AAAAAAAA-2222-3333-4444-BBBBBBBBBBBB",
    ],
)
def test_overwrite_keys_accepted(key: str) -> None:
    record = order()
    record["overwrites"] = {key: {"publish": False}}
    record["variants"][1]["overwrites"] = {key: {"itemStatus": "paid"}}
    assert errors(record) == {}


@pytest.mark.parametrize(
    "key",
    [
        "amazon",
        "system:",
        "system:amazon,",
        "system:a, b",
        "systems:amazon",
        "integration:123",
        "integration:11111111-2222-3333-4444-55555555555g",
        "channel:amazon",
        "",
    ],
)
def test_overwrite_keys_refused(key: str) -> None:
    record = order()
    record["variants"][1]["overwrites"] = {key: {"publish": False}}
    path = f"variants.1.overwrites.{key}"
    assert errors(record) == {
        path: "Overwrite keys are 'system:<id>[,<id>...]' or 'integration:<integration id>', "
        f"got {key!r}."
    }


def test_overwrite_values_follow_the_attribute_rules_all_optional() -> None:
    record = order()
    record["overwrites"] = {
        "system:amazon": {"currency": "EUR"},
        "system:lazada_sg": {"currency": "XXX", "tax": -1, "publish": None, "nope": 1},
    }
    assert set(errors(record)) == {
        "overwrites.system:lazada_sg.currency",
        "overwrites.system:lazada_sg.tax",
        "overwrites.system:lazada_sg.publish",
        "overwrites.system:lazada_sg.nope",
    }


def test_overwrites_cannot_replace_order_ids_or_nest() -> None:
    record = order()
    record["overwrites"] = {"system:amazon": {"systemOrderId": "2", "overwrites": {}}}
    assert errors(record) == {
        "overwrites.system:amazon.systemOrderId": "systemOrderId cannot be overwritten per "
        "system or integration.",
        "overwrites.system:amazon.overwrites": "overwrites cannot be nested here.",
    }


# -- shipments, cancels, returns --------------------------------------------------------------


def test_shipment_payload_rules() -> None:
    record = seed_sample("Shipment Order")
    # The same parcel may carry several line items; within one line item ids are unique.
    assert record["variants"][0]["shipments"][0]["shipmentId"] == "tracking123"
    assert record["variants"][1]["shipments"][0]["shipmentId"] == "tracking123"
    assert errors(record) == {}
    record["variants"][1]["shipments"][1]["shipmentId"] = "tracking123"
    record["variants"][1]["shipments"][1]["quantity"] = "one"
    assert errors(record) == {
        "variants.1.shipments.1.quantity": "Expected a whole number, got 'one'.",
        "variants.1.shipments.1.shipmentId": "Duplicate shipmentId 'tracking123': "
        "variants.1.shipments.0 has it too.",
    }


def test_cancel_payload_rules() -> None:
    record = seed_sample("Cancel Order")
    record["variants"][0]["cancels"][1]["cancelId"] = "cancel001"
    record["variants"][0]["cancels"][0]["cancelledReason"] = ""
    record["variants"][0]["cancels"][0]["reason"] = "x"
    found = errors(record)
    assert found["variants.0.cancels.1.cancelId"] == (
        "Duplicate cancelId 'cancel001': variants.0.cancels.0 has it too."
    )
    assert set(found) == {
        "variants.0.cancels.1.cancelId",
        "variants.0.cancels.0.cancelledReason",
        "variants.0.cancels.0.reason",
    }


def test_return_payload_rules() -> None:
    record = seed_sample("Return Order")
    returned = record["variants"][0]["returns"][1]
    returned["refundedAmount"] = "10.5"
    returned["pickupDate"] = "next week"
    del record["variants"][0]["returns"][0]["returnId"]
    found = errors(record)
    assert set(found) == {
        "variants.0.returns.0.returnId",
        "variants.0.returns.1.pickupDate",
    }


def test_sub_items_can_sit_at_the_top_level_for_a_single_line_item() -> None:
    record = seed_sample("Cancel Order")
    line = record.pop("variants")[0]
    merged = {**record, **line}
    assert errors(merged) == {}
    merged["cancels"].append({"cancelId": "cancel002"})
    assert errors(merged) == {
        "cancels.2.cancelId": "Duplicate cancelId 'cancel002': cancels.1 has it too."
    }


def test_every_error_is_reported_at_once() -> None:
    record = order()
    record["currency"] = "XXX"
    record["variants"][1]["quantity"] = -1
    del record["systemOrderNumber"]
    record["variants"][1]["systemOrderItemId"] = "a1"
    assert set(errors(record)) == {
        "currency",
        "variants.1.quantity",
        "systemOrderNumber",
        "variants.1.systemOrderItemId",
    }
