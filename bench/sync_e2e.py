"""End to end: customers from the CareCloud sandbox to the Custom Trades sandbox.

    .venv/bin/python bench/sync_e2e.py [--customers 100000] [--database-url URL] [--workers N]

Starts both sandboxes in processes of their own (uvicorn), a hub on a fresh database with a
merchant whose CareCloud customers source publishes to a Custom Trades customers destination,
then pulls, validates, merges and publishes everything: with the embedded jobs in this process,
or, with ``--workers N`` (PostgreSQL), with N ``crossdock worker`` processes doing the
ingestion and publishing. Reports records/s end to end, and p50/p95 of the latency from a
record's acceptance (its page stored as pending items) to its write at Custom Trades.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crossdock.demo_flows import CUSTOMTRADES_KEY, Sandbox, settings_for
from crossdock.hub import Hub
from crossdock.settings import load_settings
from crossdock.store import migrate
from crossdock.store.records import IngestItem, IngestRequest, SystemResult
from crossdock.store.tables import Company, Integration
from crossdock.sync.jobs import drain
from crossdock.sync.pull import pull


def _serve(name: str, customers: int, ports: Any) -> None:
    """In a child process: one sandbox under uvicorn on a free port, reported to ``ports``."""
    import threading

    import uvicorn

    from crossdock.demo_flows import CARECLOUD_APPLICATION, CARECLOUD_LOGIN, CARECLOUD_PASSWORD

    if name == "carecloud":
        from crossdock.sandboxes.carecloud import CareCloudConfig
        from crossdock.sandboxes.carecloud import create_app as carecloud_app

        app = carecloud_app(
            CareCloudConfig(
                records=customers,
                application_id=CARECLOUD_APPLICATION,
                login=CARECLOUD_LOGIN,
                password=CARECLOUD_PASSWORD,
            )
        )
    else:
        from crossdock.sandboxes.customtrades import CustomTradesConfig
        from crossdock.sandboxes.customtrades import create_app as customtrades_app

        app = customtrades_app(
            CustomTradesConfig(
                records=5, api_key=CUSTOMTRADES_KEY, usage_limit=customers * 4 + 1000
            )
        )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    ports.put((name, server.servers[0].sockets[0].getsockname()[1]))
    thread.join()


def start(customers: int) -> tuple[dict[str, Sandbox], list[multiprocessing.Process]]:
    """Both sandboxes, each in its own process: the vendors are other machines in real life,
    and their work should not share the hub's interpreter."""
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    processes = [
        context.Process(target=_serve, args=(name, customers, ports), daemon=True)
        for name in ("carecloud", "customtrades")
    ]
    for process in processes:
        process.start()
    sandboxes = {}
    for _ in processes:
        name, port = ports.get(timeout=600)
        sandboxes[name] = Sandbox(name, None, None, url=f"http://127.0.0.1:{port}")  # type: ignore[arg-type]
    return sandboxes, processes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="crossdock-e2e-"))
    url = args.database_url or f"sqlite:///{workdir / 'e2e.db'}"
    secret = "e2e-benchmark-secret"
    hub = Hub.from_settings(load_settings({}, database_url=url, secret_key=secret))
    migrate.upgrade(hub.engine)
    print(f"generating {args.customers:,} CareCloud customers...", flush=True)
    sandboxes, processes = start(args.customers)
    now = hub.clock()
    source, destination = str(uuid.uuid4()), str(uuid.uuid4())
    with hub.transaction() as session:
        session.add(
            Company(
                company_id="c",
                agency_id="a",
                name="E2E",
                country="US",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        for integration_id, system_id, get in (
            (source, "carecloud", True),
            (destination, "customtrades", False),
        ):
            system = hub.catalog.get(system_id)
            assert system is not None
            session.add(
                Integration(
                    integration_id=integration_id,
                    agency_id="a",
                    company_id="c",
                    sync_type="customers",
                    system_id=system_id,
                    active=True,
                    get=get,
                    update=not get,
                    add=False,
                    delete=False,
                    meta={},
                    created_at=now,
                    updated_at=now,
                    system_settings=hub.secrets.seal(
                        settings_for(system_id, sandboxes), system.secret_fields
                    ),
                )
            )
    workers: list[subprocess.Popen[bytes]] = []
    started = time.perf_counter()
    if args.workers:
        env = {**os.environ, "CROSSDOCK_DATABASE_URL": url, "CROSSDOCK_SECRET_KEY": secret}
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "crossdock", "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(args.workers)
        ]
    outcome = asyncio.run(pull(hub, source))
    pulled = time.perf_counter() - started
    if args.workers:
        while True:
            with hub.engine.connect() as conn:
                waiting = conn.execute(
                    sa.text(
                        "select (select count(*) from ingest_items where status = 'pending')"
                        " + (select count(*) from publish_jobs"
                        "    where status in ('pending', 'sending'))"
                    )
                ).scalar()
            if not waiting:
                break
            time.sleep(0.5)
        for worker in workers:
            worker.terminate()
    else:
        drain(hub)
    elapsed = time.perf_counter() - started
    with hub.engine.connect() as conn:
        rows = conn.execute(
            sa.select(IngestRequest.received_at, SystemResult.at)
            .join(IngestItem, IngestItem.cresco_id == SystemResult.cresco_id)
            .join(IngestRequest, IngestRequest.request_id == IngestItem.request_id)
            .where(SystemResult.direction == "destination", SystemResult.status == "created")
        ).all()
        failed = conn.execute(
            sa.text("select count(*) from publish_jobs where status = 'failed'")
        ).scalar()
    latencies = sorted((at - received).total_seconds() for received, at in rows)
    print(
        f"database: {url.split(':')[0]}  "
        f"{f'{args.workers} workers' if args.workers else 'embedded jobs'}  "
        f"customers: {args.customers:,}  pulled: {outcome.records:,} ({pulled:.1f} s)"
    )
    print(
        f"end to end: {outcome.records / elapsed:,.0f} records/s ({elapsed:.1f} s); "
        f"created at Custom Trades: {len(rows):,}; parked: {failed}"
    )
    if latencies:
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        print(
            f"acceptance to destination write: p50 {statistics.median(latencies):.1f} s  "
            f"p95 {p95:.1f} s"
        )
    hub.close()
    for process in processes:
        process.terminate()


if __name__ == "__main__":
    main()
