"""The distributed deployment: the API announces work through Procrastinate and two real
``crossdock worker`` processes share it on PostgreSQL, each record processed and published
exactly once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from crossdock.api import create_app
from crossdock.hub import Hub
from tests.api.test_records import ORDER
from tests.sync.conftest import merchant, start_worker

pytestmark = pytest.mark.postgres


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
        headers, source = merchant(client)
        for batch in range(6):
            items = [
                {"id": f"o{batch}-{n}", "record": {**ORDER, "systemOrderNumber": f"n{batch}-{n}"}}
                for n in range(150)
            ]
            r = client.post(
                "/streams_batch", json={"integrationId": source, "items": items}, headers=headers
            )
            assert r.status_code == 200
        workers = [start_worker(postgres_url, tmp_path / f"worker{n}.log") for n in range(2)]
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
