"""Hostile templates and records: CML bounds template size, nesting and values, the work and
the output of one record, and the cache, so nothing hangs and memory stays small. Each case
must fail fast with a clear error (about half a second of CPU at worst on a free core; the
bounds below allow for the shared machine), not run for minutes."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from crossdock.mapping.cml import (
    MAX_OUTPUT,
    MAX_WORK,
    CmlCompileError,
    CmlRuntimeError,
    ProgramCache,
    Source,
)
from crossdock.mapping.cml.source import MAX_DEPTH, MAX_NODES, MAX_TEMPLATE_CHARS
from tests.mapping.cml_helpers import program, run, seed_product

MB = 1024 * 1024


def bounded(
    action: Callable[[], Any],
    error: type[Exception],
    seconds: float = 3.0,
    megabytes: float | None = 32,
) -> Exception:
    """Runs ``action`` expecting ``error``: timed (CPU seconds, as the machine is shared), then
    again under tracemalloc (which slows it down) for the peak of memory allocated, unless
    ``megabytes`` is None (what a long loop keeps is bounded by the output budget, tested
    apart)."""
    started = time.process_time()
    with pytest.raises(error) as caught:
        action()
    elapsed = time.process_time() - started
    assert elapsed < seconds, f"took {elapsed:.2f} s of CPU"
    if megabytes is None:
        return caught.value
    tracemalloc.start()
    try:
        with pytest.raises(error):
            action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < megabytes * MB, f"peaked at {peak / MB:.1f} MB"
    return caught.value


def compile_error(template: str) -> CmlCompileError:
    error = bounded(lambda: program(template), CmlCompileError)
    assert isinstance(error, CmlCompileError)
    return error


def runtime_error(template: str, record: dict[str, Any], **kw: Any) -> CmlRuntimeError:
    compiled = program(template)
    error = bounded(lambda: compiled.apply(record), CmlRuntimeError, **kw)
    assert isinstance(error, CmlRuntimeError)
    return error


def test_template_size_is_bounded() -> None:
    error = compile_error("output:\n  a: '" + "x" * MAX_TEMPLATE_CHARS + "'\n")
    assert error.field == "template"
    assert f"at most {MAX_TEMPLATE_CHARS:,}" in error.detail


def test_nesting_is_bounded_before_anything_is_built() -> None:
    error = compile_error("output:\n  a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert f"deeper than {MAX_DEPTH} levels" in error.detail
    assert error.field == "template:2"
    error = compile_error("output:\n  a: " + "{from: " * 40 + "1" + "}" * 40 + "\n")
    assert "deeper than" in error.detail


def test_the_number_of_values_is_bounded() -> None:
    error = compile_error("output:\n  a: {value: [" + "1," * (MAX_NODES + 1) + "1]}\n")
    assert f"more than {MAX_NODES:,} values" in error.detail


def test_yaml_bombs_are_refused() -> None:
    # The "billion laughs": nine levels of aliases, each ten times the one before.
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("output:\n  x: {value: *a9}")
    error = compile_error("\n".join(lines))
    assert "anchors and aliases" in error.detail
    assert error.field == "template:1"


def test_loops_within_loops_run_out_of_work_fast() -> None:
    record = {"items": list(range(1000))}
    template = """output:
  x:
    each: $.items
    as: a
    output:
      each: $record.items
      as: b
      output:
        each: $record.items
        output: {list: [$a, $b, $., $index]}
"""
    error = runtime_error(template, record, megabytes=None)
    assert f"more than {MAX_WORK:,} units of work" in error.reason
    assert error.field.startswith("template:")


def test_wildcards_and_splits_count_as_work() -> None:
    cells = list(range(2000))  # shared by every row: the work is in reading them
    record = {"rows": [{"cells": cells}] * 1000, "text": "a," * 2_000_000}
    error = runtime_error("output:\n  x: $.rows[*].cells[*]\n", record)
    assert "units of work" in error.reason
    error = runtime_error("output:\n  x: {from: $.text, split: ','}\n", record, megabytes=1)
    assert "units of work" in error.reason


def test_copying_a_long_text_into_every_item_runs_out_of_output() -> None:
    record = {"items": list(range(10_000)), "long": "x" * 100_000}
    error = runtime_error(
        "output:\n  x: {each: $.items, output: {object: {text: $record.long}}}\n", record
    )
    assert f"more than {MAX_OUTPUT:,} units of output" in error.reason


def test_copying_the_whole_record_into_every_item_runs_out_of_output() -> None:
    record = {"items": [{"n": i, "payload": ["y" * 100] * 50} for i in range(2000)]}
    error = runtime_error("output:\n  x: {each: $.items, output: $record}\n", record)
    assert "units of output" in error.reason
    error = runtime_error("output:\n  x: {each: $.items, output: {list: [$record]}}\n", record)
    assert "units of output" in error.reason


def test_a_big_literal_in_every_item_runs_out_of_output() -> None:
    literal = "{" + ", ".join(f"k{i}: [" + ", ".join(["v"] * 50) + "]" for i in range(50)) + "}"
    template = f"output:\n  x: {{each: $.items, output: {{value: {literal}}}}}\n"
    error = runtime_error(template, {"items": list(range(100_000))})
    assert "units of" in error.reason


def test_replacements_are_charged_before_the_text_is_built() -> None:
    record = {"text": "a" * 200_000}
    template = "output:\n  x: {from: $.text, replace: {a: '" + "b" * 1000 + "'}}\n"
    error = runtime_error(template, record, megabytes=8)
    assert "units of output" in error.reason


def test_placeholders_repeating_a_long_value_are_charged_first() -> None:
    record = {"long": "z" * 100_000}
    template = "output:\n  x: '" + "{$.long}" * 2000 + "'\n"
    error = runtime_error(template, record, megabytes=8)
    assert "units of output" in error.reason


def test_joining_a_long_list_is_charged() -> None:
    record = {"parts": ["w" * 1000] * 20_000}
    error = runtime_error("output:\n  x: {from: $.parts, join: ''}\n", record, megabytes=8)
    assert "units of output" in error.reason


def test_deep_records_are_weighed_without_recursion() -> None:
    deep: Any = "bottom"
    for _ in range(100_000):
        deep = [deep]
    out = run("output:\n  x: $.deep\n", {"deep": deep})
    assert out["x"] is deep


def test_numbers_stay_numbers() -> None:
    with pytest.raises(CmlRuntimeError, match="too large"):
        run("output:\n  x: {from: $.n, multiply: $.n}\n", {"n": 10**4000})
    with pytest.raises(CmlRuntimeError, match="too large"):
        run("output:\n  x: {from: $.n, multiply: 1e300}\n", {"n": 1e300})
    with pytest.raises(CmlRuntimeError, match="cannot convert '9999"):
        run("output:\n  x: {from: $.n, to: number}\n", {"n": "9" * 5000})
    with pytest.raises(CmlRuntimeError, match="a very large number"):
        run("output:\n  x: {from: $.n, to: text}\n", {"n": 10**5000})


def test_the_cache_keeps_a_bounded_number_and_size_of_programs() -> None:
    cache = ProgramCache(size=8)
    for i in range(50):
        cache.get([Source("template", f"output:\n  n: {i}\n")])
    assert len(cache) == 8
    big = "output:\n" + "".join(f"  f{i}: $.a\n" for i in range(1000))
    cache = ProgramCache(chars=3 * (len(big) + 4) + 1)
    for i in range(10):
        cache.get([Source("template", f"# {i}\n{big}")])
    assert len(cache) == 3


@pytest.mark.parametrize(
    "hostile",
    [
        lambda: run("output:\n  x: {each: $.v, output: {each: $record.v}}\n", {"v": [0] * 5000}),
        lambda: run("output:\n  x: '{$.s}{$.s}{$.s}{$.s}'\n", {"s": "s" * 3_000_000}),
    ],
)
def test_hostile_mappings_stop_within_seconds(hostile: Callable[[], Any]) -> None:
    started = time.process_time()
    with pytest.raises(CmlRuntimeError):
        hostile()
    assert time.process_time() - started < 3.0


def test_a_seed_product_is_far_from_every_limit() -> None:
    compiled = program(
        """output:
  listings:
    each: $.variants
    output:
      object:
        sku: $.sku
        title: '{$record.brand} {$record.title}'
        images: {list: [$.images, $record.productImages], flatten: true, join: ','}
"""
    )
    out = compiled.apply(seed_product(), max_work=100, max_output=2000)
    assert len(out["listings"]) == 4


NESTED = "{first: [$.a, {list: [$.b, {if: $.c, then: {from: $.d, trim: true}, else: 1}]}]}"


@pytest.mark.parametrize(
    "template",
    [
        "output:\n" + "".join(f"  f{i}: $.a.b\n" for i in range(3300)),
        "output:\n" + "".join(f"  f{i}: {NESTED}\n" for i in range(480)),
        "output:\n  x: {list: [" + ", ".join(["{from: $.a, trim: true}"] * 1600) + "]}\n",
        "computed:\n"
        + "".join(f"  c{i}: {{from: $.a, lt: 2}}\n" for i in range(1650))
        + "output: {}",
    ],
    ids=["many fields", "many nested fields", "one long list", "many computed values"],
)
def test_compiling_the_largest_templates_is_bounded(template: str) -> None:
    # Templates at the size limits become generated code; it is compiled in parts, so that a
    # large template costs a fraction of a second and a few tens of megabytes, once. (Timed
    # under tracemalloc, which slows it down a few times.)
    tracemalloc.start()
    started = time.process_time()
    try:
        program(template)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < 5.0
    assert peak < 64 * MB, f"peaked at {peak / MB:.1f} MB"
