"""CareCloud customers stream against the CareCloud sandbox, in process (ASGITransport) and over
a real uvicorn: full and incremental reads, deletions, and faults (429 storms, 5xx bursts,
dropped connections, inserts and updates between pages, tokens expiring mid-read). Every read
ends with the set of customers the sandbox holds: none lost, none duplicated."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from crossdock.connectors.carecloud import CareCloudClient, CustomersStream
from crossdock.connectors.carecloud.times import local_text
from crossdock.connectors.http import Checkpoint, Page
from tests.connectors.reads import clock_behind, read_all, sandbox
from tests.connectors.servers import serve
from tests.connectors.test_carecloud_support import (
    CareCloud,
    assert_exactly,
    carecloud_app,
    carecloud_settings,
    sandbox_customers,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def live_carecloud() -> Iterator[tuple[Any, str]]:
    app = carecloud_app()
    with serve(app) as url:
        yield app, url


@pytest.fixture(params=["asgi", "uvicorn"])
def carecloud(request: pytest.FixtureRequest) -> CareCloud:
    return CareCloud(*sandbox(request, carecloud_app, "live_carecloud", "http://carecloud.test"))


async def test_full_read_is_every_customer_once_deleted_ones_included(
    carecloud: CareCloud,
) -> None:
    pages: list[Page] = []
    async with carecloud.client() as client:
        records = await read_all(CustomersStream(client, count=50), pages=pages)
    customers = sandbox_customers(carecloud.app)
    assert_exactly(records, customers)
    assert len(records) == 250
    assert {r["state"] for r in records} == {0, 1, 2}  # deleted customers come through
    assert all(page.checkpoint.resume for page in pages[:-1])
    final = pages[-1].checkpoint
    assert final.resume == {}
    assert final.updated_since is not None
    newest = max(customers.values())
    assert final.updated_since < newest  # the next run reads the newest again, never less
    # Six pages newest first (each starts at the last customer of the one before, in case
    # ties were reordered), then one catch-up page that found nothing new.
    offsets = [r.query.split("offset=")[1].split("&")[0] for r in carecloud.listings()]
    assert offsets == ["0", "49", "98", "147", "196", "245", "0"]
    assert all(
        "sort_field=last_change&sort_direction=DESC" in r.query for r in carecloud.listings()
    )
    assert carecloud.logins() == 1


async def test_pages_are_read_lazily(carecloud: CareCloud) -> None:
    async with carecloud.client() as client:
        pages = CustomersStream(client, count=50).pages(None)
        first = await anext(pages)
        assert len(first.records) == 50
        assert len(carecloud.listings()) == 1
        await pages.aclose()


async def test_incremental_read_is_what_changed_since_the_checkpoint(carecloud: CareCloud) -> None:
    pages: list[Page] = []
    async with carecloud.client() as client:
        await read_all(CustomersStream(client), pages=pages)
        checkpoint = Checkpoint.from_json(pages[-1].checkpoint.to_json())
        assert checkpoint is not None
        assert checkpoint.updated_since is not None
        before = sandbox_customers(carecloud.app)
        state = carecloud.app.state.sandbox.state
        with state.lock:
            changed, deleted = state.customer_list[10], state.customer_list[20]
            state.replace_customer(
                changed.customer_id,
                {"customer": {"personal_information": {"language_id": "en", "last_name": "Novy"}}},
            )
            state.set_state(deleted.customer_id, 0)
            state.insert_records(3)
        full_read = len(carecloud.listings())
        again = await read_all(CustomersStream(client), since=checkpoint)
    after = sandbox_customers(carecloud.app)
    inserted = set(after) - set(before)
    expected = {i for i, when in after.items() if when >= checkpoint.updated_since}
    assert {changed.customer_id, deleted.customer_id} | inserted <= expected
    assert len(expected) <= 8  # the writes, and what changed within the skew of the newest
    assert_exactly(again, expected)
    by_id = {r["customer_id"]: r for r in again}
    assert by_id[changed.customer_id]["personal_information"]["last_name"] == "Novy"
    assert by_id[deleted.customer_id]["state"] == 0
    # The incremental read stopped at the checkpoint: one page, one catch-up.
    assert len(carecloud.listings()) == full_read + 2


async def test_a_429_storm_is_waited_out_as_retry_after_says(carecloud: CareCloud) -> None:
    carecloud.fault(
        kind="rate_limit", burst=4, retry_after=2, after=1, count=2, route="*/customers"
    )
    async with carecloud.client() as client:
        records = await read_all(CustomersStream(client, count=50))
    assert_exactly(records, sandbox_customers(carecloud.app))
    assert carecloud.waits == [2.0] * 8
    assert Counter(r.status for r in carecloud.listings())[429] == 8


async def test_a_5xx_burst_is_retried_with_growing_waits(carecloud: CareCloud) -> None:
    carecloud.fault(kind="error", status=503, after=2, count=3, route="*/customers")
    carecloud.fault(kind="error", status=502, after=6, count=1, route="*/customers")
    async with carecloud.client(wait_initial=0.25) as client:
        records = await read_all(CustomersStream(client, count=50))
    assert_exactly(records, sandbox_customers(carecloud.app))
    assert carecloud.waits == [0.25, 0.5, 1.0, 0.25]


async def test_dropped_connections_are_retried(carecloud: CareCloud) -> None:
    carecloud.fault(kind="drop", after=1, count=2, route="*/customers")
    carecloud.fault(kind="drop", after=5, count=1, route="*/customers")
    async with carecloud.client() as client:
        records = await read_all(CustomersStream(client, count=50))
    assert_exactly(records, sandbox_customers(carecloud.app))
    assert len(carecloud.waits) == 3


async def test_inserts_between_pages_are_neither_lost_nor_repeated(carecloud: CareCloud) -> None:
    # Each batch lands in one second: a run of ties at the top that shifts every later page.
    carecloud.fault(kind="insert", records=30, count=4, route="*/customers", method="GET")
    pages: list[Page] = []
    async with carecloud.client() as client:
        records = await read_all(CustomersStream(client, count=50), pages=pages)
    customers = sandbox_customers(carecloud.app)
    assert len(customers) == 250 + 120
    assert_exactly(records, customers)
    # New customers go to the top, above the read position: only catch-up passes find them.
    catch_up = [p for p in pages if p.checkpoint.resume.get("pass") != 0]
    assert sum(len(p.records) for p in catch_up) >= 90


async def test_customers_changed_during_the_read_come_in_their_newest_version(
    carecloud: CareCloud,
) -> None:
    state = carecloud.app.state.sandbox.state
    async with carecloud.client() as client:
        records: list[dict[str, Any]] = []
        pages = CustomersStream(client, count=50).pages(None)
        first = await anext(pages)
        records += first.records
        read_id = first.records[10]["customer_id"]
        read_ids = {r["customer_id"] for r in records}
        with state.lock:
            ordered = sorted(state.customer_list, key=lambda c: c.last_change, reverse=True)
            unread_id = ordered[200].customer_id
            assert unread_id not in read_ids
            for customer_id, name in ((read_id, "Read"), (unread_id, "Unread")):
                body = {"customer": {"personal_information": {"language_id": "cs"}}}
                body["customer"]["personal_information"]["last_name"] = name
                state.replace_customer(customer_id, body)
            state.set_state(ordered[120].customer_id, 0)
        async for page in pages:
            records += page.records
    customers = sandbox_customers(carecloud.app)
    counts = Counter(r["customer_id"] for r in records)
    assert set(counts) == set(customers)
    # Only the customer changed after it was read comes twice, the newer version last.
    assert {i for i, n in counts.items() if n > 1} == {read_id}
    latest = {r["customer_id"]: r for r in records}
    assert latest[read_id]["personal_information"]["last_name"] == "Read"
    assert latest[unread_id]["personal_information"]["last_name"] == "Unread"
    assert latest[ordered[120].customer_id]["state"] == 0


async def test_a_token_expiring_mid_read_is_renewed_once(carecloud: CareCloud) -> None:
    carecloud.fault(kind="expire_tokens", after=2, count=1, route="*/customers")
    async with carecloud.client() as client:
        records = await read_all(CustomersStream(client, count=50))
    assert_exactly(records, sandbox_customers(carecloud.app))
    assert carecloud.logins() == 2
    assert [r.status for r in carecloud.listings()].count(401) == 1
    assert carecloud.waits == []  # a renewed token is no retry


async def test_a_token_past_valid_to_on_the_vendors_clock_is_renewed(carecloud: CareCloud) -> None:
    async with carecloud.client() as client:
        records: list[dict[str, Any]] = []
        pages = CustomersStream(client, count=50).pages(None)
        records += (await anext(pages)).records
        carecloud.app.state.sandbox.clock.advance(7 * 3600 + 1)
        async for page in pages:
            records += page.records
    assert_exactly(records, sandbox_customers(carecloud.app))
    assert carecloud.logins() == 2


async def test_an_interrupted_read_resumes_from_its_last_checkpoint(carecloud: CareCloud) -> None:
    async with carecloud.client() as client:
        pages = CustomersStream(client, count=50).pages(None)
        first, second = await anext(pages), await anext(pages)
        await pages.aclose()
        carecloud.app.state.sandbox.state.insert_records(5)
        checkpoint = Checkpoint.from_json(second.checkpoint.to_json())
        assert checkpoint is not None
        assert checkpoint.resume["offset"] == 98
        rest = await read_all(CustomersStream(client, count=50), since=checkpoint)
    records = [*first.records, *second.records, *rest]
    counts = Counter(r["customer_id"] for r in records)
    assert set(counts) == set(sandbox_customers(carecloud.app))
    # Read twice at most: customers around the interruption (changed in the same second as
    # the last one read before it, re-read after the five inserts shifted the list).
    twice = {i for i, n in counts.items() if n > 1}
    assert all(counts[i] == 2 for i in twice)
    assert len(twice) <= 5 + 1


async def test_a_pass_begins_no_later_than_the_vendors_clock_in_project_time() -> None:
    app = carecloud_app(records=30)
    app.state.sandbox.state.insert_records(2)  # the newest change is now: the clock decides
    transport = httpx.ASGITransport(clock_behind(app, 120))
    started = time.time()
    pages: list[Page] = []
    async with CareCloudClient(carecloud_settings(), transport=transport) as client:
        await read_all(CustomersStream(client, skew=5), pages=pages)
        zone = client.zone
    final = pages[-1].checkpoint.updated_since
    assert final is not None
    assert local_text(started - 127, zone) <= final <= local_text(time.time() - 124, zone)
