"""The distributed deployment: the API announces work through Procrastinate and two real
``crossdock worker`` processes share it on PostgreSQL, each record processed and published
exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from crossdock.api import create_app
from crossdock.hub import Hub
from crossdock.settings import load_settings
from tests.api.conftest import ADMIN, CLIENT_ID
from tests.api.test_records import ORDER

pytestmark = pytest.mark.postgres

SECRET = "distributed-test-secret"


@pytest.fixture
def hub(postgres_url: str) -> Iterator[Hub]:
    settings = load_settings(
        {},
        database_url=postgres_url,
        secret_key=SECRET,
        bootstrap_admin=f"{ADMIN[0]}:{ADMIN[1]}",
        client_id=CLIENT_ID,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        queue="procrastinate",
    )
    hub = Hub.from_settings(settings)
    yield hub
    hub.close()


def start_workers(database_url: str, count: int, tmp_path: Path) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "CROSSDOCK_DATABASE_URL": database_url, "CROSSDOCK_SECRET_KEY": SECRET}
    workers = []
    for n in range(count):
        with (tmp_path / f"worker{n}.log").open("wb") as log:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "crossdock", "worker", "--concurrency", "2"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    return workers


def wait_until(engine: sa.Engine, done: Any, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if done(conn):
                return
        time.sleep(0.3)
    raise AssertionError("the workers did not finish in time")


def test_two_workers_process_and_publish_everything_once(
    hub: Hub, postgres_url: str, tmp_path: Path
) -> None:
    with TestClient(create_app(hub=hub)) as client:
        login = {"clientId": CLIENT_ID, "username": ADMIN[0], "password": ADMIN[1]}
        headers = {
            "Authorization": client.post("/auth/login", json=login).json()["Tokens"]["IdToken"]
        }
        company = client.post(
            "/companies", json={"name": "D", "country": "SG", "agencyId": "a"}, headers=headers
        ).json()["companyId"]
        base = {
            "active": True,
            "add": False,
            "delete": False,
            "meta": {},
            "syncType": "orders",
            "systemId": "api",
            "companyId": company,
        }
        source = client.post(
            "/integrations", json={**base, "get": True, "update": False}, headers=headers
        ).json()["integrationId"]
        client.post("/integrations", json={**base, "get": False, "update": True}, headers=headers)
        for batch in range(6):
            items = [
                {"id": f"o{batch}-{n}", "record": {**ORDER, "systemOrderNumber": f"n{batch}-{n}"}}
                for n in range(150)
            ]
            r = client.post(
                "/streams_batch", json={"integrationId": source, "items": items}, headers=headers
            )
            assert r.status_code == 200
        workers = start_workers(postgres_url, 2, tmp_path)
        try:
            wait_until(
                hub.engine,
                lambda conn: conn.execute(
                    sa.text(
                        "select (select count(*) from ingest_items where status = 'pending') = 0"
                        " and (select count(*) from publish_jobs where status = 'done') = 900"
                    )
                ).scalar(),
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(30)
        with hub.engine.connect() as conn:
            assert conn.execute(
                sa.text("select count(*), max(version) from master_records")
            ).one() == (900, 1)
            assert conn.execute(sa.text("select count(*) from master_versions")).scalar() == 900
            assert conn.execute(sa.text("select count(*) from channel_payloads")).scalar() == 900
            assert (
                conn.execute(
                    sa.text("select count(*) from publish_jobs where status <> 'done'")
                ).scalar()
                == 0
            )
            chunks = conn.execute(
                sa.text(
                    "select count(*) from procrastinate_jobs"
                    " where status = 'succeeded' and task_name = 'crossdock.ingest'"
                )
            ).scalar()
        logs = "".join((tmp_path / f"worker{n}.log").read_text() for n in range(2))
        assert "Traceback" not in logs
        assert chunks >= 2  # the work went out in chunks any free worker could take
