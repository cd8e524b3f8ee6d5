"""The default templates' index: every listed file ships, compiles and is in docs/mappings.md,
names are required where a system has several, every stream of the connectors is mapped in or
its absence explained, and Commerce Connect records have none (they cross as they are)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from crossdock.connectors.cropster import streams as cropster_streams
from crossdock.connectors.customtrades.resources import RESOURCES
from crossdock.mapping.cml import compile_template
from crossdock.mapping.defaults import DEFAULTS, default_template

MAPPINGS = Path(__file__).resolve().parents[2] / "docs" / "mappings.md"


def test_every_listed_template_ships_and_compiles() -> None:
    shipped = {
        entry.name
        for entry in resources.files("crossdock.mapping.defaults").joinpath("templates").iterdir()
        if entry.name.endswith(".yaml")
    }
    assert set(DEFAULTS.values()) == shipped
    for (system, sync_type, direction, name), file in DEFAULTS.items():
        text = default_template(system, sync_type, direction, name)  # type: ignore[arg-type]
        assert text is not None, file
        compile_template(text, name=file)
        assert direction in ("in", "out")


def test_a_system_without_a_default_gets_none() -> None:
    assert default_template("crescodata", "orders", "in", "records") is None
    assert default_template("cro", "orders", "in") is None
    assert default_template("cro", "customers", "out", "delete_customer") is None


def test_without_a_name_the_only_template_is_found() -> None:
    assert default_template("cro", "customers", "in") == default_template(
        "cro", "customers", "in", "customers"
    )


def test_without_a_name_a_choice_between_several_is_an_error() -> None:
    ambiguous = {
        (system, sync, way)
        for (system, sync, way, _) in DEFAULTS
        if sum((s, y, w) == (system, sync, way) for (s, y, w, _) in DEFAULTS) > 1
    }
    if not ambiguous:
        pytest.skip("no system has two templates for one sync type and direction yet")
    system, sync, way = sorted(ambiguous)[0]
    with pytest.raises(ValueError, match="name one of"):
        default_template(system, sync, way)  # type: ignore[arg-type]


def test_every_template_is_in_the_mappings_table() -> None:
    text = MAPPINGS.read_text()
    for (system, sync_type, direction, name), file in DEFAULTS.items():
        row = re.search(
            rf"^\| `{system}` \| {direction} \| `{name}` \| ([^|]*) \| `{re.escape(file)}` \|",
            text,
            re.MULTILINE,
        )
        assert row is not None, file
        assert sync_type in row.group(1).split(", "), file


def _mapped_in(system: str) -> set[str]:
    return {name for (s, _, way, name) in DEFAULTS if (s, way) == (system, "in")}


def test_every_custom_trades_resource_is_mapped_in_or_explained() -> None:
    unmapped = set(RESOURCES) - _mapped_in("customtrades")
    assert unmapped == {"locations", "estimates", "payments", "job_photos", "companies"}
    [explained] = [
        line
        for line in MAPPINGS.read_text().splitlines()
        if line.startswith("- **Custom Trades") and "not mapped in" in line
    ]
    for resource in unmapped:
        label = {"job_photos": "job photos", "companies": "company"}.get(resource, resource)
        assert label in explained, resource


def test_every_cropster_lot_listing_is_mapped_in() -> None:
    listings = [
        stream
        for stream in vars(cropster_streams).values()
        if isinstance(stream, type)
        and issubclass(stream, cropster_streams.LotsStream)
        and stream is not cropster_streams.LotsStream
    ]
    assert len(listings) == 3
    for stream in listings:
        first, *rest = stream.name.split("_")
        assert first + "".join(part.title() for part in rest) in _mapped_in("cropster"), stream
