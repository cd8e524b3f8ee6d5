"""The schemas against the seed itself: its samples validate as sent, and every attribute it
lists (name, type, ``min``, "Required", "Supported Values") is declared as it says.

``test_schemas_seed.txt`` is a verbatim copy of the seed's order and product sections and of
its ``GET /orders`` and ``GET /products`` samples; this module parses it.
"""

from __future__ import annotations

import functools
import json
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import jsonschema
import pytest
from pydantic import StringConstraints
from typing_extensions import is_typeddict

from crossdock.records.schemas import json_schema, validate_record
from crossdock.records.schemas.common import Numeric
from crossdock.records.schemas.introspect import attributes, object_types
from crossdock.records.schemas.validation import SCHEMAS

SEED = (Path(__file__).parent / "test_schemas_seed.txt").read_text().split("\n")
TYPE_LINE = re.compile(r"^(string|number|integer|boolean|object|array <\w+>)$")


@dataclass(frozen=True)
class SeedAttribute:
    name: str
    type: str
    required: bool
    minimum: float | None
    values: tuple[str, ...]
    line: int


def _heading(title: str, nth: int) -> int:
    return [i for i, line in enumerate(SEED) if line == title][nth]


def seed_sample(title: str) -> dict[str, Any]:
    """The JSON sample that follows the seed's last heading ``title`` (the sample's own)."""
    index = [i for i, line in enumerate(SEED) if line == title][-1]
    sample = json.loads(SEED[index + 1])
    assert isinstance(sample, dict)
    return sample


def get_sample(resource: str) -> dict[str, Any]:
    """The first ``data`` row of the seed's ``GET /<resource>`` return sample."""
    row = seed_sample(f"Return Sample for GET /{resource}")["data"][0]
    assert isinstance(row, dict)
    return row


def _blocks(start: int, end: int) -> list[SeedAttribute]:
    """The seed's attribute blocks: name, type, [Required], [min N], blank, description,
    [Supported Values, values]."""
    found = []
    i = start
    while i < end:
        if re.fullmatch(r"[A-Za-z_]\w*", SEED[i]) and TYPE_LINE.match(SEED[i + 1]):
            name, kind, required, minimum, j = SEED[i], SEED[i + 1], False, None, i + 2
            while SEED[j]:
                if SEED[j] == "Required":
                    required = True
                elif SEED[j].startswith("min "):
                    minimum = float(SEED[j][4:])
                else:
                    raise AssertionError(f"unexpected line {j}: {SEED[j]!r}")
                j += 1
            values: tuple[str, ...] = ()
            if SEED[j + 2] == "Supported Values":
                values = tuple(SEED[j + 3].split())
            found.append(SeedAttribute(name, kind, required, minimum, values, i))
            i = j + 2
        else:
            i += 1
    return found


@functools.cache
def seed_attributes(sync_type: str) -> list[SeedAttribute]:
    title = {"orders": "Create a New Order", "products": "Create / Update Product"}[sync_type]
    return _blocks(_heading(title, 0), _heading(title, 1))


def test_the_seed_copy_parses_into_every_attribute_block() -> None:
    # Counted by hand in the seed: 145 blocks under orders (addresses thrice), 96 products.
    assert len(seed_attributes("orders")) == 145
    assert len(seed_attributes("products")) == 96


# -- samples ----------------------------------------------------------------------------------

SAMPLES = [
    ("orders", "Create a New Order"),
    ("orders", "Shipment Order"),
    ("orders", "Cancel Order"),
    ("orders", "Return Order"),
    ("products", "Create / Update Product"),
]


@pytest.mark.parametrize(("sync_type", "title"), SAMPLES)
def test_seed_samples_validate_as_sent(sync_type: str, title: str) -> None:
    sample = seed_sample(title)
    validated, errors = validate_record(sync_type, sample)
    assert errors == []
    assert validated == sample  # same shape and values (10 == 10.0)


@pytest.mark.parametrize("resource", ["orders", "products"])
def test_get_samples_validate_as_records(resource: str) -> None:
    # What Commerce Connect hands back is what a record can hold: a source re-sending it is
    # not refused for attributes the seed's own API returns.
    row = get_sample(resource)
    validated, errors = validate_record(resource, row)
    assert errors == []
    assert validated == row


@pytest.mark.parametrize(("sync_type", "title"), SAMPLES)
def test_seed_samples_validate_against_the_served_json_schema(sync_type: str, title: str) -> None:
    validator = jsonschema.Draft202012Validator(json_schema(sync_type))
    assert list(validator.iter_errors(seed_sample(title))) == []


def test_the_served_json_schema_refuses_what_validation_refuses() -> None:
    validator = jsonschema.Draft202012Validator(json_schema("products"))
    sample = seed_sample("Create / Update Product")
    sample["variants"][0]["weightUnit"] = "stone"
    sample["overwrites"]["amazon"] = {"publish": False}
    sample["variants"][1]["title"] = ""
    found = {".".join(map(str, e.absolute_path)) for e in validator.iter_errors(sample)}
    assert found == {"variants.0.weightUnit", "overwrites", "variants.1.title"}


# -- every seed attribute as the seed says ----------------------------------------------------


@dataclass(frozen=True)
class Declared:
    owner: str
    kind: str  # the seed's type words
    minimum: float | None
    values: tuple[str, ...]
    required: bool


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    required = False
    if get_origin(annotation) in (typing.Required, typing.NotRequired):
        required = get_origin(annotation) is typing.Required
        annotation = get_args(annotation)[0]
    metadata: list[Any] = []
    while get_origin(annotation) is typing.Annotated:
        metadata.extend(annotation.__metadata__)
        annotation = get_args(annotation)[0]
    return annotation, metadata, required


def declared(owner: type, name: str, annotation: Any) -> Declared:
    base, metadata, required = _unwrap(annotation)
    numeric = next((m for m in metadata if isinstance(m, Numeric)), None)
    values: tuple[str, ...] = ()
    if base is str:
        assert any(isinstance(m, StringConstraints) and m.pattern == r"\S" for m in metadata), (
            f"{owner.__name__}.{name} accepts empty text"
        )
        kind = "string"
    elif get_origin(base) is Literal:
        kind, values = "string", tuple(get_args(base))
    elif base is bool:
        kind = "boolean"
    elif numeric is not None:
        kind = "integer" if numeric.integer else "number"
    elif is_typeddict(base) or get_origin(base) is dict:
        kind = "object"
    elif get_origin(base) is list:
        item = _unwrap(get_args(base)[0])[0]
        kind = "array <object>" if is_typeddict(item) else "array <string>"
    else:
        raise AssertionError(f"{owner.__name__}.{name}: unexpected annotation {annotation}")
    minimum = None if numeric is None or numeric.minimum is None else float(numeric.minimum)
    return Declared(owner.__name__, kind, minimum, values, required)


def declarations(sync_type: str, name: str) -> list[Declared]:
    schema = SCHEMAS[sync_type]
    found = []
    for owner in object_types(schema.record_type).values():
        if name in attributes(owner):
            found.append(declared(owner, name, attributes(owner)[name]))
    return found


# The seed's own shipment sample sends itemStatus "partiallyShipped", which its list lacks.
EXTRA_VALUES = {"itemStatus": {"partiallyShipped"}}


@pytest.mark.parametrize("sync_type", ["orders", "products"])
def test_every_seed_attribute_is_declared_as_the_seed_says(sync_type: str) -> None:
    schema = SCHEMAS[sync_type]
    problems = []
    for attribute in seed_attributes(sync_type):
        found = declarations(sync_type, attribute.name)
        if not found:
            problems.append(f"{attribute.name}: not declared")
            continue
        for d in found:
            where = f"{d.owner}.{attribute.name}"
            if d.kind != attribute.type:
                problems.append(f"{where}: {d.kind}, the seed says {attribute.type}")
            if d.minimum != attribute.minimum:
                problems.append(f"{where}: min {d.minimum}, the seed says {attribute.minimum}")
            extra = EXTRA_VALUES.get(attribute.name, set())
            if set(d.values) - extra != set(attribute.values):
                problems.append(f"{where}: supported values differ from the seed's")
        if attribute.required:
            rule = (
                attribute.name in schema.required_top
                or attribute.name in schema.required_line
                or any(d.required for d in found)
            )
            if not rule:
                problems.append(f"{attribute.name}: the seed says Required")
    assert problems == []


# Declared beyond the seed's attribute lists and samples, by analogy (see docs/schemas.md).
BY_ANALOGY = {"optionSwatch4", "optionType4"}
STRUCTURE = {"variants", "overwrites"}


def _sample_names(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            if key in ("overwrites", "stockQuantities", "metaFields", "_addition_"):
                continue  # keyed by systems, locations or free-form: values are not names
            _sample_names(item, found)
    elif isinstance(value, list):
        for item in value:
            _sample_names(item, found)
    return found


@pytest.mark.parametrize("sync_type", ["orders", "products"])
def test_nothing_is_declared_that_the_seed_does_not_show(sync_type: str) -> None:
    shown = {a.name for a in seed_attributes(sync_type)} | BY_ANALOGY | STRUCTURE
    shown |= _sample_names(get_sample(sync_type), set())
    for _, title in (s for s in SAMPLES if s[0] == sync_type):
        shown |= _sample_names(seed_sample(title), set())
    record_type = SCHEMAS[sync_type].record_type
    declared_names = {n for cls in object_types(record_type).values() for n in attributes(cls)}
    assert declared_names - shown == set()
