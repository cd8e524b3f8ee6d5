"""The Commerce Connect records stream against a running Crossdock hub, in process
(ASGITransport) and over a real uvicorn: full and incremental reads, scroll, resuming, and
faults (the IdToken expiring in the middle of paging, 429 storms, 5xx bursts, dropped
connections, records sent and changed between pages). Every read ends with the set of records
the hub holds: none lost, none duplicated."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from crossdock.connectors.crescodata import RecordsStream
from crossdock.connectors.crescodata.streams import hub_time
from crossdock.connectors.http import Checkpoint, Page
from tests.connectors.reads import read_all
from tests.connectors.test_crescodata_support import (
    RunningHub,
    assert_exactly,
    hub_in_process,
    hub_served,
    order,
    orders,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    with hub_served(tmp_path_factory.mktemp("hub")) as running:
        yield running


@pytest.fixture(params=["asgi", "uvicorn"])
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunningHub]:
    if request.param == "asgi":
        async with hub_in_process(tmp_path) as running:
            yield running
        return
    running = request.getfixturevalue("served")
    running.app.faults.clear()
    running.app.requests.clear()
    running.waits.clear()
    running.clock.offset = 0.0
    yield running


@pytest.fixture
async def source(hub: RunningHub) -> tuple[str, str]:
    """A company with 40 orders sent a minute ago: (companyId, integrationId)."""
    company_id, integration_id = await hub.make_source()
    hub.clock.offset = -60.0
    await hub.send(integration_id, orders(1, 40))
    hub.clock.offset = 0.0
    return company_id, integration_id


def stream(client: Any, company_id: str, **options: Any) -> RecordsStream:
    return RecordsStream(client, "orders", filters={"companyId": company_id}, **options)


async def test_full_read_is_every_record_once_and_ends_with_a_checkpoint(
    hub: RunningHub, source: tuple[str, str]
) -> None:
    company_id, _ = source
    pages: list[Page] = []
    started = time.time()
    async with hub.client() as client:
        records = await read_all(stream(client, company_id, limit=15), pages=pages)
    assert_exactly(records, set(await hub.listed("orders", company_id)))
    assert [len(page.records) for page in pages] == [15, 15, 10, 0]  # the last: the catch-up
    assert all(page.checkpoint.resume for page in pages[:-1])
    final = pages[-1].checkpoint
    assert final.resume == {}
    assert final.updated_since is not None
    assert hub_time(started - 7) <= final.updated_since <= hub_time(time.time() - 4)
    assert records[0]["data"][0]["systemOrderNumber"].startswith("order-")
    assert set(hub.app.statuses("/orders")) == {200}
    assert len(hub.app.statuses("/auth/login")) == 1


async def test_incremental_read_is_what_changed_since_the_checkpoint(
    hub: RunningHub, source: tuple[str, str]
) -> None:
    company_id, integration_id = source
    pages: list[Page] = []
    async with hub.client() as client:
        before = await read_all(stream(client, company_id), pages=pages)
        checkpoint = Checkpoint.from_json(pages[-1].checkpoint.to_json())
        assert checkpoint is not None
        await hub.send(
            integration_id,
            [{"id": "o7", "record": order(7, status="shipped")}, *orders(100, 3)],
        )
        changed = await read_all(stream(client, company_id), since=checkpoint)
    known = {r["crescoId"] for r in before}
    listed = await hub.listed("orders", company_id)
    seventh = next(r["crescoId"] for r in before if r["objectId"] == "o7")
    assert_exactly(changed, {seventh} | (set(listed) - known))
    assert len(changed) == 4
    assert next(r for r in changed if r["objectId"] == "o7")["data"][0]["status"] == "shipped"


async def test_the_id_token_expiring_mid_read_is_refreshed_once_and_the_read_goes_on(
    hub: RunningHub, source: tuple[str, str]
) -> None:
    company_id, _ = source
    records: list[dict[str, Any]] = []
    # The connector's user sets its password and logs in while the hub's clock is two hours
    # behind; when the clock catches up, the IdToken's hour has passed. (Moving the clock
    # forward instead would make the hub's new tokens look issued in the future to its JWT
    # library.)
    hub.clock.offset = -7200.0
    user = (f"sync-{company_id[:8]}@crossdock.test", "Sync-Password-1")
    await hub.make_user(*user)
    async with hub.client(login=user) as client:
        pages = stream(client, company_id, limit=15).pages(None)
        for _ in range(2):
            records += (await anext(pages)).records
        hub.clock.offset = 0.0
        async for page in pages:
            records += page.records
    assert_exactly(records, set(await hub.listed("orders", company_id)))
    assert hub.app.statuses("/orders").count(401) == 1
    assert hub.app.statuses("/auth/token/refresh") == [200]
    assert len(hub.app.statuses("/auth/login")) == 1
    assert hub.waits == []  # a refreshed token is not a retry


async def test_a_429_storm_is_waited_out_as_retry_after_says(
    hub: RunningHub, source: tuple[str, str]
) -> None:
    company_id, _ = source
    hub.app.add(kind="rate_limit", burst=3, retry_after=2, after=1, count=2, route="/orders")
    async with hub.client() as client:
        records = await read_all(stream(client, company_id, limit=15))
    assert_exactly(records, set(await hub.listed("orders", company_id)))
    assert hub.waits == [2.0] * 6
    assert hub.app.statuses("/orders").count(429) == 6


async def test_a_5xx_burst_is_retried_with_growing_waits(
    hub: RunningHub, source: tuple[str, str]
) -> None:
    company_id, _ = source
    hub.app.add(kind="error", status=503, after=1, count=3, route="/orders")
    hub.app.add(kind="error", status=502, count=1, route="/auth/login")
    async with hub.client(wait_initial=0.25) as client:
        records = await read_all(stream(client, company_id, limit=15))
    assert_exactly(records, set(await hub.listed("orders", company_id)))
    assert hub.waits == [0.25, 0.25, 0.5, 1.0]


async def test_dropped_connections_are_retried(hub: RunningHub, source: tuple[str, str]) -> None:
    company_id, _ = source
    hub.app.add(kind="drop", after=1, count=2, route="/orders")
    async with hub.client() as client:
        records = await read_all(stream(client, company_id, limit=15))
    assert_exactly(records, set(await hub.listed("orders", company_id)))
    assert len(hub.waits) == 2


async def test_records_sent_and_changed_between_pages_are_neither_lost_nor_repeated(
    hub: RunningHub, source: tuple[str, str]
) -> None:
    company_id, integration_id = source
    pages: list[Page] = []
    records: list[dict[str, Any]] = []
    async with hub.client() as client:
        reading = stream(client, company_id, limit=15).pages(None)
        unread = ""
        for number in range(3):
            page = await anext(reading)
            records += page.records
            pages.append(page)
            # New orders, and an order not read yet changed: both move behind the reader.
            await hub.send(integration_id, orders(200 + 10 * number, 5))
            if not unread:
                read = {r["objectId"] for r in records}
                unread = next(f"o{n}" for n in range(1, 41) if f"o{n}" not in read)
                changed = order(int(unread[1:]), status="shipped")
                await hub.send(integration_id, [{"id": unread, "record": changed}])
        async for page in reading:
            records += page.records
            pages.append(page)
    listed = await hub.listed("orders", company_id)
    assert len(listed) == 55
    versions = [r for r in records if r["objectId"] == unread]
    assert [r["data"][0]["status"] for r in versions] == ["shipped"]
    assert_exactly(records, set(listed))
    catch_up = [p for p in pages if p.checkpoint.resume.get("pass", 1) != 0]
    assert sum(len(p.records) for p in catch_up) >= 15


async def test_a_record_changed_behind_the_reader_is_read_again_in_its_new_version(
    hub: RunningHub, source: tuple[str, str]
) -> None:
    company_id, integration_id = source
    records: list[dict[str, Any]] = []
    async with hub.client() as client:
        reading = stream(client, company_id, limit=15).pages(None)
        first = await anext(reading)
        records += first.records
        behind = first.records[5]["objectId"]
        number = int(behind.removeprefix("o"))
        await hub.send(integration_id, [{"id": behind, "record": order(number, status="shipped")}])
        async for page in reading:
            records += page.records
    versions = [r for r in records if r["objectId"] == behind]
    assert [r["data"][0]["status"] for r in versions] == ["readyToShip", "shipped"]
    assert_exactly(
        [r for r in records if r is not versions[0]], set(await hub.listed("orders", company_id))
    )


async def test_scroll_pages_with_one_token(hub: RunningHub, source: tuple[str, str]) -> None:
    company_id, _ = source
    async with hub.client() as client:
        records = await read_all(stream(client, company_id, limit=15, scroll=2))
    assert_exactly(records, set(await hub.listed("orders", company_id)))


async def test_an_interrupted_run_resumes_from_its_last_checkpoint(
    hub: RunningHub, source: tuple[str, str]
) -> None:
    company_id, _ = source
    records: list[dict[str, Any]] = []
    async with hub.client() as client:
        reading = stream(client, company_id, limit=15).pages(None)
        page = await anext(reading)
        records += page.records
        await reading.aclose()
        stored = page.checkpoint.to_json()
        assert stored["resume"]["pass"] == 0
        asked = len(hub.app.statuses("/orders"))
        records += await read_all(
            stream(client, company_id, limit=15), Checkpoint.from_json(stored)
        )
    assert_exactly(records, set(await hub.listed("orders", company_id)))
    # The two pages left, then the catch-up: not the first page again.
    assert len(hub.app.statuses("/orders")) - asked == 3


async def test_a_deletion_reaches_the_next_run_as_a_tombstone(
    hub: RunningHub, source: tuple[str, str]
) -> None:
    company_id, integration_id = source
    pages: list[Page] = []
    async with hub.client() as client:
        before = await read_all(stream(client, company_id), pages=pages)
        checkpoint = pages[-1].checkpoint
        await hub.send(integration_id, [{"id": "o3", "record": None}])
        changed = await read_all(stream(client, company_id), since=checkpoint)
        live = await read_all(stream(client, company_id, tombstones=False))
    third = next(r["crescoId"] for r in before if r["objectId"] == "o3")
    assert [(r["crescoId"], r["deleted"]) for r in changed] == [(third, True)]
    assert_exactly(live, set(await hub.listed("orders", company_id)))
    assert third not in {r["crescoId"] for r in live}
