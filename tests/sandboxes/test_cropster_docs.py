"""The Cropster sandbox's page in docs/ names every method, option, setting and error code."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from crossdock.sandboxes import cli
from crossdock.sandboxes.cropster import CropsterConfig
from crossdock.sandboxes.cropster.methods import METHODS

DOC = Path(__file__).parents[2] / "docs" / "sandboxes" / "cropster.md"
ERROR_CODES = [
    "invalid_authentication",
    "access_denied",
    "resource_not_found",
    "invalid_weight",
    "invalid_price",
    "invalid_parameter",
    "missing_parameter",
    "unsupported_currency",
    "unsupported_unit",
    "too_many_requests",
    "server_error",
    "invalid_request",
    "invalid_client",
    "invalid_scope",
    "unsupported_grant_type",
]


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text()


def test_every_method_is_documented(doc: str) -> None:
    for name in METHODS:
        assert f"`{name}`" in doc, name


def test_every_cli_option_is_documented(doc: str) -> None:
    options = inspect.signature(cli.cropster).parameters
    assert options
    for name in options:
        assert f"`--{name.replace('_', '-')}`" in doc, name


def test_every_config_field_is_documented(doc: str) -> None:
    for field in dataclasses.fields(CropsterConfig):
        assert f"`{field.name}`" in doc, field.name


def test_every_error_code_is_documented(doc: str) -> None:
    for code in ERROR_CODES:
        assert f"`{code}`" in doc, code
