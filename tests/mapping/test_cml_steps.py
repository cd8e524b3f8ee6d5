"""Every CML step, with what it does to text, numbers, units, currencies, dates and missing
values; and the runtime error of each step that can fail."""

from __future__ import annotations

from typing import Any

import pytest

from crossdock.mapping.cml import CmlRuntimeError
from crossdock.mapping.cml.units import CURRENCY_CODES, minor_units, rounded
from crossdock.records.schemas.common import CURRENCIES
from tests.mapping.cml_helpers import field, program, run

RECORD: dict[str, Any] = {
    "text": "  Hello World  ",
    "html": "<p>Big &amp; <b>bold</b></p><ul><li>one</li><li>two</li></ul>  <br>end",
    "csv": "red, green,,blue ",
    "tags": ["a", "b", 3, True],
    "nested": [[1, 2], [3], 4],
    "price": 99.9,
    "priceText": "12.50",
    "tie": 2.675,
    "negativeTie": -2.675,
    "qty": "7",
    "weight": 0.05,
    "weightUnit": "KG",
    "currency": "SGD",
    "currencies": ["JPY", "KWD"],
    "date": "2021-06-30T20:00:00+00:00",
    "naive": "2021-06-30T20:00:00",
    "local": "2019-06-23 11:47:22",
    "zone": "Asia/Singapore",
    "zulu": "2025-02-18T14:30:00.000Z",
    "day": "30/06/2021",
    "epoch": 1625083200,
    "flag": "yes",
    "zero": 0,
    "empty": "",
    "abc": "abc",
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # default and required
        ("{from: $.nothing, default: 5}", 5),
        ("{from: $.empty, default: filled}", "filled"),
        ("{from: $.zero, default: 5}", 0),
        ("{from: $.nothing, default: $.currency}", "SGD"),
        ("{from: $.currency, required: true}", "SGD"),
        # to
        ("{from: $.qty, to: number}", 7),
        ("{from: $.priceText, to: number}", 12.5),
        ("{from: $.price, to: text}", "99.9"),
        ("{from: 15.0, to: text}", "15"),
        ("{from: $.flag, to: boolean}", True),
        ("{from: 0, to: boolean}", False),
        ("{from: ' No ', to: boolean}", False),
        ("{from: '3.0', to: integer}", 3),
        ("{from: $.currency, to: list}", ["SGD"]),
        ("{from: $.tags, to: list}", ["a", "b", 3, True]),
        # text
        ("{from: $.text, trim: true}", "Hello World"),
        ("{from: $.text, trim: true, case: upper}", "HELLO WORLD"),
        ("{from: $.text, case: lower}", "  hello world  "),
        ("{from: 'big shoe', case: title}", "Big Shoe"),
        ("{from: $.text, trim: true, truncate: 5}", "Hello"),
        ("{from: $.html, strip_html: true}", "Big & bold\none\ntwo\nend"),
        ("{from: 'a&lt;b', strip_html: true}", "a<b"),
        ("{from: 'R&D and T&C', replace: {'&': ' and '}}", "R and D and T and C"),
        ("{from: 'a-b_c', replace: {'-': ' ', _: ' '}}", "a b c"),
        ("{from: $.csv, split: ','}", ["red", "green", "blue"]),
        ("{from: $.tags, join: ', '}", "a, b, 3, true"),
        ("{from: $.currency, join: ','}", "SGD"),
        ("{from: $.nested, flatten: true}", [1, 2, 3, 4]),
        ("{from: $.csv, split: ',', join: '|'}", "red|green|blue"),
        ("{from: 12, case: upper}", "12"),
        # numbers
        ("{from: $.price, round: 0}", 100),
        ("{from: $.tie, round: 2}", 2.68),
        ("{from: $.negativeTie, round: 2}", -2.68),
        ("{from: 1.005, round: 2}", 1.01),
        ("{from: 0.285, round: 2}", 0.29),
        ("{from: 2.5, round: 0}", 3),
        ("{from: -0.5, round: 0}", -1),
        ("{from: 7, round: 2}", 7),
        ("{from: $.priceText, round: 1}", 12.5),
        ("{from: 123456789012.345, round: 2}", 123456789012.35),
        ("{from: $.price, multiply: 2}", 199.8),
        ("{from: $.qty, multiply: $.priceText}", 87.5),
        ("{from: 999, divide: 100}", 9.99),
        ("{from: $.price, add: -9.9}", 90.0),
        ("{from: 10, add: '2.5'}", 12.5),
        # units
        ("{from: $.weight, convert: {from: $.weightUnit, to: g}}", 50.0),
        ("{from: 1, convert: {from: lbs, to: kg}}", 0.45359237),
        ("{from: 1, convert: {from: lb, to: oz}, round: 4}", 16.0),
        ("{from: 2, convert: {from: ton, to: kg}}", 2000.0),
        ("{from: 1500, convert: {from: mg, to: g}}", 1.5),
        ("{from: 12, convert: {from: in, to: ft}}", 1.0),
        ("{from: 1, convert: {from: km, to: m}}", 1000.0),
        ("{from: 10, convert: {from: cm, to: in}, round: 3}", 3.937),
        ("{from: 25.4, convert: {from: mm, to: in}}", 1.0),
        ("{from: 1, convert: {from: M, to: CM}}", 100.0),
        # currencies
        ("{from: $.price, currency: SGD}", 99.9),
        ("{from: 1234.5, currency: JPY}", 1235),
        ("{from: 1.2345, currency: KWD}", 1.235),
        ("{from: 1.23456, currency: CLF}", 1.2346),
        ("{from: 0.123456789, currency: BTC}", 0.12345679),
        ("{from: 1.23456, currency: XAU}", 1.23456),
        ("{from: $.price, currency: {code: $.currency, as: text}}", "99.90"),
        ("{from: 5, currency: {code: KWD, as: text}}", "5.000"),
        ("{from: -0.5, currency: {code: USD, as: text}}", "-0.50"),
        ("{from: $.price, currency: {code: sgd, as: minor}}", 9990),
        ("{from: 1234.5, currency: {code: JPY, as: minor}}", 1235),
        ("{from: $.tie, currency: {code: $.currency, as: minor}}", 268),
        ("{from: 1.23456, currency: {code: XAU, as: text}}", "1.23456"),
        # dates
        ("{from: $.date, date: date}", "2021-06-30"),
        ("{from: $.date, date: {format: date, timezone: Asia/Singapore}}", "2021-07-01"),
        ("{from: $.naive, date: iso}", "2021-06-30T20:00:00+00:00"),
        ("{from: $.zulu, date: iso}", "2025-02-18T14:30:00+00:00"),
        ("{from: $.zulu, date: epoch_ms}", 1739889000000),
        ("{from: $.date, date: epoch}", 1625083200),
        ("{from: $.epoch, date: {parse: epoch, format: iso}}", "2021-06-30T20:00:00+00:00"),
        ("{from: 1625083200000, date: {parse: epoch_ms, format: date}}", "2021-06-30"),
        ("{from: $.day, date: {parse: '%d/%m/%Y', format: date}}", "2021-06-30"),
        ("{from: $.date, date: '%d.%m.%Y %H:%M'}", "30.06.2021 20:00"),
        ("{from: '2021-06-30', date: iso}", "2021-06-30T00:00:00+00:00"),
        ("{from: '0985-02-12', date: date}", "0985-02-12"),
        (
            "{from: $.date, date: {timezone: America/New_York, format: iso}}",
            "2021-06-30T16:00:00-04:00",
        ),
        (
            "{from: $.date, date: {timezone: UTC, format: '%Y-%m-%dT%H:%M:%S.000Z'}}",
            "2021-06-30T20:00:00.000Z",
        ),
        # dates: the zone of a date-time without an offset, zones from the record
        (
            "{from: $.local, date: {parse: '%Y-%m-%d %H:%M:%S', parse_timezone: Europe/Prague}}",
            "2019-06-23T11:47:22+02:00",
        ),
        ("{from: $.local, date: {parse_timezone: Europe/Prague}}", "2019-06-23T11:47:22+02:00"),
        (
            "{from: $.naive, date: {parse_timezone: $.zone, timezone: UTC}}",
            "2021-06-30T12:00:00+00:00",
        ),
        ("{from: $.date, date: {parse_timezone: Asia/Singapore}}", "2021-06-30T20:00:00+00:00"),
        (
            "{from: '2021-07-01', date: {parse_timezone: $.zone, timezone: UTC, format: date}}",
            "2021-06-30",
        ),
        ("{from: $.date, date: {timezone: $.zone, format: iso}}", "2021-07-01T04:00:00+08:00"),
        (
            "{from: $.date, date: {timezone: {from: $.nothing, default: utc}}}",
            "2021-06-30T20:00:00+00:00",
        ),
        (
            "{from: $.epoch, date: {parse: epoch, parse_timezone: $.zone}}",
            "2021-06-30T20:00:00+00:00",
        ),
        # dates: years before 1000 have four digits in every format
        ("{from: '0985-02-12', date: '%d.%m.%Y'}", "12.02.0985"),
        ("{from: '0985-02-12', date: '%Y %%Y %y'}", "0985 %Y 85"),
        ("{from: '0985-02-12T23:00:00-01:00', date: {timezone: UTC}}", "0985-02-13T00:00:00+00:00"),
        # pad
        ("{from: 42, pad: 6}", "000042"),
        ("{from: '42', pad: 6}", "000042"),
        ("{from: -42, pad: 6}", "-00042"),
        ("{from: 4.5, pad: 6}", "0004.5"),
        ("{from: '1234567', pad: 3}", "1234567"),
        ("{from: '985-02-12', pad: 10}", "0985-02-12"),
        ("{from: AB, pad: {width: 5, fill: ' '}}", "   AB"),
        ("{from: 42, pad: {width: 5, fill: 0}}", "00042"),
        ("{from: '-42', pad: {width: 5, fill: '*'}}", "**-42"),
        ("{from: $.flag, pad: 4, case: upper}", "0YES"),
        # comparisons
        ("{from: $.currency, equals: SGD}", True),
        ("{from: $.currency, equals: $.nothing}", False),
        ("{from: $.nothing, equals: SGD}", False),
        ("{from: $.qty, equals: 7}", False),
        ("{from: 1, equals: true}", False),
        ("{from: 1.0, equals: 1}", True),
        ("{from: $.currency, in: [USD, SGD]}", True),
        ("{from: JPY, in: $.currencies}", True),
        ("{from: EUR, in: $.currencies}", False),
        ("{from: $.nothing, in: [USD]}", False),
        ("{from: $.price, gt: 50}", True),
        ("{from: $.qty, gt: 10}", False),
        ("{from: $.qty, gte: 7}", True),
        ("{from: $.price, lt: $.priceText}", False),
        ("{from: 3, lte: 3}", True),
        ("{from: '2021-01-02', gt: '2021-01-01'}", True),
        ("{from: $.nothing, gt: 0}", False),
        ("{from: $.currency, exists: true}", True),
        ("{from: $.nothing, exists: true}", False),
        ("{from: $.nothing, exists: false}", True),
    ],
)
def test_steps(expression: str, expected: Any) -> None:
    value = field(expression, RECORD)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "expression",
    [
        "{from: $.nothing, to: number}",
        "{from: $.nothing, trim: true, case: upper, truncate: 3}",
        "{from: $.nothing, round: 2, multiply: 3, currency: SGD}",
        "{from: $.nothing, convert: {from: kg, to: g}}",
        "{from: $.nothing, date: date}",
        "{from: $.nothing, date: {timezone: $.nothing, parse_timezone: $.abc}}",
        "{from: $.nothing, pad: 6}",
        "{from: $.nothing, lookup: {a: b}}",
        "{from: $.nothing, split: ',', join: ';', flatten: true}",
        "{from: $.text, lookup: {x: y}}",
        "{from: $.text, trim: false, strip_html: false, flatten: false}",
    ],
)
def test_steps_pass_missing_values_through(expression: str) -> None:
    value = field(expression, RECORD)
    assert value is None or value == RECORD["text"]


@pytest.mark.parametrize(
    ("expression", "path", "detail"),
    [
        ("{from: $.abc, to: number}", "record.abc", "cannot convert 'abc' to a number"),
        ("{from: $.price, to: integer}", "record.price", "cannot convert 99.9 to a whole number"),
        ("{from: $.abc, to: boolean}", "record.abc", "cannot convert 'abc' to true or false"),
        ("{from: $.tags, to: text}", "record.tags", "cannot convert a list to text"),
        ("{from: $.nothing, required: 'a SKU is needed'}", "record.nothing", "a SKU is needed"),
        ("{from: $.nothing, required: true}", "record.nothing", "is required but missing"),
        ("{from: $.tags, lookup: {a: b}}", "record.tags", "cannot look up a list"),
        ("{from: $.nested, join: ','}", "record.nested", "cannot convert a list to text"),
        ("{from: $.abc, round: 2}", "record.abc", "cannot convert 'abc' to a number"),
        ("{from: $.price, multiply: $.abc}", "record.price", "multiply: cannot convert 'abc'"),
        ("{from: $.price, divide: $.zero}", "record.price", "divide: cannot divide by zero"),
        ("{from: $.price, add: $.nothing}", "record.price", "add: the operand is missing"),
        ("{from: 1e300, multiply: 1e300}", None, "multiply: the result is too large"),
        ("{from: $.weight, convert: {from: $.abc, to: kg}}", "record.weight", "unknown unit 'abc'"),
        ("{from: $.weight, convert: {from: $.currency, to: g}}", "record.weight", "unknown unit"),
        ("{from: $.weight, convert: {from: $.nothing, to: g}}", "record.weight", "is missing"),
        ("{from: 1, convert: {from: $.weightUnit, to: cm}}", None, "cannot convert weight (KG)"),
        ("{from: $.price, currency: $.abc}", "record.price", "unknown currency 'abc'"),
        ("{from: $.price, currency: $.nothing}", "record.price", "currency code is missing"),
        ("{from: 1, currency: {code: XAU, as: minor}}", None, "XAU has no minor unit"),
        ("{from: $.abc, date: date}", "record.abc", "cannot read 'abc' as a date"),
        ("{from: $.epoch, date: date}", "record.epoch", "cannot read 1625083200 as an ISO 8601"),
        ("{from: $.date, date: {parse: epoch}}", "record.date", "as epoch (a number)"),
        ("{from: $.abc, date: {parse: '%d/%m/%Y'}}", "record.abc", "cannot read 'abc' as a date"),
        (
            "{from: $.date, date: {timezone: $.abc}}",
            "record.date",
            "date timezone: unknown time zone 'abc' in record.abc; use a name such as",
        ),
        (
            "{from: $.local, date: {parse_timezone: $.tags}}",
            "record.local",
            "date parse_timezone: unknown time zone a list in record.tags",
        ),
        ("{from: $.date, date: {timezone: $.nothing}}", "record.date", "no time zone in record"),
        (
            "{from: $.date, date: {timezone: {list: [$.zone]}}}",
            "record.date",
            "unknown time zone a",
        ),
        ("{from: $.tags, pad: 3}", "record.tags", "cannot convert a list to text"),
        ("{from: $.abc, gt: 1}", "record.abc", "gt: cannot convert 'abc' to a number"),
        ("{from: 1, in: $.abc}", None, "in: expected a list to look in, got 'abc'"),
    ],
)
def test_step_errors_name_the_value(expression: str, path: str | None, detail: str) -> None:
    with pytest.raises(CmlRuntimeError) as caught:
        field(expression, RECORD)
    error = caught.value
    assert error.path == path
    assert detail in error.reason
    assert error.line == 2
    assert error.output == "x"
    assert error.field == (path or "template:2")


def test_every_seed_currency_has_its_minor_units() -> None:
    assert frozenset(CURRENCIES) == CURRENCY_CODES
    assert {code: minor_units(code) for code in ("SGD", "JPY", "KWD", "CLF", "BTC", "XAU")} == {
        "SGD": 2,
        "JPY": 0,
        "KWD": 3,
        "CLF": 4,
        "BTC": 8,
        "XAU": None,
    }


@pytest.mark.parametrize("digits", [0, 1, 2, 3])
def test_rounding_is_half_up_on_the_number_as_written(digits: int) -> None:
    # Every number with 6 decimals in [-10, 10], rounded by CML and by Decimal on its text.
    from decimal import ROUND_HALF_UP, Decimal

    step = Decimal(1).scaleb(-digits)
    for n in range(-10_000_000, 10_000_000, 7919):
        number = n / 1_000_000
        expected = Decimal(repr(number)).quantize(step, rounding=ROUND_HALF_UP)
        assert rounded(number, digits) == (int(expected) if digits == 0 else float(expected))
    for tie in ("0.5", "1.5", "2.675", "-2.675", "1.005", "0.125", "-0.125", "1234567.895"):
        number = float(tie)
        expected = Decimal(tie).quantize(step, rounding=ROUND_HALF_UP)
        assert rounded(number, digits) == (int(expected) if digits == 0 else float(expected))


def test_dates_repeated_across_items_map_like_any_other() -> None:
    # The date step remembers its last text; repeats, changes and errors must not leak.
    template = "output:\n  x: {each: $.d, output: {from: $., date: {format: '%d %b %Y'}}}\n"
    days = ["2021-01-01", "2021-01-01", "2021-02-03T10:00:00Z", "2021-01-01"]
    expected = ["01 Jan 2021", "01 Jan 2021", "03 Feb 2021", "01 Jan 2021"]
    assert run(template, {"d": days})["x"] == expected
    with pytest.raises(CmlRuntimeError) as caught:
        run(template, {"d": ["2021-01-01", "soon", "2021-01-01"]})
    assert caught.value.path == "record.d[1]"


ZONED = """variables:
  timeZone: null
output:
  x:
    each: $.times
    output: {from: $., date: {parse: '%Y-%m-%d %H:%M:%S', parse_timezone: $variables.timeZone}}
  y: {from: $.at, date: {timezone: $variables.timeZone, format: '%Y-%m-%d %H:%M'}}
"""


def test_zones_from_variables_follow_the_variables_of_each_call() -> None:
    zoned = program(ZONED)
    times = {"times": ["2021-01-10 12:00:00", "2021-07-10 12:00:00"], "at": "2021-07-10T10:00Z"}
    prague = zoned.apply(times, variables={"timeZone": "Europe/Prague"})
    assert prague == {
        "x": ["2021-01-10T12:00:00+01:00", "2021-07-10T12:00:00+02:00"],
        "y": "2021-07-10 12:00",
    }
    # The same texts again in another zone: the step's memory of the last text is per zone.
    york = zoned.apply(times, variables={"timeZone": "America/New_York"})
    assert york == {
        "x": ["2021-01-10T12:00:00-05:00", "2021-07-10T12:00:00-04:00"],
        "y": "2021-07-10 06:00",
    }
    assert zoned.apply(times, variables={"timeZone": "utc"})["y"] == "2021-07-10 10:00"


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        # when clocks go back the hour repeats: the first (summer time) is meant
        ("2021-10-31 02:30:00", "2021-10-31T02:30:00+02:00"),
        # when they go forward the hour does not exist: read with the offset before the change
        ("2021-03-28 02:30:00", "2021-03-28T02:30:00+01:00"),
    ],
)
def test_local_times_around_a_clock_change(local: str, expected: str) -> None:
    out = program(ZONED).apply(
        {"times": [local], "at": "2021-01-01"}, variables={"timeZone": "Europe/Prague"}
    )
    assert out["x"] == [expected]


def test_literal_zones_read_naive_text_on_the_fast_path_too() -> None:
    # date: iso on ISO text takes a shortcut that must honour parse_timezone as well
    template = "output:\n  x: {each: $.d, output: {from: $., date: {parse_timezone: Asia/Tokyo}}}\n"
    days = ["2021-01-01T09:00:00", "2021-01-01T09:00:00+00:00", "2021-01-01", "not a date"]
    with pytest.raises(CmlRuntimeError) as caught:
        run(template, {"d": days})
    assert caught.value.path == "record.d[3]"
    assert run(template, {"d": days[:3]})["x"] == [
        "2021-01-01T09:00:00+09:00",
        "2021-01-01T09:00:00+00:00",
        "2021-01-01T00:00:00+09:00",
    ]
