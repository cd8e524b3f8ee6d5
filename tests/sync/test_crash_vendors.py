"""Real ``crossdock worker`` processes killed with SIGKILL in the middle of a pull from the
CareCloud sandbox and in the middle of publishing to the Custom Trades sandbox, then replaced:
Custom Trades ends up mirroring CareCloud, every customer there once.

The leases keep their defaults (ten minutes for a pull, five for publish claims), far longer
than the test waits: the work resumes because the next worker sees the killed one stop beating
and hands its jobs' leases and claims back."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crossdock.api import create_app
from crossdock.hub import Hub
from tests.api.conftest import Api, Clock
from tests.sync.conftest import count, start_worker
from tests.sync.customers_flow import ENTERPRISE, assert_mirrored, customers_flow

CUSTOMERS = 600
HAND_BACK = {"CROSSDOCK_WORKER_STALLED_SECONDS": "3", "CROSSDOCK_SWEEP_SECONDS": "1"}


def wait_for(engine: Any, what: Callable[[], bool], log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not what():
        if time.monotonic() > deadline:
            with engine.connect() as conn:
                pulls = conn.exec_driver_sql("select * from pull_states").all()
                jobs = conn.exec_driver_sql(
                    "select status, count(*) from publish_jobs group by status"
                ).all()
            pytest.fail(f"{log.name}: pulls {pulls}, jobs {jobs}\n{log.read_text()}")
        time.sleep(0.05)


def kill(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)


@pytest.mark.postgres
def test_workers_killed_mid_pull_and_mid_publish_lose_and_double_nothing(
    hub: Hub, postgres_url: str, tmp_path: Path
) -> None:
    engine = hub.engine
    with (
        TestClient(create_app(hub=hub)) as client,
        customers_flow(Api(client, hub, Clock()), CUSTOMERS) as flow,
    ):
        # Slow enough to be caught in the middle: CareCloud pages and Custom Trades creates.
        flow.fault(
            "carecloud",
            kind="latency",
            latency_ms=400,
            method="GET",
            route=f"{ENTERPRISE}/customers",
        )
        flow.fault(
            "customtrades", kind="latency", latency_ms=40, method="POST", route="/api/v1/customers"
        )
        r = client.post(f"/integrations/{flow.source}/sync", headers=flow.headers)
        assert r.status_code == 202, r.text

        # 1. Killed mid-pull: some pages stored with their checkpoint, the pull still leased.
        first = start_worker(postgres_url, tmp_path / "first.log", **HAND_BACK)
        wait_for(
            engine,
            lambda: count(engine, "select count(*) from ingest_items") >= 100,
            tmp_path / "first.log",
        )
        kill(first)
        pulled = count(engine, "select count(*) from ingest_items")
        assert pulled < CUSTOMERS, "the pull finished before it could be killed"
        assert count(engine, "select count(*) from pull_states where status = 'running'") == 1

        # 2. The next worker resumes the pull at its checkpoint; killed mid-publish.
        second = start_worker(postgres_url, tmp_path / "second.log", **HAND_BACK)
        live = flow.live()
        wait_for(
            engine,
            lambda: (
                count(engine, "select count(*) from destination_links") >= live // 3
                and count(engine, "select count(*) from publish_jobs where status = 'sending'") > 0
            ),
            tmp_path / "second.log",
        )
        kill(second)
        published = count(engine, "select count(*) from destination_links")
        assert published < live, "publishing finished before it could be killed"

        # 3. A third worker finishes; nothing was lost or sent twice.
        third = start_worker(postgres_url, tmp_path / "third.log", **HAND_BACK)
        try:
            wait_for(
                engine,
                lambda: (
                    count(
                        engine,
                        "select count(*) from publish_jobs where status in ('pending', 'sending')",
                    )
                    == 0
                    and count(engine, "select count(*) from pull_states where status = 'idle'") == 1
                    and count(engine, "select count(*) from ingest_items where status = 'pending'")
                    == 0
                    and count(engine, "select count(*) from destination_links") >= live
                ),
                tmp_path / "third.log",
                seconds=120,
            )
        finally:
            third.terminate()
            third.wait(30)
        # The killed workers' jobs were handed back and closed, not left "doing": the pull's
        # lease, then the publish claims.
        handed_back = (tmp_path / "second.log").read_text() + (tmp_path / "third.log").read_text()
        assert "task=crossdock.pull" in handed_back, handed_back
        assert "task=crossdock.publish" in handed_back, handed_back
        assert count(engine, "select count(*) from procrastinate_jobs where status = 'doing'") == 0
        assert (
            count(
                engine,
                "select count(*) from procrastinate_jobs where status = 'failed' "
                "and task_name in ('crossdock.pull', 'crossdock.publish')",
            )
            >= 2
        )
        # Every CareCloud customer is one master record of one version: the resumed pull
        # changed nothing it had stored before the kill.
        records = count(engine, "select count(*) from master_records")
        assert records >= live
        assert count(engine, "select count(*) from master_versions") == records
        assert_mirrored(flow)
