"""The default templates' index: every listed file ships and compiles, names are required where
a system has several, and Commerce Connect records have none (they cross as they are)."""

from __future__ import annotations

from importlib import resources

import pytest

from crossdock.mapping.cml import compile_template
from crossdock.mapping.defaults import DEFAULTS, default_template


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
