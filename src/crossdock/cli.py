"""The ``crossdock`` command line: serve, worker, sandbox, demo, db, users, clients."""

from __future__ import annotations

import typer

from crossdock.sandboxes.cli import sandbox_app

app = typer.Typer(
    help="Crossdock: a self-hosted commerce and CRM integration hub.", no_args_is_help=True
)
app.add_typer(sandbox_app, name="sandbox")


def main() -> None:
    app()
