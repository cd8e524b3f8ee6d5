"""docs/cml.md is tested: its examples run (template, record, and the result or the error it
shows), and every construct, step and limit of the language is documented there."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from crossdock.mapping.cml import MAX_OUTPUT, MAX_WORK, CmlError
from crossdock.mapping.cml.compiler import PARAMS, SOURCES
from crossdock.mapping.cml.program import CACHE_CHARS, CACHE_SIZE, MAX_OVERWRITES, TOP_KEYS
from crossdock.mapping.cml.source import MAX_DEPTH, MAX_NODES, MAX_TEMPLATE_CHARS
from crossdock.mapping.cml.steps import STEPS
from crossdock.mapping.cml.units import UNITS
from tests.mapping.cml_helpers import program

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "cml.md").read_text()
BLOCK = re.compile(r"^```(yaml|json) cml-(\w+)=([\w-]+)\n(.*?)^```", re.M | re.S)


def _examples() -> dict[str, dict[str, Any]]:
    examples: dict[str, dict[str, Any]] = defaultdict(lambda: {"overwrites": []})
    for _, kind, name, text in BLOCK.findall(DOCS):
        if kind == "overwrite":
            examples[name]["overwrites"].append(text)
        else:
            examples[name][kind] = text
    return dict(examples)


EXAMPLES = _examples()


def test_the_docs_have_examples_of_results_and_of_errors() -> None:
    assert len(EXAMPLES) >= 12
    assert all("example" in example and "record" in example for example in EXAMPLES.values())
    assert sum("error" in example for example in EXAMPLES.values()) >= 2


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_maps_as_shown(name: str) -> None:
    example = EXAMPLES[name]
    record = json.loads(example["record"])
    group = json.loads(example.get("group", "[]"))
    variables = json.loads(example["variables"]) if "variables" in example else None
    if "error" in example:
        expected = json.loads(example["error"])
        with pytest.raises(CmlError) as caught:
            program(example["example"], *example["overwrites"]).apply(
                record, group=group, variables=variables
            )
        assert {"field": caught.value.field, "detail": caught.value.detail} == expected
        return
    compiled = program(example["example"], *example["overwrites"])
    assert compiled.apply(record, group=group, variables=variables) == json.loads(example["result"])


@pytest.mark.parametrize(
    "keyword",
    sorted({*TOP_KEYS, *SOURCES, *STEPS, *(p for params in PARAMS.values() for p in params)}),
)
def test_every_keyword_is_documented(keyword: str) -> None:
    assert f"`{keyword}" in DOCS


def test_every_unit_and_limit_is_documented() -> None:
    for unit in UNITS:
        assert f"`{unit}`" in DOCS
    for limit in (MAX_TEMPLATE_CHARS, MAX_NODES, MAX_WORK, MAX_OUTPUT):
        assert f"{limit:,}" in DOCS
    assert f"{MAX_DEPTH} levels" in DOCS
    assert f"| {MAX_OVERWRITES} |" in DOCS
    assert f"| {CACHE_SIZE}, and at most {CACHE_CHARS // 1024 // 1024} MiB" in DOCS
