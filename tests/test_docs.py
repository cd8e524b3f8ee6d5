"""Docs that are tested: every endpoint and every CLI command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from crossdock.api import create_app
from crossdock.cli import app as cli_app
from crossdock.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_endpoint_is_in_the_api_docs() -> None:
    app = create_app(load_settings({}, database_url="sqlite://", secret_key="docs"))
    documented = set(
        re.findall(
            r"\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)`", (ROOT / "docs/api.md").read_text()
        )
    )
    served = {
        (method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops
    }
    assert served - documented == set()
    assert documented - served == set()


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    group = typer.main.get_group(cli_app)
    missing = []
    for name, command in group.commands.items():
        subcommands = getattr(command, "commands", None)
        for sub in subcommands or [None]:
            words = f"crossdock {name}" + (f" {sub}" if sub else "")
            if words not in readme:
                missing.append(words)
    assert missing == []


def test_readme_quickstart_opens_with_make_demo_and_make_test() -> None:
    readme = (ROOT / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1]
    commands = re.findall(r"^make \w+", quickstart, flags=re.M)
    assert commands[:2] == ["make demo", "make test"]
