"""``crossdock demo``: an embedded hub with a sample agency, merchant, integrations and users,
the four vendor sandboxes in the same process, and the merchant's syncs run between them.

Running it twice is safe: what exists already is left as it is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from crossdock.auth.roles import Role
from crossdock.bootstrap import add_user, bootstrap
from crossdock.demo_flows import (
    DEMO_PULL_MINUTES,
    run_flows,
    set_up_flows,
    start_sandboxes,
    stop_sandboxes,
    summary,
)
from crossdock.hub import Hub
from crossdock.settings import load_settings
from crossdock.store import migrate
from crossdock.store.history import record_version
from crossdock.store.tables import AppClient, Company, Integration, User

DEMO_CLIENT_ID = "crossdockdemo00000000000001"
DEMO_AGENCY_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "crossdock-demo-agency"))
DEMO_COMPANY_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "crossdock-demo-company"))
DEMO_INTEGRATION_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "crossdock-demo-orders-source"))


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    agency_id: str | None
    company_id: str | None
    syncs: tuple[str, ...]


DEMO_USERS = (
    DemoUser("admin@crossdock.local", "Crossdock-Admin-1", "admin", None, None, ()),
    DemoUser(
        "agency@crossdock.local",
        "Crossdock-Agency-1",
        "agency",
        DEMO_AGENCY_ID,
        None,
        ("orders", "products", "prices", "stock", "customers"),
    ),
    DemoUser(
        "merchant@crossdock.local",
        "Crossdock-Merchant-1",
        "company",
        DEMO_AGENCY_ID,
        DEMO_COMPANY_ID,
        ("orders", "products", "customers"),
    ),
)


def seed_demo(hub: Hub) -> None:
    admin = DEMO_USERS[0]
    with hub.transaction() as session:
        now = hub.clock()
        if session.get(AppClient, DEMO_CLIENT_ID) is None:
            session.add(AppClient(client_id=DEMO_CLIENT_ID, name="demo", enabled=True))
        if session.get(Company, DEMO_COMPANY_ID) is None:
            company = Company(
                company_id=DEMO_COMPANY_ID,
                agency_id=DEMO_AGENCY_ID,
                name="Harbor Coffee Roasters",
                country="US",
                created_at=now,
                updated_at=now,
                agency_data={"plan": "demo"},
            )
            session.add(company)
            session.flush()
            record_version(
                session,
                "company",
                DEMO_COMPANY_ID,
                "create",
                actor=admin.username,
                state={"companyId": DEMO_COMPANY_ID, "name": company.name},
                at=now,
                agency_id=DEMO_AGENCY_ID,
                company_id=DEMO_COMPANY_ID,
            )
        if session.get(Integration, DEMO_INTEGRATION_ID) is None:
            session.add(
                Integration(
                    integration_id=DEMO_INTEGRATION_ID,
                    agency_id=DEMO_AGENCY_ID,
                    company_id=DEMO_COMPANY_ID,
                    sync_type="orders",
                    system_id="api",
                    active=True,
                    get=True,
                    update=False,
                    add=False,
                    delete=False,
                    meta={},
                    system_settings={},
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()
            record_version(
                session,
                "integration",
                DEMO_INTEGRATION_ID,
                "create",
                actor=admin.username,
                state={"integrationId": DEMO_INTEGRATION_ID},
                at=now,
                agency_id=DEMO_AGENCY_ID,
                company_id=DEMO_COMPANY_ID,
            )
        for demo_user in DEMO_USERS[1:]:
            if session.get(User, demo_user.username) is None:
                add_user(
                    session,
                    hub,
                    username=demo_user.username,
                    password=demo_user.password,
                    role=Role(demo_user.role),
                    name=demo_user.role.title() + " (demo)",
                    agency_id=demo_user.agency_id,
                    company_id=demo_user.company_id,
                    syncs=demo_user.syncs,
                    actor=admin.username,
                )


def start_fresh(console: Console, database_url: str) -> None:
    """The demo's sandboxes keep their data in memory and start from their seed on every run,
    so the hub starts from nothing too: records linked to vendor records of an earlier run
    would point at records the new sandboxes never had. Only a SQLite file is removed."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        console.print(
            f"[yellow]{url.render_as_string(hide_password=True)} is kept as it is: records from "
            "an earlier demo run point at vendor records this run's sandboxes do not have.[/]"
        )
        return
    for suffix in ("", "-wal", "-shm"):
        Path(url.database + suffix).unlink(missing_ok=True)


def run_demo(console: Console, *, once: bool, host: str, port: int, database_url: str) -> None:
    admin = DEMO_USERS[0]
    start_fresh(console, database_url)
    settings = load_settings(
        database_url=database_url,
        bootstrap_admin=f"{admin.username}:{admin.password}",
        client_id=DEMO_CLIENT_ID,
    )
    hub = Hub.from_settings(settings)
    migrate.upgrade(hub.engine)
    bootstrap(hub)
    seed_demo(hub)
    sandboxes = start_sandboxes()
    set_up_flows(hub, sandboxes, DEMO_COMPANY_ID, DEMO_AGENCY_ID)
    console.print("sandboxes: " + "  ".join(f"{s.name} {s.url}" for s in sandboxes.values()))
    run_flows(hub, console, DEMO_INTEGRATION_ID)
    console.print(summary(hub, DEMO_INTEGRATION_ID))

    base = f"http://{host}:{port}"
    table = Table(title="Crossdock demo: log in with POST /auth/login")
    for column in ("username", "password", "role", "sees"):
        table.add_column(column)
    for user in DEMO_USERS:
        sees = {
            "admin": "everything",
            "agency": "the demo agency",
            "company": "Harbor Coffee Roasters",
        }[user.role]
        table.add_row(user.username, user.password, user.role, sees)
    console.print(table)
    console.print(f"clientId: [cyan]{DEMO_CLIENT_ID}[/cyan]    database: {database_url}")
    console.print(f"orders source integration (POST /streams_batch): {DEMO_INTEGRATION_ID}")
    console.print(
        "try:\n"
        f"  TOKEN=$(curl -s -X POST {base}/auth/login -H 'content-type: application/json' \\\n"
        f'    -d \'{{"clientId": "{DEMO_CLIENT_ID}", "username": "{admin.username}", '
        f'"password": "{admin.password}"}}\' | python3 -c \'import sys, json; '
        'print(json.load(sys.stdin)["Tokens"]["IdToken"])\')\n'
        f'  curl -s {base}/companies -H "Authorization: $TOKEN"\n'
        f"API docs: {base}/docs"
    )
    if once:
        stop_sandboxes(sandboxes)
        hub.close()
        return
    import uvicorn

    from crossdock.api import create_app
    from crossdock.serving import ReasonPhraseH11Protocol

    console.print(
        f"serving on {base} (Ctrl-C to stop); the sources are pulled every "
        f"{DEMO_PULL_MINUTES} minute, so changes made in a sandbox follow"
    )
    try:
        uvicorn.run(
            create_app(hub=hub),
            host=host,
            port=port,
            log_level="warning",
            http=ReasonPhraseH11Protocol,
        )
    finally:
        stop_sandboxes(sandboxes)
        hub.close()
