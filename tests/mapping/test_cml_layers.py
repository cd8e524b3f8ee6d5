"""Overwrites layered over a template (the precedence documented in docs/cml.md), and the cache
of compiled templates by content hash."""

from __future__ import annotations

import pytest

from crossdock.mapping.cml import (
    CmlCompileError,
    ProgramCache,
    Source,
    compile_template,
    map_record,
    program_cache,
)
from crossdock.mapping.cml.program import MAX_OVERWRITES
from tests.mapping.cml_helpers import run, seed_product

PRODUCT = seed_product()

BASE = """
variables:
  channel: web
  markup: 1
tables:
  colors: {Blue: BLU, Green: GRN}
computed:
  name: "{$.brand} {$.title}"
output:
  title: $computed.name
  brand: $.brand
  currency: $.currency
  channel: $variables.channel
  dimensions:
    object:
      height: $.packageHeight
      width: $.packageWidth
      unit: $.packageHeightUnit
  listings:
    each: $.variants
    where: $.publish
    output:
      object:
        sku: $.sku
        color: {from: $.color, lookup: colors}
        price: {from: $.price, multiply: $variables.markup, currency: $record.currency}
"""


def test_later_layers_win_field_by_field() -> None:
    first = "output:\n  brand: {from: $.brand, case: upper}\n  extra: 1\n"
    second = "output:\n  brand: Acme\n  currency: {omit: true}\n"
    out = run(BASE, PRODUCT, first, second)
    assert out["brand"] == "Acme"
    assert out["extra"] == 1
    assert "currency" not in out
    assert out["title"] == "My Brand My Small Blue Shoe"
    assert list(out) == ["title", "brand", "channel", "dimensions", "listings", "extra"]


def test_objects_merge_field_by_field() -> None:
    overwrite = """
output:
  dimensions:
    object:
      unit: in
      height: {from: $.packageHeight, convert: {from: cm, to: in}, round: 2}
      depth: $.packageLength
"""
    out = run(BASE, PRODUCT, overwrite)
    assert out["dimensions"] == {"height": 3.94, "width": 10, "unit": "in", "depth": 10}


def test_each_merges_its_parameters_and_its_output() -> None:
    overwrite = """
output:
  listings:
    each: $.variants
    where: {from: $.size, equals: M}
    output:
      object:
        price: {from: $.salePrice, currency: $record.currency}
        size: $.size
"""
    out = run(BASE, PRODUCT, overwrite)
    assert out["listings"] == [
        {"sku": "a3", "color": "GRN", "price": 50.0, "size": "M"},
        {"sku": "a4", "color": "BLU", "price": 50.0, "size": "M"},
    ]


def test_a_different_kind_of_expression_replaces_the_whole_field() -> None:
    out = run(BASE, PRODUCT, "output:\n  dimensions: '{$.packageHeight} cm'\n")
    assert out["dimensions"] == "10 cm"
    out = run(BASE, PRODUCT, "output:\n  listings: $.variants[*].sku\n")
    assert out["listings"] == ["a1", "a2", "a3", "a4"]


def test_variables_tables_and_computed_values_merge_by_name() -> None:
    overwrite = """
variables:
  markup: 2
tables:
  colors: {Green: VERT}
computed:
  name: $.title
"""
    out = run(BASE, PRODUCT, overwrite)
    assert out["title"] == "My Small Blue Shoe"
    assert out["channel"] == "web"
    assert [x["color"] for x in out["listings"]] == ["BLU", "VERT", "VERT", "BLU"]
    assert out["listings"][0]["price"] == 199.8


def test_the_call_s_variables_win_over_every_layer() -> None:
    overwrite = "variables:\n  channel: marketplace\n  markup: 2\n"
    assert run(BASE, PRODUCT, overwrite)["channel"] == "marketplace"
    out = run(BASE, PRODUCT, overwrite, variables={"channel": "pos"})
    assert out["channel"] == "pos"
    assert out["listings"][0]["price"] == 199.8


def test_an_overwrite_may_use_what_another_layer_declares() -> None:
    overwrite = "output:\n  channel: {from: $.color, lookup: colors, default: $variables.markup}\n"
    assert run(BASE, PRODUCT, overwrite)["channel"] == 1
    later = "variables:\n  region: SG\n"
    uses_later = "output:\n  region: $variables.region\n"
    assert run(BASE, PRODUCT, uses_later, later)["region"] == "SG"


def test_an_overwrite_needs_no_output() -> None:
    out = run(BASE, PRODUCT, "variables:\n  channel: app\n")
    assert out["channel"] == "app"


def test_overwrites_are_bounded() -> None:
    with pytest.raises(CmlCompileError) as caught:
        run(BASE, PRODUCT, *["output: {}\n"] * (MAX_OVERWRITES + 1))
    assert caught.value.field == f"overwrites.{MAX_OVERWRITES}"


def test_compiled_templates_are_cached_by_content() -> None:
    cache = ProgramCache(size=2)
    first = cache.get([Source("template", BASE)])
    assert cache.get([Source("template", BASE)]) is first
    assert (cache.hits, cache.misses) == (1, 1)
    with_overwrite = cache.get([Source("template", BASE), Source("overwrites.0", "output: {}")])
    assert with_overwrite is not first
    # least recently used first out: BASE was used after its overwritten twin was built
    cache.get([Source("template", BASE)])
    cache.get([Source("template", "output: {}")])
    assert cache.get([Source("template", BASE)]) is first
    assert cache.misses == 3
    cache.get([Source("template", BASE), Source("overwrites.0", "output: {}")])
    assert cache.misses == 4


def test_the_content_hash_includes_the_names_and_boundaries_of_the_sources() -> None:
    cache = ProgramCache()
    a = cache.get([Source("template", "output: {a: 1}"), Source("overwrites.0", "output: {}")])
    b = cache.get([Source("template", "output: {a: 1}"), Source("overwrites.1", "output: {}")])
    assert a is not b
    assert a.digest != b.digest


def test_compile_template_and_map_record_use_the_process_cache() -> None:
    template = "output:\n  sku: $.variants[0].sku  # cache test\n"
    before = program_cache().hits
    program = compile_template(template)
    assert compile_template(template) is program
    assert map_record(template, PRODUCT) == {"sku": "a1"}
    assert program_cache().hits == before + 2


def test_a_template_that_does_not_compile_is_not_cached() -> None:
    cache = ProgramCache()
    for _ in range(2):
        with pytest.raises(CmlCompileError):
            cache.get([Source("template", "output: {a: {frm: 1}}")])
    assert (cache.hits, cache.misses) == (0, 2)
