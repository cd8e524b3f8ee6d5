"""What the sync engine's process-level tests share: a hub on PostgreSQL whose jobs go to
Procrastinate, real ``crossdock worker`` processes, and a merchant with a source and a
destination."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crossdock.hub import Hub
from crossdock.settings import load_settings
from tests.api.conftest import ADMIN, CLIENT_ID

SECRET = "sync-tests-secret"


@pytest.fixture
def hub(postgres_url: str) -> Iterator[Hub]:
    hub = Hub.from_settings(
        load_settings(
            {},
            database_url=postgres_url,
            secret_key=SECRET,
            bootstrap_admin=f"{ADMIN[0]}:{ADMIN[1]}",
            client_id=CLIENT_ID,
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            queue="procrastinate",
        )
    )
    yield hub
    hub.close()


def start_worker(database_url: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """A real ``crossdock worker`` process; ``env`` adds CROSSDOCK_* settings."""
    environment = {
        **os.environ,
        "CROSSDOCK_DATABASE_URL": database_url,
        "CROSSDOCK_SECRET_KEY": SECRET,
        **env,
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "crossdock", "worker", "--concurrency", "2"],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar() or 0)


def merchant(client: Any) -> tuple[dict[str, str], str]:
    """Log in as the admin and create a company with an api source and an api destination of
    orders; returns the headers and the source's integration id."""
    login = {"clientId": CLIENT_ID, "username": ADMIN[0], "password": ADMIN[1]}
    token = client.post("/auth/login", json=login).json()["Tokens"]["IdToken"]
    headers = {"Authorization": token}
    company = client.post(
        "/companies", json={"name": "M", "country": "SG", "agencyId": "m"}, headers=headers
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
    return headers, source
