"""Shared by the CML tests: the seed's product and order samples, and running a template."""

from __future__ import annotations

import copy
import itertools
import json
import textwrap
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from crossdock.mapping.cml import Program, ProgramCache, Source

SEED = Path(__file__).resolve().parent.parent / "records" / "test_schemas_seed.txt"


@cache
def _seed_sample(title: str, opening: str) -> str:
    lines = SEED.read_text().splitlines()
    for heading, sample in itertools.pairwise(lines):
        if heading == title and sample.startswith(opening):
            return sample
    raise LookupError(f"the seed's {title!r} sample is missing")


def seed_product() -> dict[str, Any]:
    """A fresh copy of the seed's "Create / Update Product" sample (four variants)."""
    product: dict[str, Any] = json.loads(
        _seed_sample("Create / Update Product", '{ "merchantProductId"')
    )
    return copy.deepcopy(product)


def seed_order() -> dict[str, Any]:
    """A fresh copy of the seed's "Create a New Order" sample (two line items)."""
    order: dict[str, Any] = json.loads(_seed_sample("Create a New Order", '{ "addresses"'))
    return order


def program(template: str, *overwrites: str) -> Program:
    """Compile without the process cache, so every test sees its own compile errors."""
    sources = [Source("template", textwrap.dedent(template))]
    sources += [Source(f"overwrites.{i}", textwrap.dedent(t)) for i, t in enumerate(overwrites)]
    return ProgramCache().get(sources)


def run(
    template: str,
    record: Mapping[str, Any],
    *overwrites: str,
    group: Sequence[Mapping[str, Any]] = (),
    variables: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return program(template, *overwrites).apply(record, group=group, variables=variables)


def field(expression: str, record: Mapping[str, Any], **kw: Any) -> Any:
    """The value of one expression (written as YAML) on ``record``; None when left out."""
    out = run(f"output:\n  x: {expression}\n", record, **kw)
    return out.get("x")
