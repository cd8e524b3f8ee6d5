"""The ``crossdock`` command line: serve, worker, sandbox, demo, db, users, clients."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from crossdock.sandboxes.cli import sandbox_app

app = typer.Typer(
    help="Crossdock: a self-hosted commerce and CRM integration hub.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
clients_app = typer.Typer(help="App clients (the clientId of logins).", no_args_is_help=True)
users_app = typer.Typer(help="Users, for operators at the console.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(db_app, name="db")
app.add_typer(clients_app, name="clients")
app.add_typer(users_app, name="users")
console = Console()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Run the hub's API server (upgrading the database first)."""
    import uvicorn

    from crossdock.api import create_app
    from crossdock.serving import ReasonPhraseH11Protocol
    from crossdock.settings import load_settings

    settings = load_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        http=ReasonPhraseH11Protocol,
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs this worker runs at once.")] = 2,
) -> None:
    """Run a background worker: Procrastinate on PostgreSQL, as many as you like.

    The API then announces work to the workers instead of running it in-process: start
    `crossdock serve` with CROSSDOCK_QUEUE=procrastinate.
    """
    import asyncio

    from crossdock.hub import Hub
    from crossdock.settings import load_settings
    from crossdock.store import migrate
    from crossdock.sync.queue.procrastinate import create_queue, ensure_schema

    hub = Hub.from_settings(load_settings())
    try:
        queue = create_queue(hub)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    migrate.upgrade(hub.engine)

    async def run() -> None:
        async with queue.open_async():
            await ensure_schema(queue)
            console.print(f"crossdock worker: running jobs, concurrency {concurrency}")
            await queue.run_worker_async(concurrency=concurrency)

    try:
        asyncio.run(run())
    finally:
        hub.close()


@app.command()
def demo(
    once: Annotated[bool, typer.Option("--once", help="Exit after setting up.")] = False,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database_url: Annotated[
        str, typer.Option(help="Where the demo keeps its data; a SQLite file is started afresh.")
    ] = "sqlite:///./crossdock-demo.db",
) -> None:
    """Bootstrap an embedded hub with sample data, print how to log in, and serve it."""
    from crossdock.demo import run_demo

    run_demo(console, once=once, host=host, port=port, database_url=database_url)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to CROSSDOCK_DATABASE_URL (default ./crossdock.db)."""
    from crossdock.settings import load_settings
    from crossdock.store import migrate
    from crossdock.store.engine import create_engine

    settings = load_settings()
    engine = create_engine(settings.database_url)
    migrate.upgrade(engine)
    console.print(f"database at revision [bold]{migrate.current(engine)}[/bold]")
    engine.dispose()


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Argument(help="A name for the client.")],
    client_id: Annotated[str | None, typer.Option(help="Use this id instead of a new one.")] = None,
) -> None:
    """Register an app client and print its clientId."""
    from crossdock.bootstrap import create_client
    from crossdock.hub import Hub
    from crossdock.settings import load_settings
    from crossdock.store import migrate

    hub = Hub.from_settings(load_settings())
    migrate.upgrade(hub.engine)
    with hub.transaction() as session:
        client = create_client(session, name, client_id)
        console.print(client.client_id)
    hub.close()


@clients_app.command("list")
def clients_list() -> None:
    """List app clients."""
    from sqlalchemy import select

    from crossdock.hub import Hub
    from crossdock.settings import load_settings
    from crossdock.store import migrate
    from crossdock.store.tables import AppClient

    hub = Hub.from_settings(load_settings())
    migrate.upgrade(hub.engine)
    with hub.transaction() as session:
        for client in session.scalars(select(AppClient).order_by(AppClient.created_at)):
            state = "enabled" if client.enabled else "disabled"
            console.print(f"{client.client_id}  {client.name}  {state}")
    hub.close()


@users_app.command("create-admin")
def users_create_admin(
    username: Annotated[str, typer.Argument()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
) -> None:
    """Create an admin user directly in the database (for recovery)."""
    from crossdock.auth.roles import Role
    from crossdock.bootstrap import add_user
    from crossdock.hub import Hub
    from crossdock.settings import load_settings
    from crossdock.store import migrate
    from crossdock.store.tables import User

    hub = Hub.from_settings(load_settings())
    migrate.upgrade(hub.engine)
    with hub.transaction() as session:
        if session.get(User, username) is not None:
            console.print(f"[red]user {username} exists already[/red]")
            raise typer.Exit(1)
        add_user(session, hub, username=username, password=password, role=Role.ADMIN, name=username)
    console.print(f"admin {username} created")
    hub.close()


def main() -> None:
    app()
