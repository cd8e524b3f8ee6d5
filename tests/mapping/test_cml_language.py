"""CML's constructs, one by one, on the seed's product sample: literals, paths, text with
placeholders, every source (value, from, object, list, each, if, first, all, any, not, omit),
computed values, variables, lookup tables and group sources."""

from __future__ import annotations

from typing import Any

import pytest

from crossdock.mapping.cml import CmlRuntimeError, compile_template
from crossdock.mapping.cml.compiler import ExpressionCompiler
from crossdock.mapping.cml.objects import MAX_INLINE_DEPTH
from crossdock.mapping.cml.runtime import MISSING, Budget, Env
from crossdock.mapping.cml.source import parse
from tests.mapping.cml_helpers import field, run, seed_product

PRODUCT = seed_product()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # literals: YAML 1.2 scalars, so NO, yes and dates stay text
        ("42", 42),
        ("2.5", 2.5),
        ("true", True),
        ("NO", "NO"),
        ("yes", "yes"),
        ("2021-01-01", "2021-01-01"),
        ("'007'", "007"),
        ("{value: null}", None),
        ("{value: {a: [1, 2]}}", {"a": [1, 2]}),
        ("{value: $.title}", "$.title"),
        # paths
        ("$.title", "My Small Blue Shoe"),
        ("$record.brand", "My Brand"),
        ("$.variants[1].sku", "a2"),
        ("$.variants[-1].sku", "a4"),
        ("$.variants[0].stockQuantities.location-1", 5),
        ('$.variants[0].stockQuantities["location-2"]', 10),
        ("$.variants[0].overwrites['system:amazon'].publish", False),
        ("$.variants[*].sku", ["a1", "a2", "a3", "a4"]),
        ("$.variants[*].descriptionHtml", ["<p>My green variant description</p>"]),
        ("$.variants[0].stockQuantities[*]", [5, 10]),
        (
            "$.variants[*].images[0]",
            ["https://link.to/variant-images.jpeg"]
            + ["https://link.to/variant-images-green.jpeg"] * 3,
        ),
        # the dotted forms, which need no quotes inside YAML's {...}
        ("$.variants.1.sku", "a2"),
        ("$.variants.-1.sku", "a4"),
        ("$.variants.*.size", ["S", "S", "M", "M"]),
        ("{from: $.variants.0.stockQuantities.location-1}", 5),
        ("{from: '$.variants[0].stockQuantities[\"location-2\"]'}", 10),
        ("$.variants.0.stockQuantities.*", [5, 10]),
        ("$.overwrites[*].publish", [False, False]),
        # text with placeholders
        ("'{$.brand} - {$.title}'", "My Brand - My Small Blue Shoe"),
        ("'{$.weight} {$.weightUnit}'", "0.05 kg"),
        ("'{$.variants[0].available}/{$.itemHeight}'", "true/9"),
        ("'costs {$ 5'", "costs {$ 5"),
        # sources
        ("{from: $.brand}", "My Brand"),
        ("{from: {from: $.brand}}", "My Brand"),
        ("{object: {a: $.brand, b: $.nothing, c: 1}}", {"a": "My Brand", "c": 1}),
        ("{object: {}}", {}),
        ("{list: [$.brand, $.nothing, 3, {list: []}]}", ["My Brand", 3, []]),
        ("{first: [$.nothing, $.missing, $.brand, $.title]}", "My Brand"),
        ("{if: $.title, then: yes, else: no}", "yes"),
        ("{if: $.variants.0.deleted, then: yes, else: no}", "no"),
        ("{all: [$.title, $.weight, $.variants]}", True),
        ("{all: [$.title, $.variants.0.deleted]}", False),
        ("{any: [$.nothing, 0, '', $.title]}", True),
        ("{any: [$.nothing, 0, '']}", False),
        ("{not: $.nothing}", True),
        ("{not: $.title}", False),
    ],
)
def test_expressions(expression: str, expected: Any) -> None:
    assert field(expression, PRODUCT) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "$.nothing",
        "$.title.length",  # through text
        "$.variants[4].sku",
        "$.variants.sku",  # keys of a list
        "$.productImages[-3]",
        "'{$.brand} {$.nothing}'",  # a missing placeholder leaves the whole text out
        "{if: $.nothing, then: yes}",
        "{first: [$.nothing, $.none]}",
        "{omit: true}",
        "{each: $.nothing, output: $.sku}",
    ],
)
def test_what_is_missing_is_left_out(expression: str) -> None:
    out = run(f"output:\n  x: {expression}\n  y: 1\n", PRODUCT)
    assert out == {"y": 1}


def test_null_in_the_record_is_missing_and_a_literal_null_is_written() -> None:
    record = {"a": None, "b": {"c": None}, "d": [None, 1]}
    out = run(
        """
        output:
          a: $.a
          c: $.b.c
          d0: $.d[0]
          d: $.d
          written: {value: null}
          fallback: {from: $.a, default: x}
        """,
        record,
    )
    assert out == {"d": [None, 1], "written": None, "fallback": "x"}


def test_each_iterates_lists_and_objects_filters_names_and_keys() -> None:
    out = run(
        """
        output:
          greens:
            each: $.variants
            as: variant
            where: {from: $variant.color, equals: Green}
            output:
              object:
                sku: $variant.sku
                position: $index
                product: $record.merchantProductId
          byColor: {each: $.variants, key: $.sku, output: $.color}
          stock:
            each: $.variants[0].stockQuantities  # brackets are fine outside {...}
            output: {object: {location: $.key, quantity: $.value}}
          images:
            each: $.variants
            as: variant
            where: {from: $index, lt: 2}
            output:
              each: $variant.images
              output: "{$variant.sku}#{$index}: {$.}"
          all: {each: $.productImages}
          none: {each: $.variants, where: $.deleted, output: $.sku}
        """,
        PRODUCT,
    )
    assert out["greens"] == [
        {"sku": "a2", "position": 1, "product": "1"},
        {"sku": "a3", "position": 2, "product": "1"},
    ]
    assert out["byColor"] == {"a1": "Blue", "a2": "Green", "a3": "Green", "a4": "Blue"}
    assert out["stock"] == [
        {"location": "location-1", "quantity": 5},
        {"location": "location-2", "quantity": 10},
    ]
    assert out["images"] == [
        ["a1#0: https://link.to/variant-images.jpeg", "a1#1: https://link.to/variant-images2.jpeg"],
        [
            "a2#0: https://link.to/variant-images-green.jpeg",
            "a2#1: https://link.to/variant-images2-green.jpeg",
        ],
    ]
    assert out["all"] == PRODUCT["productImages"]
    assert out["none"] == []


def test_an_output_that_is_a_list_per_variant_leaves_out_what_is_missing() -> None:
    out = run("output:\n  salePrices: {each: $.variants, output: $.nothing}\n  n: 1\n", PRODUCT)
    assert out == {"salePrices": [], "n": 1}


def test_variables_have_declared_defaults_that_the_call_overrides() -> None:
    template = """
        variables:
          currency: SGD
          markup: 1.5
          channel: null
        output:
          currency: $variables.currency
          price: {from: $.variants.0.price, multiply: $variables.markup, round: 2}
          channel: {from: $variables.channel, default: none}
          all: $variables
    """
    out = run(template, PRODUCT)
    assert out["currency"] == "SGD"
    assert out["price"] == 149.85
    assert out["channel"] == "none"
    assert out["all"] == {"currency": "SGD", "markup": 1.5}
    out = run(template, PRODUCT, variables={"markup": 2, "channel": "lazada", "extra": 1})
    assert out["price"] == 199.8
    assert out["channel"] == "lazada"
    assert out["all"] == {"currency": "SGD", "markup": 2, "channel": "lazada", "extra": 1}


def test_lookup_tables_by_name_and_inline_with_text_keys() -> None:
    out = run(
        """
        tables:
          colors: {Blue: BLU, Green: GRN}
          genders: {1: male, 2: female, true: yes, 1.5: odd}
        output:
          colors: {each: $.variants, output: {from: $.color, lookup: colors}}
          size: {from: $.variants.0.size, lookup: {S: Small, M: Medium}}
          unknown: {from: $.variants.0.size, lookup: {XL: Extra large}}
          kept: {from: $.variants.0.size, lookup: {XL: x}, default: $.variants.0.size}
          gender: {from: 2, lookup: genders}
          genderFloat: {from: 1.0, lookup: genders}
          flag: {from: true, lookup: genders}
          odd: {from: 1.5, lookup: genders}
          object: {from: a, lookup: {a: {value: [1]}}}
        """,
        PRODUCT,
    )
    assert out["colors"] == ["BLU", "GRN", "GRN", "BLU"]
    assert out["size"] == "Small"
    assert "unknown" not in out
    assert out["kept"] == "S"
    assert (out["gender"], out["genderFloat"], out["flag"], out["odd"]) == (
        "female",
        "male",
        "yes",
        "odd",
    )
    assert out["object"] == {"value": [1]}


def test_computed_values_are_computed_once_in_order() -> None:
    out = run(
        """
        computed:
          name: "{$.brand} {$.title}"
          shout: {from: $computed.name, case: upper}
          nothing: $.nothing
        output:
          listings:
            each: $.variants
            output: {object: {title: "{$computed.shout} ({$.size})", gone: $computed.nothing}}
        """,
        PRODUCT,
    )
    assert [x["title"] for x in out["listings"]] == [
        "MY BRAND MY SMALL BLUE SHOE (S)",
        "MY BRAND MY SMALL BLUE SHOE (S)",
        "MY BRAND MY SMALL BLUE SHOE (M)",
        "MY BRAND MY SMALL BLUE SHOE (M)",
    ]
    assert all("gone" not in x for x in out["listings"])


def test_group_sources_are_read_as_group() -> None:
    group = [{"sku": "b1", "price": 10}, {"sku": "b2", "price": "12.5"}]
    template = """
        output:
          skus: $group[*].sku
          first: $group[0].sku
          count: {each: $group, output: 1}
          prices: {each: $group, output: {from: $.price, to: number}}
          mine: $.merchantProductId
    """
    out = run(template, PRODUCT, group=group)
    assert out == {
        "skus": ["b1", "b2"],
        "first": "b1",
        "count": [1, 1],
        "prices": [10, 12.5],
        "mine": "1",
    }
    assert run(template, PRODUCT) == {"skus": [], "count": [], "prices": [], "mine": "1"}


def test_json_templates_are_templates_too() -> None:
    template = '{"output": {"sku": "$.variants[0].sku", "n": {"from": "$.weight", "round": 1}}}'
    assert compile_template(template).apply(PRODUCT) == {"sku": "a1", "n": 0.1}


def test_outputs_never_share_literal_objects() -> None:
    program = compile_template("output:\n  a: {value: {tags: [x]}}\n")
    first, second = program.apply({}), program.apply({})
    first["a"]["tags"].append("y")
    assert second == {"a": {"tags": ["x"]}}


EXPRESSIONS = [
    "$.title",
    "$.variants[1].price",
    "{from: $.weight, convert: {from: $.weightUnit, to: lbs}, round: 3}",
    "{list: [$.brand, $.nothing, {from: $.title, case: upper}]}",
    "{first: [$.nothing, {from: $.variants.0.price, currency: $.currency}]}",
    "{if: {from: $.weight, gt: 0.01}, then: {from: $.weight, multiply: 2}, else: light}",
    "{all: [$.title, {not: $.nothing}, {any: [$.nothing, $.brand]}]}",
    "{not: {first: [$.nothing]}}",
    "{each: $.variants, where: {from: $.size, equals: M}, output: $.sku}",
    "'{$.brand}/{$.title}'",
    "{object: {a: {list: [1, {if: $.title, then: $.brand}]}}}",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_generated_builders_agree_with_the_closures(expression: str) -> None:
    # Objects run generated code that inlines some expressions; the closures are the
    # reference. Both must give the same value.
    node = parse(f"x: {expression}").items()["x"]
    closure = ExpressionCompiler(set(), {}).expr(node).fn
    env = Env(PRODUCT, PRODUCT, {}, [], Budget(10**6))
    reference = closure(env)
    generated = field(expression, PRODUCT)
    assert generated == (None if reference is MISSING else reference)


def test_deep_expressions_are_called_not_inlined() -> None:
    # Past MAX_INLINE_DEPTH the generated code calls the closures (keeping generated
    # functions small and their blocks few); deep templates map the same either way.
    expression = "$.brand"
    for level in range(12):
        kind = level % 3
        if kind == 0:
            expression = f"{{list: [{expression}]}}"
        elif kind == 1:
            expression = f"{{first: [$.nothing, {{from: {expression}, flatten: true}}]}}"
        else:
            expression = f"{{if: $.title, then: {expression}}}"
    assert MAX_INLINE_DEPTH < 12
    assert field(expression, PRODUCT) == ["My Brand"]
    node = parse(f"x: {expression}").items()["x"]
    closure = ExpressionCompiler(set(), {}).expr(node).fn
    assert closure(Env(PRODUCT, PRODUCT, {}, [], Budget(10**6))) == ["My Brand"]


INLINED_STEPS = [
    "required: true",
    "default: 5",
    "default: fallback",
    "truncate: 3",
    "to: text",
    "to: integer",
    "to: number",
    "to: boolean",
    "case: upper",
    "case: title",
    "trim: true",
    "lookup: {Blue: BLU, '1': one, 'true': yes, gone: null}",
    "gt: 1",
    "gte: 1.5",
    "lt: 2",
    "lte: 0",
    "exists: true",
    "exists: false",
    "equals: Blue",
]
INPUTS: list[Any] = ["Blue", " blue sky ", "", "1", "2.5", "abc", 1, 2.5, 0, True, False, None]
INPUTS += [[1, 2], {"a": 1}, "yes"]


@pytest.mark.parametrize("step", INLINED_STEPS)
def test_inlined_steps_agree_with_their_closures(step: str) -> None:
    # Generated builders write a fast path for these steps and call the closure otherwise;
    # for every kind of value both must give the same value, or the same error.
    node = parse(f"x: {{from: $.v, {step}}}").items()["x"]
    compiled = ExpressionCompiler(set(), {}).expr(node)
    assert compiled.hints[0] is not None  # the builder writes this step's fast path
    closure = compiled.fn
    for value in INPUTS:
        record = {"v": value}
        try:
            expected: Any = closure(Env(record, record, {}, [], Budget(10**6)))
            expected = None if expected is MISSING else expected
        except CmlRuntimeError as error:
            expected = ("error", error.reason)
        try:
            got: Any = field(f"{{from: $.v, {step}}}", record)
        except CmlRuntimeError as error:
            got = ("error", error.reason)
        assert got == expected, (step, value)
        assert type(got) is type(expected), (step, value)
