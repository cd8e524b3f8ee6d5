"""Cropster lot streams against the Cropster sandbox, in process (ASGITransport) and over a real
uvicorn: full and incremental reads, resuming, and faults (a token expiring in the middle of
paging, 429 storms, 5xx bursts, dropped connections, lots created and changed between pages).
Every read ends with the set of lots the sandbox holds: none lost, none duplicated."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from crossdock.connectors.cropster import (
    BlendedLotsStream,
    CropsterClient,
    GreenLotsStream,
    RoastedLotsStream,
    set_green_lot_weight,
)
from crossdock.connectors.cropster.client import cropster_time
from crossdock.connectors.http import Checkpoint, Page
from tests.connectors.reads import clock_behind, read_all, sandbox
from tests.connectors.servers import serve
from tests.connectors.test_cropster_support import (
    LIST_GREEN,
    TOKEN_PATH,
    Cropster,
    assert_exactly,
    cropster_app,
    cropster_settings,
    lots_of,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def live_cropster() -> Iterator[tuple[Any, str]]:
    app = cropster_app()
    with serve(app) as url:
        yield app, url


@pytest.fixture(params=["asgi", "uvicorn"])
def cropster(request: pytest.FixtureRequest) -> Cropster:
    return Cropster(*sandbox(request, cropster_app, "live_cropster", "http://cropster.test"))


async def test_full_read_is_every_lot_once_and_ends_with_a_checkpoint(cropster: Cropster) -> None:
    pages: list[Page] = []
    started = time.time()
    async with cropster.client() as client:
        records = await read_all(GreenLotsStream(client, page_limit=40), pages=pages)
    assert_exactly(records, set(cropster.green_lots()))
    assert len(pages) == 5  # four pages of the main pass and one of the catch-up
    assert all(page.checkpoint.resume for page in pages[:-1])
    assert pages[1].checkpoint.resume["after"]
    final = pages[-1].checkpoint
    assert final.resume == {}
    assert final.updated_since is not None
    assert cropster_time(started - 7) <= final.updated_since <= cropster_time(time.time() - 4)
    assert {"id", "name", "externalId", "weight", "location", "updatedAt"} <= set(records[0])
    listed = cropster.requests(LIST_GREEN)
    assert '"updatedAt"' not in listed[0].body  # the first run reads everything
    assert '"updatedAt"' in listed[-1].body  # the catch-up reads what changed meanwhile


async def test_roasted_and_blended_lots(cropster: Cropster) -> None:
    async with cropster.client() as client:
        roasts = await read_all(RoastedLotsStream(client, page_limit=100))
        blends = await read_all(BlendedLotsStream(client))
    assert_exactly(roasts, set(lots_of(cropster.app, "roast")))
    assert_exactly(blends, set(lots_of(cropster.app, "blend")))
    assert {"roastedDate", "startWeight", "endWeight", "greenLots"} <= set(roasts[0])


async def test_pages_are_read_lazily(cropster: Cropster) -> None:
    async with cropster.client() as client:
        pages = GreenLotsStream(client, page_limit=25).pages(None)
        first = await anext(pages)
        assert len(first.records) == 25
        assert len(cropster.requests(LIST_GREEN)) == 1
        await pages.aclose()


async def test_incremental_read_is_what_changed_since_the_checkpoint(cropster: Cropster) -> None:
    pages: list[Page] = []
    async with cropster.client() as client:
        await read_all(GreenLotsStream(client), pages=pages)
        checkpoint = Checkpoint.from_json(pages[-1].checkpoint.to_json())
        assert checkpoint is not None
        some = sorted(cropster.green_lots())[7]
        await set_green_lot_weight(client, some, {"amount": 321.5, "unit": "KG"})
        cropster.insert(3)
        changed = await read_all(GreenLotsStream(client), since=checkpoint)
    before = {r["id"] for page in pages for r in page.records}
    expected = {some} | (set(cropster.green_lots()) - before)
    assert len(expected) == 4
    assert_exactly(changed, expected)
    weighed = next(r for r in changed if r["id"] == some)
    assert weighed["weight"] == {"amount": 321.5, "unit": "KG"}


async def test_a_token_expiring_mid_read_is_renewed_once_and_the_read_goes_on(
    cropster: Cropster,
) -> None:
    cropster.fault(kind="expire_tokens", after=2, count=1, route=LIST_GREEN)
    async with cropster.client() as client:
        records = await read_all(GreenLotsStream(client, page_limit=25))
    assert_exactly(records, set(cropster.green_lots()))
    assert len(cropster.requests(TOKEN_PATH)) == 2
    statuses = [r.status for r in cropster.requests(LIST_GREEN)]
    assert statuses.count(401) == 1
    assert cropster.waits == []  # a renewed token is not a retry


async def test_a_429_storm_is_waited_out_as_retry_after_says(cropster: Cropster) -> None:
    cropster.fault(kind="rate_limit", burst=4, retry_after=2, after=1, count=2, route=LIST_GREEN)
    async with cropster.client() as client:
        records = await read_all(GreenLotsStream(client, page_limit=25))
    assert_exactly(records, set(cropster.green_lots()))
    assert cropster.waits == [2.0] * 8
    statuses = [r.status for r in cropster.requests(LIST_GREEN)]
    assert statuses.count(429) == 8


async def test_a_5xx_burst_is_retried_with_growing_waits(cropster: Cropster) -> None:
    cropster.fault(kind="error", status=503, after=2, count=3, route=LIST_GREEN)
    cropster.fault(kind="error", status=500, after=6, count=1, route=LIST_GREEN)
    async with cropster.client(wait_initial=0.25) as client:
        records = await read_all(GreenLotsStream(client, page_limit=25))
    assert_exactly(records, set(cropster.green_lots()))
    assert cropster.waits == [0.25, 0.5, 1.0, 0.25]


async def test_a_5xx_on_the_token_endpoint_is_retried(cropster: Cropster) -> None:
    cropster.fault(kind="error", status=502, count=2, route=TOKEN_PATH)
    async with cropster.client(wait_initial=0.25) as client:
        records = await read_all(GreenLotsStream(client))
    assert_exactly(records, set(cropster.green_lots()))
    assert [r.status for r in cropster.requests(TOKEN_PATH)] == [502, 502, 200]


async def test_dropped_connections_are_retried(cropster: Cropster) -> None:
    cropster.fault(kind="drop", after=1, count=2, route=LIST_GREEN)
    cropster.fault(kind="drop", after=5, count=1, route=LIST_GREEN)
    async with cropster.client() as client:
        records = await read_all(GreenLotsStream(client, page_limit=25))
    assert_exactly(records, set(cropster.green_lots()))
    assert len(cropster.waits) == 3


async def test_lots_created_between_pages_are_neither_lost_nor_repeated(
    cropster: Cropster,
) -> None:
    cropster.fault(kind="insert", records=15, count=4, route=LIST_GREEN)
    pages: list[Page] = []
    async with cropster.client() as client:
        records = await read_all(GreenLotsStream(client, page_limit=25), pages=pages)
    lots = cropster.green_lots()
    assert len(lots) >= 150 + 45  # the catch-up's own request may have added 15 more
    assert_exactly(records, set(lots))
    # New lots go to the head of the listing, behind the reader: the catch-up finds them.
    catch_up = [p for p in pages if p.checkpoint.resume.get("pass", 1) != 0]
    assert sum(len(p.records) for p in catch_up) >= 45


async def test_a_lot_changed_behind_the_reader_is_read_again_in_its_new_version(
    cropster: Cropster,
) -> None:
    async with cropster.client() as client:
        records: list[dict[str, Any]] = []
        pages = GreenLotsStream(client, page_limit=50).pages(None)
        first = await anext(pages)
        records += first.records
        behind = first.records[3]["id"]
        await set_green_lot_weight(client, behind, {"amount": 1.25, "unit": "LBS"})
        async for page in pages:
            records += page.records
    versions = [r for r in records if r["id"] == behind]
    assert len(versions) == 2
    assert versions[1]["weight"] == {"amount": 1.25, "unit": "LBS"}
    assert versions[1]["updatedAt"] > versions[0]["updatedAt"]
    assert_exactly([r for r in records if r is not versions[0]], set(cropster.green_lots()))


async def test_an_interrupted_run_resumes_from_its_last_checkpoint(cropster: Cropster) -> None:
    records: list[dict[str, Any]] = []
    async with cropster.client() as client:
        pages = GreenLotsStream(client, page_limit=30).pages(None)
        for _ in range(2):
            page = await anext(pages)
            records += page.records
        await pages.aclose()
        stored = page.checkpoint.to_json()
        assert stored["resume"]["pass"] == 0
        resumed = Checkpoint.from_json(stored)
        asked = len(cropster.requests(LIST_GREEN))
        records += await read_all(GreenLotsStream(client, page_limit=30), resumed)
    assert_exactly(records, set(cropster.green_lots()))
    first_resumed = cropster.requests(LIST_GREEN)[asked]
    assert stored["resume"]["after"] in first_resumed.body  # not from the start again


async def test_the_run_begins_on_the_vendors_clock() -> None:
    app = cropster_app(records=40)
    started = time.time()
    pages: list[Page] = []
    transport = httpx.ASGITransport(clock_behind(app, 120))
    async with CropsterClient(
        cropster_settings("http://cropster.test"), transport=transport, rate_limit=None
    ) as client:
        await read_all(GreenLotsStream(client, page_limit=20, skew=5), pages=pages)
    main_began = pages[0].checkpoint.resume["began"]
    assert cropster_time(started - 127) <= main_began <= cropster_time(started - 124)
    final = pages[-1].checkpoint.updated_since
    assert final is not None
    assert cropster_time(started - 127) <= final <= cropster_time(time.time() - 124)
