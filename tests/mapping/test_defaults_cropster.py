"""Cropster's default templates on the Cropster sandbox: green, roasted and blended lots in,
valid stock records that find the merchant's variant of their SKU; out (with the product's
title and price), lots the sandbox imports, in place when the externalId is known."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from crossdock.mapping.cml import compile_template
from crossdock.mapping.defaults import default_template
from crossdock.records.merge import deep_merge
from crossdock.records.schemas import VARIANT_KEYS, validate_record
from tests.sandboxes.test_cropster_support import open_api

pytestmark = pytest.mark.anyio

LIST = "inventory.green.listGreenLots"
ROASTS = "inventory.roast.listRoastedLots"
BLENDS = "inventory.blend.listBlendedLots"
IMPORT = "inventory.green.importGreenLot"


def _template(sync_type: str, direction: str, name: str) -> str:
    text = default_template("cropster", sync_type, direction, name)  # type: ignore[arg-type]
    assert text is not None
    return text


async def test_green_lots_become_stock_and_go_back_as_the_same_lots() -> None:
    to_stock = compile_template(_template("stock", "in", "greenLots"))
    to_lot = compile_template(_template("stock", "out", "import_green_lot"))
    assert _template("products", "out", "import_green_lot") == _template(
        "stock", "out", "import_green_lot"
    )
    async with open_api(records=60) as api:
        lots = await api.list_all(LIST, "greenLots")
        for lot in lots:
            stock = to_stock.apply(lot)
            validated, errors = validate_record("stock", stock)
            assert errors == [], (lot, stock)
            assert validated is not None
            factor = 1000 if lot["weight"]["unit"] == "KG" else 453.59237
            assert stock["stockQuantity"] == round(lot["weight"]["amount"] * factor)
            assert stock["available"] is (lot["weight"]["amount"] > 0)
        documented = to_stock.apply(lots[-1])  # the vendor's own sample, the oldest lot
        assert documented == {
            "merchantProductId": "green-lot-9876",
            "sku": "green-lot-9876",
            "stockQuantity": 12500,
            "stockQuantities": {"location-1234": 12500},
            "available": True,
        }
        # The master record: the stock with the product's title and price, as merged.
        imports = 0
        for lot in lots:
            if "externalId" not in lot or lot["weight"]["unit"] != "KG":
                continue
            master: dict[str, Any] = {**to_stock.apply(lot), "title": lot["name"]}
            if lot.get("price"):
                master |= {"price": lot["price"]["amount"], "currency": lot["price"]["currency"]}
            if lot.get("icoNumber"):
                master["_addition_"] = {"icoNumber": lot["icoNumber"]}
            data = to_lot.apply(master)
            imported = (await api.ok(IMPORT, {"data": data}))["result"]["greenLot"]
            assert imported["id"] == lot["id"], "keyed by externalId: updated in place"
            for field in ("name", "externalId", "icoNumber", "price", "weight"):
                assert imported.get(field) == lot.get(field), field
            assert imported["location"]["externalId"] == lot["location"]["externalId"]
            imports += 1
        assert imports > 20


async def test_a_product_with_variants_becomes_a_new_lot_in_pounds() -> None:
    product = {
        "merchantProductId": "p-1",
        "currency": "USD",
        "variants": [
            {
                "sku": "kenya-aa",
                "merchantVariantId": "1",
                "title": "Kenya AA",
                "price": 9.5,
                "stockQuantity": 45359,
                "stockQuantities": {"location-1234": 45359},
            },
        ],
    }
    data = compile_template(_template("products", "out", "import_green_lot")).apply(
        product, variables={"weightUnit": "LBS"}
    )
    assert data == {
        "name": "Kenya AA",
        "externalId": "kenya-aa",
        "weight": {"amount": 99.999, "unit": "LBS"},
        "location": {"externalId": "location-1234"},
        "price": {"amount": 9.5, "currency": "USD"},
    }
    async with open_api(records=5) as api:
        imported = (await api.ok(IMPORT, {"data": data}))["result"]["greenLot"]
    assert imported["externalId"] == "kenya-aa"
    assert imported["weight"] == {"amount": 99.999, "unit": "LBS"}


def _grams(weight: dict[str, Any]) -> int:
    amount: float = weight["amount"]
    return round(amount * (1000 if weight["unit"] == "KG" else 453.59237))


async def test_roasted_and_blended_lots_become_stock() -> None:
    roasted_in = compile_template(_template("stock", "in", "roastedLots"))
    blended_in = compile_template(_template("stock", "in", "blendedLots"))
    async with open_api(records=60) as api:
        roasts = await api.list_all(ROASTS, "roasts")
        blends = await api.list_all(BLENDS, "blends")
    assert len(roasts) == 60
    assert len(blends) == 12
    for lots, template, weight, date in (
        (roasts, roasted_in, "endWeight", "roastedDate"),
        (blends, blended_in, "weight", "blendedDate"),
    ):
        for lot in lots:
            stock = template.apply(lot)
            validated, errors = validate_record("stock", stock)
            assert errors == [], (lot, stock)
            assert validated is not None
            grams = _grams(lot[weight])
            start = datetime.fromisoformat(stock.pop("availableStart"))
            assert start == datetime.fromisoformat(lot[date])
            assert stock == {
                "merchantProductId": lot["id"],
                "sku": lot["id"],
                "stockQuantity": grams,
                "stockQuantities": {lot["location"]["externalId"]: grams},
                "available": grams > 0,
            }
        assert {lot[weight]["unit"] for lot in lots} == {"KG", "LBS"}


async def test_a_lots_stock_updates_the_merchants_variant_of_its_sku() -> None:
    """A stock row is keyed by SKU alone: the merchant's variant of that SKU (with the shop's
    merchantVariantId) is updated, not joined by a second variant of the same SKU."""
    to_stock = compile_template(_template("stock", "in", "greenLots"))
    async with open_api(records=5) as api:
        lot = (await api.list_all(LIST, "greenLots"))[-1]
    product = {
        "merchantProductId": "ethiopia",
        "variants": [
            {"merchantVariantId": "shop-1", "sku": lot["externalId"], "stockQuantity": 1},
            {"merchantVariantId": "shop-2", "sku": "other", "stockQuantity": 7},
        ],
    }
    row = {k: v for k, v in to_stock.apply(lot).items() if k != "merchantProductId"}
    merged = deep_merge(
        product, {"variants": [row]}, variant_keys=VARIANT_KEYS["products"], subitem_keys={}
    )
    assert [(v["merchantVariantId"], v["stockQuantity"]) for v in merged["variants"]] == [
        ("shop-1", 12500),
        ("shop-2", 7),
    ]
