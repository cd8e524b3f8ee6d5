"""``crossdock sandbox <vendor>``: run one vendor sandbox on its own port."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from fastapi import FastAPI

sandbox_app = typer.Typer(help="Run a stateful emulator of a vendor API.", no_args_is_help=True)

Host = Annotated[str, typer.Option(help="Interface to listen on.")]
Seed = Annotated[int, typer.Option(help="Seed of the generated data (same seed, same data).")]
Records = Annotated[int, typer.Option(help="How many records to generate.")]
FaultSpec = Annotated[
    str,
    typer.Option(help="Faults to inject: JSON, or e.g. 'error:rate=0.1@/customers*;latency'."),
]


def _faults(spec: str) -> list:  # type: ignore[type-arg]
    from crossdock.sandboxes.base import parse_faults

    try:
        return parse_faults(spec)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--faults") from exc


def _serve(app: FastAPI, host: str, port: int) -> None:
    import uvicorn
    from rich.console import Console

    sandbox = app.state.sandbox
    console = Console()
    console.print(f"[bold]{sandbox.state.vendor}[/bold] sandbox on http://{host}:{port}")
    for key, value in sandbox.state.credentials().items():
        console.print(f"  {key}: [cyan]{value}[/cyan]", soft_wrap=True)
    console.print(f"  control API: http://{host}:{port}/_sandbox/")
    http = getattr(app.state, "uvicorn_http", "auto")
    uvicorn.run(app, host=host, port=port, log_level="warning", http=http)


@sandbox_app.command("cro")
def cro(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8101,
    seed: Seed = 1,
    records: Records = 504,
    faults: FaultSpec = "",
    token: Annotated[str | None, typer.Option(help="Bearer token to accept.")] = None,
    tenant: Annotated[int | None, typer.Option(help="Tenant id assigned to the token.")] = None,
) -> None:
    """CRO Software: customers and locations at the root, bearer token plus x-tenant-id."""
    from crossdock.sandboxes.cro import CroConfig, create_app

    config = CroConfig(
        seed=seed, records=records, faults=_faults(faults), token=token, tenant_id=tenant
    )
    _serve(create_app(config), host, port)


@sandbox_app.command("carecloud")
def carecloud(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8102,
    seed: Seed = 1,
    records: Records = 250,
    faults: FaultSpec = "",
    application_id: Annotated[str | None, typer.Option(help="External application id.")] = None,
    login: Annotated[str | None, typer.Option(help="API user login.")] = None,
    password: Annotated[str | None, typer.Option(help="API user password.")] = None,
) -> None:
    """CareCloud: the enterprise and customer interfaces."""
    from crossdock.sandboxes.carecloud import CareCloudConfig, create_app

    config = CareCloudConfig(
        seed=seed,
        records=records,
        faults=_faults(faults),
        application_id=application_id,
        login=login,
        password=password,
    )
    _serve(create_app(config), host, port)


@sandbox_app.command("customtrades")
def customtrades(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8103,
    seed: Seed = 1,
    records: Records = 120,
    faults: FaultSpec = "",
    api_key: Annotated[str | None, typer.Option(help="API key to accept (ctc_live_...).")] = None,
    usage_limit: Annotated[
        int, typer.Option(help="Requests per month before 403 Monthly usage limit reached.")
    ] = 50_000,
) -> None:
    """Custom Trades CRM: the /api/v1 resources, API key auth, usage and idempotency."""
    from crossdock.sandboxes.customtrades import CustomTradesConfig, create_app

    config = CustomTradesConfig(
        seed=seed,
        records=records,
        faults=_faults(faults),
        api_key=api_key,
        usage_limit=usage_limit,
    )
    _serve(create_app(config), host, port)


@sandbox_app.command("cropster")
def cropster(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8104,
    seed: Seed = 1,
    records: Records = 150,
    faults: FaultSpec = "",
    client_id: Annotated[str | None, typer.Option(help="OAuth client id.")] = None,
    client_secret: Annotated[str | None, typer.Option(help="OAuth client secret.")] = None,
) -> None:
    """Cropster: OAuth client credentials and the POST-only RPC inventory API."""
    from crossdock.sandboxes.cropster import CropsterConfig, create_app

    config = CropsterConfig(
        seed=seed,
        records=records,
        faults=_faults(faults),
        client_id=client_id,
        client_secret=client_secret,
    )
    _serve(create_app(config), host, port)
