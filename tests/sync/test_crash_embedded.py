"""The embedded default: ``crossdock serve`` on SQLite killed with SIGKILL in the middle of a
pull from CareCloud and in the middle of publishing to Custom Trades, then started again.

The leases keep their defaults (ten minutes for a pull, five for publish claims), far longer
than the test waits: the work resumes because the restarted server sees that the process which
held it is gone and hands its leases and claims back. Custom Trades ends up mirroring
CareCloud, every customer there once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crossdock.api import create_app
from crossdock.hub import Hub
from crossdock.settings import load_settings
from tests.api.conftest import ADMIN, CLIENT_ID, Api, Clock
from tests.sync.conftest import SECRET, count
from tests.sync.customers_flow import ENTERPRISE, assert_mirrored, customers_flow

CUSTOMERS = 400


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(database_url: str, log: Path) -> subprocess.Popen[bytes]:
    """A real ``crossdock serve``, its embedded worker doing the hub's background work."""
    environment = {
        **os.environ,
        "CROSSDOCK_DATABASE_URL": database_url,
        "CROSSDOCK_SECRET_KEY": SECRET,
        "CROSSDOCK_PORT": str(free_port()),
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "crossdock", "serve"],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(what: Callable[[], bool], log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not what():
        if time.monotonic() > deadline:
            pytest.fail(f"{log.name}:\n{log.read_text()}")
        time.sleep(0.05)


def kill(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGKILL)
    server.wait(10)


def test_serve_killed_mid_pull_and_mid_publish_resumes_at_once_on_restart(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'hub.db'}"
    hub = Hub.from_settings(
        load_settings(
            {},
            database_url=database_url,
            secret_key=SECRET,
            bootstrap_admin=f"{ADMIN[0]}:{ADMIN[1]}",
            client_id=CLIENT_ID,
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            embedded_worker=False,  # the servers started below do the work
        )
    )
    engine = hub.engine
    try:
        with (
            TestClient(create_app(hub=hub)) as client,
            customers_flow(Api(client, hub, Clock()), CUSTOMERS) as flow,
        ):
            flow.fault(
                "carecloud",
                kind="latency",
                latency_ms=300,
                method="GET",
                route=f"{ENTERPRISE}/customers",
            )
            flow.fault(
                "customtrades",
                kind="latency",
                latency_ms=40,
                method="POST",
                route="/api/v1/customers",
            )
            r = client.post(f"/integrations/{flow.source}/sync", headers=flow.headers)
            assert r.status_code == 202, r.text

            # 1. Killed mid-pull: some pages stored with their checkpoint, the pull leased.
            first = serve(database_url, tmp_path / "first.log")
            wait_for(
                lambda: count(engine, "select count(*) from ingest_items") >= 100,
                tmp_path / "first.log",
            )
            kill(first)
            assert count(engine, "select count(*) from ingest_items") < CUSTOMERS
            assert count(engine, "select count(*) from pull_states where status = 'running'") == 1

            # 2. Started again: the pull resumes at once; killed mid-publish.
            second = serve(database_url, tmp_path / "second.log")
            live = flow.live()
            wait_for(
                lambda: (
                    count(engine, "select count(*) from destination_links") >= live // 3
                    and count(engine, "select count(*) from publish_jobs where status = 'sending'")
                    > 0
                ),
                tmp_path / "second.log",
            )
            kill(second)
            assert count(engine, "select count(*) from destination_links") < live

            # 3. Started again: the claims come back at once and publishing finishes.
            third = serve(database_url, tmp_path / "third.log")
            try:
                wait_for(
                    lambda: (
                        count(
                            engine,
                            "select count(*) from publish_jobs "
                            "where status in ('pending', 'sending')",
                        )
                        == 0
                        and count(engine, "select count(*) from pull_states where status = 'idle'")
                        == 1
                        and count(engine, "select count(*) from destination_links") >= live
                    ),
                    tmp_path / "third.log",
                )
            finally:
                third.terminate()
                third.wait(30)
            second_log = (tmp_path / "second.log").read_text()
            third_log = (tmp_path / "third.log").read_text()
            # The pull's lease came back on the first restart, publish claims on the second.
            assert re.search(rf"handed back .*pulls=\['{flow.source}'\]", second_log), second_log
            assert re.search(r"handed back claims=[1-9]", third_log), third_log
            records = count(engine, "select count(*) from master_records")
            assert records >= live
            assert count(engine, "select count(*) from master_versions") == records
            assert_mirrored(flow)
    finally:
        hub.close()
