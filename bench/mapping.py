"""Mapping throughput: 100,000 seed-sized products (the seed's "Create / Update Product" sample,
varied: ids, titles, brands, colors, prices, currencies, units, 1 to 6 variants) mapped to a
marketplace's flat listings, one per published variant, with unit and currency conversions,
lookup tables, HTML stripping and dates; in CML, and the same mapping in Mako (a plain
``mako.template.Template`` in this process, rendering the listing as JSON text), in one run.

Both mappings are first checked to give the same result on every distinct record.
Run: ``.venv/bin/python bench/mapping.py`` (``--records``, ``--pool``, ``--repeat``).
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import random
import re
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from html import unescape
from pathlib import Path
from typing import Any

from mako.template import Template

from crossdock.mapping.cml import compile_template

# The repository's verbatim copy of the seed's order and product sections.
SEED = Path(__file__).resolve().parent.parent / "tests/records/test_schemas_seed.txt"
SAMPLE_TITLE = "Create / Update Product"

CML = r"""
cml: 1
description: Crossdock products as a marketplace's flat listings, one per published variant.
variables:
  weightUnit: lbs
  lengthUnit: in
  markup: 1
tables:
  colors: {Blue: BLU, Green: GRN, Red: RED, Black: BLK, White: WHT, Navy: NVY}
  categories:
    Mens > Shoes > Boots: "1001"
    Mens > Shoes > Sneakers: "1002"
    Womens > Shoes > Boots: "2001"
    Womens > Bags: "2100"
computed:
  name: {list: [$.brand, $.title], join: " "}
  description: {from: $.descriptionHtml, strip_html: true, truncate: 2000}
  category: {from: $.merchantCategoryName, lookup: categories, default: "0"}
  weight:
    from: $.weight
    convert: {from: $.weightUnit, to: $variables.weightUnit}
    round: 2
  packageHeight:
    from: $.packageHeight
    convert: {from: $.packageHeightUnit, to: $variables.lengthUnit}
    round: 1
  packageLength:
    from: $.packageLength
    convert: {from: $.packageLengthUnit, to: $variables.lengthUnit}
    round: 1
  packageWidth:
    from: $.packageWidth
    convert: {from: $.packageWidthUnit, to: $variables.lengthUnit}
    round: 1
  updatedAt: {from: $.updatedAt, date: epoch}
output:
  productId: $.merchantProductId
  listings:
    each: $.variants
    where: $.publish
    output:
      object:
        sku: {from: $.sku, required: true}
        parentSku: {from: $.parentSku, default: $record.merchantProductId}
        title: {list: [$computed.name, $.optionValue1, $.optionValue2], join: " ", truncate: 80}
        description:
          first:
            - {from: $.descriptionHtml, strip_html: true, truncate: 2000}
            - $computed.description
        brand: $record.brand
        category: $computed.category
        color: {from: $.color, lookup: colors, default: {from: $.color, case: upper}}
        size: $.size
        condition: new
        currency: $record.currency
        price: {from: $.price, multiply: $variables.markup, currency: $record.currency}
        salePrice:
          if: {from: $.salePrice, lt: $.price}
          then: {from: $.salePrice, currency: $record.currency}
        priceMinor: {from: $.price, currency: {code: $record.currency, as: minor}}
        quantity: {from: $.stockQuantity, to: integer, default: 0}
        available: {all: [$.available, {from: $.stockQuantity, gt: 0}]}
        weight: $computed.weight
        weightUnit: $variables.weightUnit
        packageHeight: $computed.packageHeight
        packageLength: $computed.packageLength
        packageWidth: $computed.packageWidth
        images: {list: [$.images, $record.productImages], flatten: true, join: "|"}
        upc: {from: $.upc, to: text}
        saleStart: {from: $.saleStart, date: date}
        saleEnd: {from: $.saleEnd, date: date}
        updatedAt: $computed.updatedAt
"""

# The same mapping in Mako: helpers in a module block, the listing written as JSON text.
MAKO = r"""<%!
from json import dumps as j
from bench_mapping_helpers import (
    COLORS, CATEGORIES, currency, minor, convert, strip_html, to_date, to_epoch
)
%>\
<%
variants = [v for v in record.get("variants") or () if v.get("publish")]
brand = record.get("brand")
units = variables
code = record["currency"]
name = " ".join(str(x) for x in (brand, record.get("title")) if x is not None)
html = record.get("descriptionHtml")
description = strip_html(html)[:2000] if html is not None else None
category = CATEGORIES.get(record.get("merchantCategoryName"), "0")
weight = convert(record["weight"], record["weightUnit"], units["weightUnit"], 2)
height = convert(record["packageHeight"], record["packageHeightUnit"], units["lengthUnit"], 1)
length = convert(record["packageLength"], record["packageLengthUnit"], units["lengthUnit"], 1)
width = convert(record["packageWidth"], record["packageWidthUnit"], units["lengthUnit"], 1)
updated = to_epoch(record["updatedAt"])
%>\
{"productId": ${j(record["merchantProductId"])}, "listings": [\
% for i, v in enumerate(variants):
<%
title = " ".join(
    str(x) for x in (name, v.get("optionValue1"), v.get("optionValue2")) if x is not None
)[:80]
own = v.get("descriptionHtml")
text = strip_html(own)[:2000] if own is not None else description
images = (v.get("images") or []) + (record.get("productImages") or [])
%>\
${"," if i else ""}{"sku": ${j(v["sku"])}, \
"parentSku": ${j(v.get("parentSku") or record["merchantProductId"])}, \
"title": ${j(title)}, \
% if text is not None:
"description": ${j(text)}, \
% endif
"brand": ${j(brand)}, "category": ${j(category)}, \
"color": ${j(COLORS.get(v["color"]) or v["color"].upper())}, \
"size": ${j(v["size"])}, "condition": "new", "currency": ${j(code)}, \
"price": ${j(currency(v["price"] * units["markup"], code))}, \
% if v.get("salePrice") is not None and v["salePrice"] < v["price"]:
"salePrice": ${j(currency(v["salePrice"], code))}, \
% endif
"priceMinor": ${j(minor(v["price"], code))}, \
"quantity": ${j(int(v.get("stockQuantity") or 0))}, \
"available": ${j(bool(v.get("available")) and v.get("stockQuantity", 0) > 0)}, \
"weight": ${j(weight)}, "weightUnit": ${j(units["weightUnit"])}, \
"packageHeight": ${j(height)}, "packageLength": ${j(length)}, "packageWidth": ${j(width)}, \
"images": ${j("|".join(images))}, "upc": ${j(str(v["upc"]))}, \
"saleStart": ${j(to_date(v["saleStart"]))}, "saleEnd": ${j(to_date(v["saleEnd"]))}, \
"updatedAt": ${j(updated)}}\
% endfor
]}"""


class Helpers:
    """What the Mako template imports: the same conversions, in plain Python."""

    COLORS = {
        "Blue": "BLU",
        "Green": "GRN",
        "Red": "RED",
        "Black": "BLK",
        "White": "WHT",
        "Navy": "NVY",
    }
    CATEGORIES = {
        "Mens > Shoes > Boots": "1001",
        "Mens > Shoes > Sneakers": "1002",
        "Womens > Shoes > Boots": "2001",
        "Womens > Bags": "2100",
    }
    _MINOR = {"JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}
    _UNITS = {
        "kg": 1000.0,
        "g": 1.0,
        "lbs": 453.59237,
        "oz": 28.349523125,
        "cm": 10.0,
        "mm": 1.0,
        "m": 1000.0,
        "in": 25.4,
        "ft": 304.8,
    }
    _TAG = re.compile(r"<[^<>]*>")
    _BREAK = re.compile(r"</?(?:p|div|br|li|ul|ol|tr|h[1-6]|table|section|article)\b[^<>]*>", re.I)
    _SPACES = re.compile(r"[ \t\r\f\v]+")
    _LINES = re.compile(r"\s*\n\s*")

    @classmethod
    def _round(cls, number: float, digits: int) -> Decimal:
        return Decimal(repr(number)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)

    @classmethod
    def currency(cls, number: float, code: str) -> float | int:
        digits = cls._MINOR.get(code, 2)
        rounded = cls._round(number, digits)
        return int(rounded) if digits == 0 else float(rounded)

    @classmethod
    def minor(cls, number: float, code: str) -> int:
        digits = cls._MINOR.get(code, 2)
        return int(cls._round(number, digits).scaleb(digits))

    @classmethod
    def convert(cls, number: float, source: str, target: str, digits: int) -> float:
        value = number * (cls._UNITS[source.lower()] / cls._UNITS[target.lower()])
        return float(cls._round(value, digits))

    @classmethod
    def strip_html(cls, text: str) -> str:
        if "<" not in text and "&" not in text:
            return text.strip()
        text = cls._TAG.sub("", cls._BREAK.sub("\n", text))
        return cls._LINES.sub("\n", cls._SPACES.sub(" ", unescape(text))).strip()

    @staticmethod
    def to_date(text: str) -> str:
        from datetime import UTC, datetime

        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.date().isoformat()

    @staticmethod
    def to_epoch(text: str) -> int:
        from datetime import UTC, datetime

        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())


def seed_product() -> dict[str, Any]:
    lines = SEED.read_text().splitlines()
    for title, sample in itertools.pairwise(lines):
        if title == SAMPLE_TITLE and sample.startswith('{ "merchantProductId"'):
            product: dict[str, Any] = json.loads(sample)
            return product
    raise LookupError(f"no {SAMPLE_TITLE!r} sample in {SEED}")


COLORS = ["Blue", "Green", "Red", "Black", "White", "Navy", "Olive", "Sand"]
SIZES = ["XS", "S", "M", "L", "XL"]
BRANDS = ["My Brand", "Northwind", "Harbor & Co", "Evergreen"]
CATEGORIES = [
    "Mens > Shoes > Boots",
    "Mens > Shoes > Sneakers",
    "Womens > Shoes > Boots",
    "Womens > Bags",
    "Kids > Toys",
]
CURRENCIES = ["SGD", "SGD", "USD", "JPY", "KWD", "EUR"]


def varied(base: dict[str, Any], rng: random.Random, n: int) -> dict[str, Any]:
    """The seed's product with its own ids, text, prices, currency, units and 1-6 variants."""
    product = copy.deepcopy(base)
    product["merchantProductId"] = f"P{n:06d}"
    product["brand"] = rng.choice(BRANDS)
    product["title"] = f"{rng.choice(['Small', 'Large', 'Classic'])} shoe no. {n}"
    product["currency"] = rng.choice(CURRENCIES)
    product["merchantCategoryName"] = rng.choice(CATEGORIES)
    product["descriptionHtml"] = (
        f"<p>Product {n}: comfortable &amp; durable.</p><ul><li>Leather</li><li>Rubber sole"
        "</li></ul>"
    )
    product["weightUnit"] = rng.choice(["kg", "g", "lbs", "oz"])
    product["weight"] = round(rng.uniform(0.05, 900), 2)
    unit = rng.choice(["cm", "mm", "in"])
    for part in ("Height", "Length", "Width"):
        product[f"package{part}Unit"] = unit
        product[f"package{part}"] = rng.randint(1, 300)
    product["updatedAt"] = (
        f"2022-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T0{rng.randint(0, 9)}:00:00+00:00"
    )
    variants = []
    for i in range(rng.randint(1, 6)):
        variant = copy.deepcopy(base["variants"][i % len(base["variants"])])
        variant["sku"] = f"P{n:06d}-{i}"
        variant["parentSku"] = f"P{n:06d}" if rng.random() < 0.8 else None
        if variant["parentSku"] is None:
            del variant["parentSku"]
        variant["color"] = variant["optionValue1"] = rng.choice(COLORS)
        variant["size"] = variant["optionValue2"] = rng.choice(SIZES)
        variant["price"] = round(rng.uniform(1, 500), 2)
        variant["salePrice"] = round(variant["price"] * rng.choice([0.5, 0.8, 1.2]), 3)
        variant["stockQuantity"] = rng.randint(0, 40)
        variant["publish"] = rng.random() < 0.9
        variant["upc"] = str(rng.randint(10**11, 10**12))
        variants.append(variant)
    product["variants"] = variants
    return product


def timed(
    label: str, fn: Callable[[dict[str, Any]], Any], pool: list[dict[str, Any]], total: int
) -> float:
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    done = 0
    while done < total:
        for record in pool[: total - done]:
            fn(record)
        done += min(len(pool), total - done)
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    print(
        f"{label:<28} {total / wall:>10,.0f} records/s  ({total / cpu:,.0f} per CPU-second, "
        f"{wall:.2f} s)"
    )
    return total / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=2_000, help="distinct records, cycled")
    parser.add_argument("--repeat", type=int, default=1, help="timed rounds of each")
    args = parser.parse_args()

    import sys
    import types

    helpers = types.ModuleType("bench_mapping_helpers")
    for name in (
        "COLORS",
        "CATEGORIES",
        "currency",
        "minor",
        "convert",
        "strip_html",
        "to_date",
        "to_epoch",
    ):
        setattr(helpers, name, getattr(Helpers, name))
    sys.modules["bench_mapping_helpers"] = helpers

    rng = random.Random(7)
    base = seed_product()
    pool = [varied(base, rng, n) for n in range(args.pool)]
    variables = {"weightUnit": "lbs", "lengthUnit": "in", "markup": 1}

    start = time.perf_counter()
    program = compile_template(CML)
    compiled_in = time.perf_counter() - start
    mako = Template(MAKO)
    render = mako.render

    def cml(record: dict[str, Any]) -> dict[str, Any]:
        return program.apply(record)

    def mako_text(record: dict[str, Any]) -> str:
        return render(record=record, variables=variables)  # type: ignore[no-any-return]

    def mako_record(record: dict[str, Any]) -> Any:
        return json.loads(render(record=record, variables=variables))

    listings = 0
    for record in pool:
        expected = cml(record)
        got = mako_record(record)
        assert got == expected, (record["merchantProductId"], got, expected)
        listings += len(expected["listings"])
    print(
        f"{len(pool):,} distinct products ({listings / len(pool):.1f} listings each) map the "
        f"same in CML and Mako; CML compiled in {compiled_in * 1000:.1f} ms"
    )
    print(f"mapping {args.records:,} products:")
    for _ in range(args.repeat):
        timed("CML (records)", cml, pool, args.records)
        timed("Mako (JSON text)", mako_text, pool, args.records)
        timed("Mako (JSON text, parsed)", mako_record, pool, args.records)


if __name__ == "__main__":
    main()
