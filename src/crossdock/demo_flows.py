"""The demo's flows: the four vendor sandboxes started in this process, the merchant's
integrations between them, and the syncs, run with progress bars and summed up in a table.

The merchant's customers come from CareCloud and CRO Software into Custom Trades CRM; its
Cropster green lots become stock, published to an ``api`` destination the merchant reads back
with ``GET /publish``; and orders sent through ``POST /streams_batch`` become Custom Trades jobs
and invoices. Everything is created idempotently, so the demo can run again on its database.
"""

from __future__ import annotations

import asyncio
import copy
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from sqlalchemy import func, select

from crossdock.hub import Hub
from crossdock.store.publish import PublishJob
from crossdock.store.records import IngestItem, MasterRecord
from crossdock.store.tables import Integration
from crossdock.sync.ingest import BatchItem, accept_batch
from crossdock.sync.jobs import ingest_chunk, publish_chunk
from crossdock.sync.pull import pull

CRO_TOKEN = "demo.cro.token"
CRO_TENANT = 7001
CARECLOUD_APPLICATION = "demo0application0id00000"
CARECLOUD_LOGIN, CARECLOUD_PASSWORD = "demo_api", "Demo-Pass-1"
CUSTOMTRADES_KEY = "ctc_live_crossdock-demo-key"
CROPSTER_CLIENT, CROPSTER_SECRET = "crossdock-demo", "crossdock-demo-secret"


@dataclass
class Sandbox:
    name: str
    app: Any
    server: uvicorn.Server
    url: str = ""


def start_sandboxes(scale: int = 1) -> dict[str, Sandbox]:
    """The four vendor sandboxes under uvicorn, each on its own free port, in this process."""
    from crossdock.sandboxes.carecloud import CareCloudConfig
    from crossdock.sandboxes.carecloud import create_app as carecloud_app
    from crossdock.sandboxes.cro import CroConfig
    from crossdock.sandboxes.cro import create_app as cro_app
    from crossdock.sandboxes.cropster import CropsterConfig
    from crossdock.sandboxes.cropster import create_app as cropster_app
    from crossdock.sandboxes.customtrades import CustomTradesConfig
    from crossdock.sandboxes.customtrades import create_app as customtrades_app

    apps = {
        "cro": cro_app(CroConfig(records=60 * scale, token=CRO_TOKEN, tenant_id=CRO_TENANT)),
        "carecloud": carecloud_app(
            CareCloudConfig(
                records=40 * scale,
                application_id=CARECLOUD_APPLICATION,
                login=CARECLOUD_LOGIN,
                password=CARECLOUD_PASSWORD,
            )
        ),
        "customtrades": customtrades_app(CustomTradesConfig(records=10, api_key=CUSTOMTRADES_KEY)),
        "cropster": cropster_app(
            CropsterConfig(
                records=30 * scale, client_id=CROPSTER_CLIENT, client_secret=CROPSTER_SECRET
            )
        ),
    }
    sandboxes: dict[str, Sandbox] = {}
    for name, app in apps.items():
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off")
        server = uvicorn.Server(config)
        threading.Thread(target=server.run, name=f"sandbox-{name}", daemon=True).start()
        sandboxes[name] = Sandbox(name, app, server)
    deadline = time.monotonic() + 30
    for sandbox in sandboxes.values():
        while not sandbox.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {sandbox.name} sandbox did not start")
            time.sleep(0.02)
        port = sandbox.server.servers[0].sockets[0].getsockname()[1]
        sandbox.url = f"http://127.0.0.1:{port}"
    return sandboxes


def stop_sandboxes(sandboxes: dict[str, Sandbox]) -> None:
    for sandbox in sandboxes.values():
        sandbox.server.should_exit = True


@dataclass(frozen=True)
class Flow:
    key: str
    label: str
    system_id: str
    sync_type: str
    source: bool


FLOWS = (
    Flow("carecloud-customers", "CareCloud customers", "carecloud", "customers", True),
    Flow("cro-customers", "CRO Software customers", "cro", "customers", True),
    Flow(
        "customtrades-customers", "Custom Trades CRM customers", "customtrades", "customers", False
    ),
    Flow("cropster-stock", "Cropster green lots as stock", "cropster", "stock", True),
    Flow("api-stock", "stock read back through the API", "api", "stock", False),
    Flow(
        "customtrades-orders",
        "Custom Trades CRM jobs and invoices",
        "customtrades",
        "orders",
        False,
    ),
)


def flow_id(flow: Flow) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"crossdock-demo-{flow.key}"))


DEMO_PULL_MINUTES = 1


def settings_for(system_id: str, sandboxes: dict[str, Sandbox]) -> dict[str, Any]:
    if system_id == "api":
        return {}
    url = sandboxes[system_id].url
    if system_id == "cro":
        return {"baseUrl": url, "token": CRO_TOKEN, "tenantId": CRO_TENANT}
    if system_id == "carecloud":
        return {
            "baseUrl": url,
            "applicationId": CARECLOUD_APPLICATION,
            "login": CARECLOUD_LOGIN,
            "password": CARECLOUD_PASSWORD,
        }
    if system_id == "customtrades":
        return {"baseUrl": url, "apiKey": CUSTOMTRADES_KEY}
    return {
        "baseUrl": url,
        "clientId": CROPSTER_CLIENT,
        "clientSecret": CROPSTER_SECRET,
        "tokenUrl": f"{url}/oauth2/token",
    }


def set_up_flows(hub: Hub, sandboxes: dict[str, Sandbox], company_id: str, agency_id: str) -> None:
    """Create (or point at this run's sandboxes) the merchant's integrations."""
    now = hub.clock()
    with hub.transaction() as session:
        for flow in FLOWS:
            system = hub.catalog.get(flow.system_id)
            assert system is not None
            wanted = settings_for(flow.system_id, sandboxes)
            if flow.source and flow.system_id != "api":
                # While the demo serves, its sources are pulled every minute: a change made in
                # a sandbox reaches the destinations without anyone asking.
                wanted["pullEveryMinutes"] = DEMO_PULL_MINUTES
            settings = hub.secrets.seal(wanted, system.secret_fields)
            integration = session.get(Integration, flow_id(flow))
            if integration is None:
                integration = Integration(
                    integration_id=flow_id(flow),
                    agency_id=agency_id,
                    company_id=company_id,
                    sync_type=flow.sync_type,
                    system_id=flow.system_id,
                    add=False,
                    delete=False,
                    meta={},
                    created_at=now,
                )
                session.add(integration)
            integration.active, integration.get, integration.update = (
                True,
                flow.source,
                not flow.source,
            )
            integration.system_settings, integration.updated_at = settings, now


def demo_orders(count: int) -> list[BatchItem]:
    """Seed-shaped orders for the merchant's api orders source."""
    items = []
    for n in range(1, count + 1):
        order = {
            "systemOrderId": f"DEMO-{n:04d}",
            "systemOrderNumber": f"HCR-{1000 + n}",
            "status": "pending",
            "publish": True,
            "currency": "USD",
            "country": "US",
            "customerId": f"demo-customer-{n % 5}",
            "createdAt": "2026-11-01T09:00:00+00:00",
            "addresses": {
                "billing": {
                    "name": f"Demo Buyer {n % 5}",
                    "street": "12 Pier Rd",
                    "city": "Sequim",
                    "stateCode": "WA",
                    "zip": "98382",
                    "country": "US",
                    "email": f"buyer{n % 5}@example.com",
                    "phone1": "+13605550100",
                }
            },
            "variants": [
                {
                    "systemOrderItemId": f"{n}-1",
                    "systemOrderItemNumber": f"{n}-1",
                    "sku": "HCR-ETH-250",
                    "productName": "Ethiopia Natural 250 g",
                    "quantity": 2,
                    "itemPrice": 36.0,
                    "itemUnitPrice": 18.0,
                    "itemStatus": "pending",
                },
            ],
        }
        items.append(BatchItem(f"demo-order-{n}", copy.deepcopy(order)))
    return items


def run_flows(hub: Hub, console: Console, orders_source: str, *, orders: int = 12) -> None:
    """Pull every source, accept the demo orders, then process and publish with progress."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=False,
    ) as progress:
        for flow in FLOWS:
            if not flow.source:
                continue
            task = progress.add_task(f"pulling {flow.label}", total=None)
            outcome = asyncio.run(pull(hub, flow_id(flow)))
            progress.update(
                task,
                total=max(outcome.records, 1),
                completed=max(outcome.records, 1),
                description=f"pulled {flow.label}: {outcome.records} records"
                + (f" ({outcome.error})" if outcome.error else ""),
            )
        with hub.transaction() as session:
            integration = session.get(Integration, orders_source)
            if integration is not None:  # the request id makes a second run store nothing
                accept_batch(
                    session,
                    integration=integration,
                    items=demo_orders(orders),
                    request_id="crossdock-demo-orders-1",
                    actor=None,
                    now=hub.clock(),
                )
        pending = _count(
            hub, select(func.count()).select_from(IngestItem).where(IngestItem.status == "pending")
        )
        task = progress.add_task("validating and merging records", total=max(pending, 1))
        while ingest_chunk(hub):
            left = _count(
                hub,
                select(func.count()).select_from(IngestItem).where(IngestItem.status == "pending"),
            )
            progress.update(task, completed=pending - left)
        progress.update(task, completed=max(pending, 1))
        due = _count(
            hub, select(func.count()).select_from(PublishJob).where(PublishJob.status == "pending")
        )
        task = progress.add_task("publishing to destinations", total=max(due, 1))
        while publish_chunk(hub):
            left = _count(
                hub,
                select(func.count()).select_from(PublishJob).where(PublishJob.status == "pending"),
            )
            progress.update(task, completed=due - left)
        progress.update(task, completed=max(due, 1))


def _count(hub: Hub, statement: Any) -> int:
    with hub.transaction() as session:
        return int(session.scalar(statement) or 0)


def summary(hub: Hub, orders_source: str) -> Table:
    """What moved where: records held per source, deliveries per destination."""
    table = Table(title="What moved where")
    for column in ("integration", "system", "sync type", "records", "published", "parked"):
        table.add_column(column)
    with hub.transaction() as session:
        for integration_id, label in [(flow_id(f), f.label) for f in FLOWS] + [
            (orders_source, "orders sent through POST /streams_batch")
        ]:
            integration = session.get(Integration, integration_id)
            if integration is None:
                continue
            records = session.scalar(
                select(func.count())
                .select_from(MasterRecord)
                .where(
                    MasterRecord.integration_id == integration_id, MasterRecord.deleted.is_(False)
                )
            )
            done = session.scalar(
                select(func.count())
                .select_from(PublishJob)
                .where(PublishJob.integration_id == integration_id, PublishJob.status == "done")
            )
            failed = session.scalar(
                select(func.count())
                .select_from(PublishJob)
                .where(PublishJob.integration_id == integration_id, PublishJob.status == "failed")
            )
            table.add_row(
                label,
                integration.system_id,
                integration.sync_type,
                str(records) if integration.get else "",
                "" if integration.get else str(done),
                "" if integration.get else str(failed),
            )
    return table
