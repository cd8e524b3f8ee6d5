"""Connector credentials shared by every process through the database: sealed tokens with a
lock per credential, and rate-limit buckets."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
import sqlalchemy as sa

from crossdock.connectors.crescodata.client import CrescodataClient
from crossdock.connectors.http.ratelimit import RateLimit
from crossdock.store import migrate
from crossdock.store.credentials import DatabaseRateLimitBackend, DatabaseTokenStore
from crossdock.store.engine import create_engine
from tests.api.conftest import CLIENT_ID
from tests.api.test_seed_samples import base_url  # noqa: F401 - a hub on uvicorn

pytestmark = pytest.mark.anyio


def engine_for(url: str) -> sa.Engine:
    engine = create_engine(url)
    migrate.upgrade(engine)
    return engine


async def test_tokens_round_trip_and_overwrite(db_url: str) -> None:
    engine = engine_for(db_url)
    store = DatabaseTokenStore(engine)
    assert await store.get("k") is None
    await store.put("k", b"sealed-1")
    await store.put("k", b"sealed-2")
    assert await DatabaseTokenStore(engine).get("k") == b"sealed-2"
    engine.dispose()


@pytest.mark.postgres
async def test_the_lock_excludes_other_processes(postgres_url: str) -> None:
    """Two stores on two engines stand for two processes: the second waits for the first."""
    first, second = engine_for(postgres_url), create_engine(postgres_url)
    order: list[str] = []

    async def hold(store: DatabaseTokenStore, name: str, seconds: float) -> None:
        async with store.lock("credential"):
            order.append(f"{name} in")
            await anyio.sleep(seconds)
            order.append(f"{name} out")

    async with anyio.create_task_group() as group:
        group.start_soon(hold, DatabaseTokenStore(first), "a", 0.4)
        await anyio.sleep(0.1)
        group.start_soon(hold, DatabaseTokenStore(second), "b", 0.0)
    assert order == ["a in", "a out", "b in", "b out"]
    first.dispose()
    second.dispose()


@pytest.mark.postgres
async def test_many_clients_in_many_processes_log_in_once(
    postgres_url: str,
    base_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Clients that share the database's token store need one login between them."""
    settings = {
        "baseUrl": base_url,
        "clientId": CLIENT_ID,
        "username": "john.doe",
        "password": "$MyGreatPassword1#",
    }
    engines = [engine_for(postgres_url), create_engine(postgres_url)]
    clients = [CrescodataClient(settings, tokens=DatabaseTokenStore(engine)) for engine in engines]

    async def call(client: CrescodataClient) -> None:
        response = await client.api.request("GET", "/integrations")
        assert response.status_code == 200

    async with anyio.create_task_group() as group:
        for n in range(20):
            group.start_soon(call, clients[n % 2])
    for client in clients:
        await client.aclose()
    for engine in engines:
        engine.dispose()
    # every login leaves one refresh token in the hub that was called
    hub_db = sa.create_engine(f"sqlite:///{tmp_path / 'served-hub.db'}")
    with hub_db.connect() as connection:
        logins = connection.execute(sa.text("select count(*) from refresh_tokens")).scalar()
    hub_db.dispose()
    assert logins == 1


async def test_buckets_are_shared_and_queue_callers(db_url: str) -> None:
    engine = engine_for(db_url)
    clock = [1000.0]
    backends = [DatabaseRateLimitBackend(engine, clock=lambda: clock[0]) for _ in range(2)]
    limit = RateLimit(rate=5.0, burst=10)
    waits = [await backends[n % 2].reserve("cropster", limit) for n in range(14)]
    assert waits[:10] == [0.0] * 10
    assert waits[10:] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    clock[0] += 10
    assert await backends[0].reserve("cropster", limit) == 0.0
    assert await backends[1].reserve("other", limit) == 0.0
    engine.dispose()
