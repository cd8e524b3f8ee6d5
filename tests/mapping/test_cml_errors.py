"""CML's errors: every compile error names the template and the line, every runtime error the
value's place in the request and the output being built. The two are different types."""

from __future__ import annotations

import pytest

from crossdock.errors import FixRequest
from crossdock.mapping.cml import CmlCompileError, CmlRuntimeError
from tests.mapping.cml_helpers import program, run, seed_product

PRODUCT = seed_product()


@pytest.mark.parametrize(
    ("template", "line", "detail"),
    [
        # the document
        ("", 1, "the template is empty"),
        ("output: [1", 2, "invalid YAML"),  # the end of the document, where ] was due
        ("output:\n  a: 1\n\tb: 2\n", 3, "invalid YAML"),
        ("output:\n  a: 1\n  a: 2\n", 3, "duplicate key 'a' (first written at line 2)"),
        ("output:\n  a: &x 1\n  b: *x\n", 2, "anchors and aliases"),
        ("output:\n  a: !!python/object:os.system 1\n", 2, "YAML tags"),
        ("output:\n  a: !!binary aGk=\n", 2, "YAML tags"),
        ("output: {}\n---\noutput: {}\n", 2, "one YAML document"),
        ("output:\n  a: .nan\n", 2, "is not a JSON number"),
        ("output:\n  ? [a]\n  : 1\n", 2, "a key must be text"),
        ("- output\n", 1, "a template is a mapping"),
        ("cml: 2\noutput: {}\n", 1, "this is CML version 1"),
        ("outputs:\n  a: 1\n", 1, "unknown top-level key 'outputs'"),
        ("variables: {}\n", 1, "no output:"),
        ("output: 5\n", 1, "output: expected the fields"),
        ("tables: [a]\noutput: {}\n", 1, "tables: expected a mapping"),
        ("variables:\n  bad name: 1\noutput: {}\n", 2, "'bad name' is not a name"),
        ("tables:\n  t: [1]\noutput: {}\n", 2, "a lookup table maps keys to values"),
        # expressions
        ("output:\n  a: [1, 2]\n", 2, "a bare list is ambiguous"),
        ("output:\n  a:\n    sku: $.sku\n", 3, "unknown key 'sku'. To build a nested object"),
        ("output:\n  a: {}\n", 2, "an empty mapping is not an expression"),
        (
            "output:\n  a:\n    from: $.x\n    frm: $.y\n",
            4,
            "unknown key 'frm' (did you mean from?)",
        ),
        ("output:\n  a:\n    from: $.x\n    value: 1\n", 4, "from and value cannot be used"),
        ("output:\n  a: {round: 2}\n", 2, "round needs a value to work on: add from:"),
        ("output:\n  a: {then: 1}\n", 2, "then belongs to if"),
        ("output:\n  a: {from: $.x, then: 1}\n", 2, "then belongs to if, not to from"),
        ("output:\n  a:\n    if: $.x\n    else: 1\n", 3, "if needs then:"),
        ("output:\n  a: {omit: false}\n", 2, "omit: expected true"),
        ("output:\n  a: {object: [1]}\n", 2, "object: expected the fields"),
        ("output:\n  a: {list: $.x}\n", 2, "list: expected a list of expressions"),
        ("output:\n  a: {each: $.x, as: 'my item'}\n", 2, "as: expected a name"),
        ("output:\n  a: {each: $.x, as: record}\n", 2, "as: record is a reserved name"),
        # paths
        ("output:\n  a: $5 off\n", 2, "is not a path"),
        ("output:\n  a: $.a[b]\n", 2, "is not a path"),
        ("output:\n  a: $foo.x\n", 2, "unknown name $foo"),
        ("output:\n  a: $variables.nope\n", 2, "unknown variable 'nope'"),
        ("output:\n  a: $index\n", 2, "$index is only defined inside each"),
        ("output:\n  a: $computed\n", 2, "$computed needs a name"),
        ("computed:\n  a: $computed.b\n  b: 1\noutput: {}\n", 2, "unknown computed value 'b'"),
        ("output:\n  a:\n    each: $.v\n    output: $variant.x\n", 4, "unknown name $variant"),
        ("output:\n  a: '{$.a} {$.b[}'\n", 2, "is not a path"),
        # steps
        ("output:\n  a: {from: $.x, to: float}\n", 2, "to: unknown type 'float'"),
        ("output:\n  a: {from: $.x, round: 11}\n", 2, "round: expected 0 to 10"),
        ("output:\n  a: {from: $.x, round: two}\n", 2, "round: expected a number of decimal"),
        ("output:\n  a: {from: $.x, lookup: colors}\n", 2, "lookup: unknown table 'colors'"),
        ("output:\n  a: {from: $.x, case: shout}\n", 2, "case: unknown case 'shout'"),
        ("output:\n  a: {from: $.x, truncate: 0}\n", 2, "truncate: expected at least 1"),
        ("output:\n  a: {from: $.x, trim: yes}\n", 2, "trim: expected true"),
        ("output:\n  a: {from: $.x, replace: a}\n", 2, "replace: expected pairs"),
        ("output:\n  a: {from: $.x, replace: {a: 1}}\n", 2, "must be text"),
        ("output:\n  a: {from: $.x, split: ''}\n", 2, "split: the separator cannot be empty"),
        ("output:\n  a: {from: $.x, multiply: abc}\n", 2, "multiply: cannot convert 'abc'"),
        ("output:\n  a: {from: $.x, divide: 0}\n", 2, "divide: cannot divide by zero"),
        ("output:\n  a: {from: $.x, convert: {from: kg}}\n", 2, "convert: expected from:"),
        ("output:\n  a: {from: $.x, convert: {from: kg, to: cm}}\n", 2, "cannot convert weight"),
        (
            "output:\n  a:\n    from: $.x\n    convert:\n      from: stone\n      to: kg\n",
            5,
            "unknown unit 'stone'",
        ),
        ("output:\n  a: {from: $.x, currency: XYZ}\n", 2, "unknown currency 'XYZ'"),
        ("output:\n  a: {from: $.x, currency: {code: SGD, as: cents}}\n", 2, "use number, minor"),
        ("output:\n  a: {from: $.x, currency: {as: text}}\n", 2, "currency: expected code:"),
        ("output:\n  a: {from: $.x, date: {format: date, zone: UTC}}\n", 2, "unknown option"),
        ("output:\n  a: {from: $.x, date: yesterday}\n", 2, "date format: use iso"),
        ("output:\n  a: {from: $.x, date: {parse: dmy}}\n", 2, "date parse: use iso"),
        ("output:\n  a: {from: $.x, date: {timezone: Mars/Base}}\n", 2, "unknown time zone"),
        (
            "output:\n  a:\n    from: $.x\n    date:\n      parse_timezone: Mars/Base\n",
            5,
            "date parse_timezone: unknown time zone 'Mars/Base'",
        ),
        ("output:\n  a: {from: $.x, date: {timezone: 5}}\n", 2, "expected the name of a time"),
        ("output:\n  a: {from: $.x, date: {timezone: {value: null}}}\n", 2, "expected the name"),
        ("output:\n  a: {from: $.x, date: {timezone: $variables.tz}}\n", 2, "unknown variable"),
        ("output:\n  a: {from: $.x, pad: 0}\n", 2, "pad: expected a width of 1 to 100"),
        ("output:\n  a: {from: $.x, pad: 101}\n", 2, "pad: expected a width of 1 to 100"),
        ("output:\n  a: {from: $.x, pad: six}\n", 2, "pad: expected a width in characters"),
        ("output:\n  a: {from: $.x, pad: {fill: x}}\n", 2, "pad: expected a width, or"),
        ("output:\n  a: {from: $.x, pad: {width: 2, side: left}}\n", 2, "pad: expected a width"),
        (
            "output:\n  a:\n    from: $.x\n    pad:\n      width: 6\n      fill: ab\n",
            6,
            "pad fill: expected one character",
        ),
        ("output:\n  a: {from: $.x, pad: {width: 6, fill: 10}}\n", 2, "pad fill: expected one"),
        ("output:\n  a: {from: $.x, exists: maybe}\n", 2, "exists: expected true"),
        ("output:\n  a: {from: $.x, required: 5}\n", 2, "required: expected true or a message"),
    ],
)
def test_compile_errors_name_the_line(template: str, line: int, detail: str) -> None:
    with pytest.raises(CmlCompileError) as caught:
        program(template)
    error = caught.value
    assert (error.source, error.line) == ("template", line), error
    assert error.field == f"template:{line}"
    assert detail in error.detail
    assert str(error) == f"template:{line}: {error.detail}"


def test_the_line_is_the_line_of_the_key_at_fault_in_a_long_template() -> None:
    template = "\n".join(
        ["cml: 1", "output:"] + [f"  f{i}: $.title" for i in range(40)] + ["  bad: {frm: 1}"]
    )
    with pytest.raises(CmlCompileError) as caught:
        program(template)
    assert caught.value.field == "template:43"


def test_errors_in_overwrites_name_the_overwrite() -> None:
    base = "output:\n  a: $.title\n"
    with pytest.raises(CmlCompileError) as caught:
        program(base, "output:\n  b: 1\n", "output:\n  a:\n    from: $.x\n    roun: 2\n")
    assert caught.value.field == "overwrites.1:4"
    # even a field that a later overwrite replaces must compile
    with pytest.raises(CmlCompileError) as caught:
        program(base, "output:\n  a: {frm: 1}\n", "output:\n  a: 1\n")
    assert caught.value.field == "overwrites.0:2"


@pytest.mark.parametrize(
    ("template", "record", "path", "output", "reason"),
    [
        (
            "output:\n  x: {from: $.price, to: number}\n",
            {"price": "abc"},
            "record.price",
            "x",
            "cannot convert 'abc' to a number",
        ),
        (
            # the brief's example, in a per-variant listing
            """output:
  listings:
    each: $.variants
    output:
      object:
        sku: $.sku
        price: {from: $.price, round: 2}
""",
            {"variants": [{"sku": "a", "price": 1}, {"sku": "b", "price": "abc"}]},
            "record.variants[1].price",
            "listings[1].price",
            "cannot convert 'abc' to a number",
        ),
        (
            """output:
  out:
    each: $.variants
    as: variant
    output:
      each: $variant.images
      output: {from: $variant.sku, required: true}
""",
            {"variants": [{"images": [1]}]},
            "record.variants[0].sku",
            "out[0][0]",
            "is required but missing",
        ),
        (
            "output:\n  stock: {each: $.stock, output: {from: $.value, to: integer}}\n",
            {"stock": {"location-1": 5, "shop 2": "lots"}},
            'record.stock["shop 2"]',
            "stock[1]",
            "cannot convert 'lots' to a number",
        ),
        (
            "output:\n  g: {each: $group, output: {from: $.qty, to: integer}}\n",
            {},
            "groupSources[1].qty",
            "g[1]",
            "cannot convert 1.5 to a whole number",
        ),
        (
            "variables: {markup: 1}\noutput:\n  p: {from: $variables.markup, to: number}\n",
            {},
            "variables.markup",
            "p",
            "cannot convert 'x' to a number",
        ),
        (
            "computed:\n  total: {from: $.total, to: number}\noutput: {}\n",
            {"total": "n/a"},
            "record.total",
            "computed.total",
            "cannot convert 'n/a' to a number",
        ),
        (
            "output:\n  o:\n    object:\n      inner: {list: [1, {from: $.a.b, round: 1}]}\n",
            {"a": {"b": "x"}},
            "record.a.b",
            "o.inner[1]",
            "cannot convert 'x' to a number",
        ),
        (
            "output:\n  x: {from: {list: [$.a]}, to: text}\n",
            {"a": 1},
            None,
            "x",
            "cannot convert a list to text",
        ),
        (
            "output:\n  x: {each: $.title, output: 1}\n",
            {"title": "t"},
            "record.title",
            "x",
            "each: expected a list or an object, got 't'",
        ),
        (
            "output:\n  x: '{$.a} and {$.b}'\n",
            {"a": 1, "b": [1]},
            None,
            "x",
            "cannot put a list into text",
        ),
        (
            "output:\n  x: {each: $.v, key: $.id, output: 1}\n",
            {"v": [{"id": "a"}, {}]},
            "record.v[1]",
            "x[1]",
            "the key is missing",
        ),
    ],
)
def test_runtime_errors_name_the_value_and_the_output(
    template: str, record: dict[str, object], path: str | None, output: str, reason: str
) -> None:
    with pytest.raises(CmlRuntimeError) as caught:
        run(
            template,
            record,
            group=[{"qty": 1}, {"qty": 1.5}],
            variables={"markup": "x"} if "markup" in template else None,
        )
    error = caught.value
    assert error.path == path
    assert error.output == output
    assert reason in error.reason
    assert error.field == (path or f"template:{error.line}")
    assert f"output {output}" in error.detail
    assert f"template:{error.line}" in error.detail


ZONED = """variables:
  timeZone: null
output:
  customers:
    each: $.customers
    output:
      object:
        id: $.id
        updatedAt:
          from: $.last_change
          date: {parse: "%Y-%m-%d %H:%M:%S", parse_timezone: $variables.timeZone}
"""


@pytest.mark.parametrize(
    ("zone", "reason"),
    [
        (
            "Mars/Base",
            "date parse_timezone: unknown time zone 'Mars/Base' in variables.timeZone; use a "
            "name such as Asia/Singapore or UTC",
        ),
        ("", "date parse_timezone: unknown time zone '' in variables.timeZone"),
        ("../../etc/passwd", "unknown time zone '../../etc/passwd' in variables.timeZone"),
        (2, "date parse_timezone: unknown time zone 2 in variables.timeZone"),
        (None, "date parse_timezone: no time zone in variables.timeZone"),
    ],
)
def test_a_zone_from_a_variable_is_checked_when_the_record_is_mapped(
    zone: object, reason: str
) -> None:
    record = {
        "customers": [
            {"id": 1, "last_change": None},
            {"id": 2, "last_change": "2019-06-23 11:47:22"},
        ]
    }
    compiled = program(ZONED)  # compiles: the zone is not known until a record is mapped
    with pytest.raises(CmlRuntimeError) as caught:
        compiled.apply(record, variables={"timeZone": zone})
    error = caught.value
    assert error.field == error.path == "record.customers[1].last_change"
    assert error.output == "customers[1].updatedAt"
    assert error.line == 11  # the date step
    assert reason in error.reason
    assert error.detail.endswith("(output customers[1].updatedAt, template:11)")
    assert compiled.apply(record, variables={"timeZone": "Europe/Prague"})["customers"] == [
        {"id": 1},
        {"id": 2, "updatedAt": "2019-06-23T11:47:22+02:00"},
    ]


def test_runtime_errors_read_like_the_record() -> None:
    template = """output:
  listings:
    each: $.variants
    output:
      object:
        price: {from: $.price, to: number}
"""
    product = seed_product()
    product["variants"][1]["price"] = "abc"
    with pytest.raises(CmlRuntimeError) as caught:
        run(template, product)
    assert str(caught.value) == (
        "variants[1].price: cannot convert 'abc' to a number (output listings[1].price, template:6)"
    )


def test_compile_and_runtime_errors_are_distinct_and_both_ask_for_a_fix() -> None:
    assert not issubclass(CmlCompileError, CmlRuntimeError)
    assert not issubclass(CmlRuntimeError, CmlCompileError)
    assert issubclass(CmlCompileError, FixRequest)
    assert issubclass(CmlRuntimeError, FixRequest)
    assert CmlCompileError("x").status == CmlRuntimeError("x").status == 400


@pytest.mark.parametrize("unit", [["kg"], {"name": "kg"}])
@pytest.mark.parametrize("side", ["from", "to"])
def test_a_unit_that_is_a_list_or_an_object_is_refused_like_any_unknown_unit(
    unit: object, side: str
) -> None:
    template = f"""
cml: 1
output:
  weight:
    from: $.weight
    convert: {{{side}: $.unit, {"to" if side == "from" else "from"}: kg}}
"""
    with pytest.raises(CmlRuntimeError) as caught:
        program(template).apply({"weight": 2.5, "unit": unit})
    assert "convert: unknown unit a non-text value" in caught.value.detail
    assert caught.value.field == "record.weight"


def test_empty_text_is_no_date_whether_or_not_a_date_was_read_before() -> None:
    compiled = program("cml: 1\noutput:\n  day:\n    from: $.at\n    date: date\n")
    for record in ({"at": ""}, {"at": "2026-03-04T10:00:00Z"}, {"at": ""}):
        if record["at"]:
            assert compiled.apply(record) == {"day": "2026-03-04"}
            continue
        with pytest.raises(CmlRuntimeError, match="cannot read '' as a date"):
            compiled.apply(record)
