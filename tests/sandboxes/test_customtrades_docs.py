"""``docs/sandboxes/customtrades.md`` names every endpoint, CLI option, field, filter and error
message the sandbox has, so the page cannot silently fall behind the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from crossdock.sandboxes.cli import sandbox_app
from crossdock.sandboxes.customtrades import errors
from crossdock.sandboxes.customtrades.resources import RULES
from crossdock.sandboxes.customtrades.routes import PREFIX, build_routes
from crossdock.sandboxes.customtrades.schemas import SEQUENCE
from tests.sandboxes.test_customtrades import make_app, state_of

DOC = (Path(__file__).parents[2] / "docs" / "sandboxes" / "customtrades.md").read_text()
RESOURCES = ("customers", "locations", "jobs", "estimates", "invoices", "payments")


def test_every_endpoint_is_documented() -> None:
    routes = build_routes(state_of(make_app(records=0)))
    for route in routes:
        path = route.path.removeprefix(PREFIX)
        generic = re.sub(r"^/(" + "|".join(RESOURCES) + r")(?=/\{uuid\}|$)", "/{resource}", path)
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            documented = f"`{method} {path}`" in DOC or f"`{method} {generic}`" in DOC
            listed = path.lstrip("/") in RESOURCES and f"`{method} /customers`, " in DOC
            assert documented or listed, f"{method} {path}"
    for resource in RESOURCES:
        assert f"`/{resource}`" in DOC or f"`GET /{resource}`" in DOC


def test_every_cli_option_is_documented() -> None:
    command = typer.main.get_command(sandbox_app).commands["customtrades"]
    options = [opt for param in command.params for opt in param.opts]
    assert options
    for option in options:
        assert f"`{option}`" in DOC, option


@pytest.mark.parametrize("kind", sorted(RULES))
def test_every_field_and_filter_is_documented(kind: str) -> None:
    rules = RULES[kind]
    for field in rules.fields:
        assert f"`{field}`" in DOC, f"{kind}.{field}"
    for name in rules.filters:
        assert f"`{name}`" in DOC, f"{kind} filter {name}"


def test_numbering_fields_and_error_messages_are_documented() -> None:
    for field in SEQUENCE:
        assert f"`{field}`" in DOC
    for message in (errors.INVALID_API_KEY, errors.USAGE_LIMIT_REACHED, errors.SERVER_ERROR):
        assert message in DOC.replace("\n", " ")
    for header in ("X-Usage-Count", "X-Usage-Limit", "X-Usage-Resets", "X-Idempotency-Cached"):
        assert header in DOC
