"""Shared by the CML tests: the seed's product sample, and running a template on a record."""

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
def _seed_product() -> str:
    lines = SEED.read_text().splitlines()
    for title, sample in itertools.pairwise(lines):
        if title == "Create / Update Product" and sample.startswith('{ "merchantProductId"'):
            return sample
    raise LookupError("the seed's product sample is missing")


def seed_product() -> dict[str, Any]:
    """A fresh copy of the seed's "Create / Update Product" sample (four variants)."""
    product: dict[str, Any] = json.loads(_seed_product())
    return copy.deepcopy(product)


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
