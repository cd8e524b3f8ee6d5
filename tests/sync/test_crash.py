"""A worker killed with SIGKILL in the middle of the work, then another started: every record
is processed and published exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from crossdock.api import create_app
from crossdock.hub import Hub
from tests.api.conftest import ADMIN, CLIENT_ID
from tests.api.test_records import ORDER
from tests.sync.conftest import SECRET, count, merchant, start_worker

ORDERS = 3000


@pytest.mark.postgres
def test_sigkill_mid_run_then_restart_loses_and_doubles_nothing(
    hub: Hub, postgres_url: str, tmp_path: Path
) -> None:
    with TestClient(create_app(hub=hub)) as client:
        headers, source = merchant(client)
        for batch in range(ORDERS // 300):
            items = [
                {"id": f"o{batch}-{n}", "record": {**ORDER, "systemOrderNumber": f"k{batch}-{n}"}}
                for n in range(300)
            ]
            assert (
                client.post(
                    "/streams_batch",
                    json={"integrationId": source, "items": items},
                    headers=headers,
                ).status_code
                == 200
            )

    first = start_worker(postgres_url, tmp_path / "first.log", CROSSDOCK_PUBLISH_LEASE_SECONDS="2")
    deadline = time.monotonic() + 60
    while count(hub.engine, "select count(*) from ingest_items where status <> 'pending'") < 600:
        assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    processed_at_kill = count(
        hub.engine, "select count(*) from ingest_items where status <> 'pending'"
    )
    assert processed_at_kill < ORDERS, "the first worker finished before it could be killed"

    second = start_worker(
        postgres_url, tmp_path / "second.log", CROSSDOCK_PUBLISH_LEASE_SECONDS="2"
    )
    try:
        deadline = time.monotonic() + 120
        while count(hub.engine, "select count(*) from publish_jobs where status = 'done'") < ORDERS:
            assert time.monotonic() < deadline, (tmp_path / "second.log").read_text()
            time.sleep(0.2)
    finally:
        second.terminate()
        second.wait(30)
    engine = hub.engine
    assert count(engine, "select count(*) from ingest_items where status = 'pending'") == 0
    assert count(engine, "select count(*) from master_records") == ORDERS
    assert count(engine, "select count(*) from master_versions") == ORDERS
    assert count(engine, "select count(*) from channel_payloads") == ORDERS
    assert count(engine, "select count(distinct cresco_id) from channel_payloads") == ORDERS
    assert count(engine, "select count(*) from publish_jobs where status <> 'done'") == 0


def test_embedded_server_killed_mid_ingest_resumes_on_restart(tmp_path: Path) -> None:
    """The embedded default: crossdock serve on SQLite, killed while its worker thread merges."""
    import httpx

    from tests.api.test_seed_samples import free_port

    database = f"sqlite:///{tmp_path / 'embedded.db'}"
    env = {
        **os.environ,
        "CROSSDOCK_DATABASE_URL": database,
        "CROSSDOCK_SECRET_KEY": SECRET,
        "CROSSDOCK_BOOTSTRAP_ADMIN": f"{ADMIN[0]}:{ADMIN[1]}",
        "CROSSDOCK_CLIENT_ID": CLIENT_ID,
    }

    def serve(port: int, *, worker: bool = True, wait: bool = True) -> subprocess.Popen[bytes]:
        with (tmp_path / f"serve-{port}.log").open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "crossdock", "serve", "--port", str(port)],
                env={**env, "CROSSDOCK_EMBEDDED_WORKER": "1" if worker else "0"},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        if not wait:
            return process
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                return process
            except httpx.TransportError:
                assert time.monotonic() < deadline
                assert process.poll() is None
                time.sleep(0.1)

    # The records are accepted by a server without a worker, so that none is merged before
    # the one below starts and can be killed in the middle of them.
    port = free_port()
    server = serve(port, worker=False)
    url = f"http://127.0.0.1:{port}"
    login = {"clientId": CLIENT_ID, "username": ADMIN[0], "password": ADMIN[1]}
    headers = {
        "Authorization": httpx.post(f"{url}/auth/login", json=login).json()["Tokens"]["IdToken"]
    }
    company = httpx.post(
        f"{url}/companies", json={"name": "E", "country": "SG", "agencyId": "e"}, headers=headers
    ).json()["companyId"]
    source = httpx.post(
        f"{url}/integrations",
        json={
            "active": True,
            "add": False,
            "delete": False,
            "get": True,
            "update": False,
            "meta": {},
            "syncType": "orders",
            "systemId": "api",
            "companyId": company,
        },
        headers=headers,
    ).json()["integrationId"]
    for batch in range(10):
        items = [
            {"id": f"o{batch}-{n}", "record": {**ORDER, "systemOrderNumber": f"e{batch}-{n}"}}
            for n in range(500)
        ]
        r = httpx.post(
            f"{url}/streams_batch",
            json={"integrationId": source, "items": items},
            headers=headers,
            timeout=60,
        )
        assert r.status_code == 200
    server.terminate()
    server.wait(30)
    engine = sa.create_engine(database)
    assert count(engine, "select count(*) from ingest_items where status = 'pending'") == 5000

    server = serve(free_port(), wait=False)  # watched through the database, not HTTP
    deadline = time.monotonic() + 60
    while not count(engine, "select count(*) from ingest_items where status <> 'pending'"):
        assert time.monotonic() < deadline
        time.sleep(0.002)
    server.send_signal(signal.SIGKILL)
    server.wait(10)
    assert count(engine, "select count(*) from ingest_items where status = 'pending'") > 0

    server = serve(free_port())
    try:
        deadline = time.monotonic() + 90
        while count(engine, "select count(*) from ingest_items where status = 'pending'"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(30)
    assert count(engine, "select count(*) from master_records") == 5000
    assert count(engine, "select count(*) from master_versions") == 5000
    engine.dispose()
