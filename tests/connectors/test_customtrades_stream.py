"""Custom Trades streams against the Custom Trades sandbox, in process (ASGITransport) and over a
real uvicorn: full and incremental reads of every resource, soft deletes as tombstones, and
faults (429 storms, 5xx bursts, dropped connections, inserts and writes between pages, a key
disabled mid-read). Every read ends with the set of records the sandbox holds: none lost, none
duplicated. Helpers here are shared with the other Custom Trades connector tests."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crossdock.connectors.customtrades import CustomTradesClient, ResourceStream, stream
from crossdock.connectors.customtrades.client import ctc_time
from crossdock.connectors.http import Checkpoint, Page, PagingError, RetryPolicy
from crossdock.errors import FixCredentials
from crossdock.sandboxes.customtrades import CustomTradesConfig, create_app
from tests.connectors.reads import assert_once, clock_behind, read_all, sandbox
from tests.connectors.servers import serve

pytestmark = pytest.mark.anyio

API_KEY = "ctc_live_connector-contract-key"
LISTED = ("customers", "locations", "jobs", "estimates", "invoices", "payments")


def ctc_app(records: int = 300, **config: Any) -> Any:
    return create_app(CustomTradesConfig(records=records, api_key=API_KEY, **config))


@dataclass
class Ctc:
    """A Custom Trades sandbox and how to reach it; ``waits`` records every retry wait."""

    app: Any
    base_url: str
    transport: httpx.AsyncBaseTransport | None
    waits: list[float] = field(default_factory=list)

    @property
    def state(self) -> Any:
        return self.app.state.sandbox.state

    async def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """The sandbox's control API, over the same transport the connector uses."""
        async with httpx.AsyncClient(transport=self.transport, base_url=self.base_url) as http:
            response = await http.request(method, f"/_sandbox{path}", **kwargs)
        assert response.is_success, response.text
        return response.json() if response.content else None

    async def fault(self, **rule: Any) -> None:
        await self.control("POST", "/faults", json=rule)

    async def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def client(self, key: str = API_KEY, **retry: Any) -> CustomTradesClient:
        settings = {"baseUrl": f"{self.base_url}/api/v1", "apiKey": key}
        policy = RetryPolicy(**{"attempts": 10, "wait_jitter": 0.0, **retry})
        return CustomTradesClient(
            settings, transport=self.transport, retry=policy, sleep=self._sleep
        )

    def requests(self, path: str | None = None) -> list[Any]:
        items = self.app.state.sandbox.recorder.items()
        return [r for r in items if path is None or r.path == path]

    def records(self, kind: str) -> dict[str, str]:
        """The primary company's records of ``kind``, deleted ones too: uuid -> updated_at."""
        with self.state.lock:
            rows = self.state.primary.collections[kind].rows.values()
            return {row.uuid: row.data["updated_at"] for row in rows}

    def live_job_photos(self) -> dict[str, str]:
        """Photos the vendor lists: those of live jobs, deleted photos included."""
        with self.state.lock:
            co = self.state.primary
            jobs = co.collections["jobs"]
            return {
                row.uuid: row.data["updated_at"]
                for row in co.collections["photos"].rows.values()
                if jobs.get(row.data["job_uuid"]) is not None
            }


@pytest.fixture(scope="module")
def live_ctc() -> Iterator[tuple[Any, str]]:
    app = ctc_app()
    with serve(app) as url:
        yield app, url


@pytest.fixture(params=["asgi", "uvicorn"])
def ctc(request: pytest.FixtureRequest) -> Ctc:
    return Ctc(*sandbox(request, ctc_app, "live_ctc", "http://customtrades.test"))


@pytest.fixture
def local() -> Ctc:
    app = ctc_app()
    return Ctc(app, "http://customtrades.test", httpx.ASGITransport(app))


def assert_exactly(records: list[dict[str, Any]], expected: set[str] | dict[str, str]) -> None:
    assert_once(records, expected, key="uuid", what="records")
    if isinstance(expected, dict):  # and each in its latest version
        stale = {r["uuid"] for r in records if r["updated_at"] != expected[r["uuid"]]}
        assert stale == set(), "records read in an older version"


@pytest.mark.parametrize("resource", LISTED)
async def test_a_full_read_is_every_record_once_tombstones_included(
    local: Ctc, resource: str
) -> None:
    pages: list[Page] = []
    async with local.client() as client:
        records = await read_all(ResourceStream(client, resource, page_size=40), pages=pages)
    assert_exactly(records, local.records(resource))
    assert all(page.checkpoint.resume for page in pages[:-1])
    final = pages[-1].checkpoint
    assert final.resume == {}
    assert final.updated_since is not None
    assert all(r["updated_at"] < final.updated_since for r in records)
    assert all("include_deleted=true" in r.query for r in local.requests(f"/api/v1/{resource}"))
    if resource in ("customers", "jobs", "estimates"):  # the seed soft-deletes about 2 %
        assert any(r["deleted_at"] is not None for r in records)


async def test_a_read_of_one_page_is_one_request_and_needs_no_catch_up(local: Ctc) -> None:
    async with local.client() as client:
        pages: list[Page] = []
        await read_all(ResourceStream(client, "locations"), pages=pages)
    assert len(pages) == 1
    assert len(local.requests("/api/v1/locations")) == 1


async def test_an_incremental_read_is_what_changed_deletions_as_tombstones(ctc: Ctc) -> None:
    pages: list[Page] = []
    async with ctc.client() as client:
        await read_all(ResourceStream(client, "customers", page_size=50), pages=pages)
        checkpoint = Checkpoint.from_json(pages[-1].checkpoint.to_json())
        assert checkpoint is not None
        uuids = sorted(ctc.records("customers"))
        await client.api.request("PUT", f"/customers/{uuids[0]}", json={"notes": "Gate code 4471"})
        await client.api.request("DELETE", f"/customers/{uuids[1]}")
        await ctc.control("POST", "/records/insert", params={"count": 2})
        before = len(ctc.requests("/api/v1/customers"))
        changed = await read_all(ResourceStream(client, "customers"), since=checkpoint)
    inserted = set(ctc.records("customers")) - set(uuids)
    assert_exactly(changed, {uuids[0], uuids[1], *inserted})
    by_uuid = {r["uuid"]: r for r in changed}
    assert by_uuid[uuids[0]]["notes"] == "Gate code 4471"
    assert by_uuid[uuids[1]]["deleted_at"] is not None
    assert len(ctc.requests("/api/v1/customers")) == before + 1


async def test_pages_are_read_lazily(local: Ctc) -> None:
    async with local.client() as client:
        pages = ResourceStream(client, "customers", page_size=50).pages(None)
        first = await anext(pages)
        assert len(first.records) == 50
        assert len(local.requests("/api/v1/customers")) == 1
        await pages.aclose()


async def test_a_429_storm_is_waited_out_as_retry_after_says(ctc: Ctc) -> None:
    await ctc.fault(
        kind="rate_limit", burst=4, retry_after=2, after=1, count=2, route="/api/v1/customers"
    )
    async with ctc.client() as client:
        records = await read_all(ResourceStream(client, "customers", page_size=50))
    assert_exactly(records, ctc.records("customers"))
    assert ctc.waits == [2.0] * 8
    statuses = Counter(r.status for r in ctc.requests("/api/v1/customers"))
    assert statuses[429] == 8


async def test_a_5xx_burst_is_retried_with_growing_waits(ctc: Ctc) -> None:
    await ctc.fault(kind="error", status=503, after=2, count=3, route="/api/v1/jobs")
    await ctc.fault(kind="error", status=500, after=6, count=1, route="/api/v1/jobs")
    async with ctc.client(wait_initial=0.25) as client:
        records = await read_all(ResourceStream(client, "jobs", page_size=30))
    assert_exactly(records, ctc.records("jobs"))
    assert ctc.waits == [0.25, 0.5, 1.0, 0.25]


async def test_dropped_connections_are_retried(ctc: Ctc) -> None:
    await ctc.fault(kind="drop", after=1, count=2, route="/api/v1/customers")
    await ctc.fault(kind="drop", after=5, count=1, route="/api/v1/customers")
    async with ctc.client() as client:
        records = await read_all(ResourceStream(client, "customers", page_size=50))
    assert_exactly(records, ctc.records("customers"))
    assert len(ctc.waits) == 3


async def test_inserts_between_pages_are_neither_lost_nor_repeated(ctc: Ctc) -> None:
    await ctc.fault(kind="insert", records=30, count=4, route="/api/v1/customers", method="GET")
    pages: list[Page] = []
    async with ctc.client() as client:
        records = await read_all(ResourceStream(client, "customers", page_size=50), pages=pages)
    customers = ctc.records("customers")
    assert len(customers) == 300 + 120
    assert_exactly(records, customers)
    # The inserts went to the top, above the read position: only the catch-up found them,
    # and the pages after each insert repeated records the stream dropped.
    main_end = next(i for i, p in enumerate(pages) if p.checkpoint.resume.get("pass") == 1)
    catch_up = [r for p in pages[main_end + 1 :] for r in p.records]
    assert len(catch_up) == 120
    assert sum(len(p.records) for p in pages[: main_end + 1]) == 300


async def test_records_written_during_the_read_are_read_in_their_new_version(ctc: Ctc) -> None:
    async with ctc.client() as client:
        customers = ResourceStream(client, "customers", page_size=50).pages(None)
        records = list((await anext(customers)).records)
        # Not read yet: far down the list, oldest-updated last.
        unread = (
            await client.api.request("GET", "/customers", params={"page": 6, "limit": 50})
        ).json()["data"]["customers"]
        moved, deleted = unread[0]["uuid"], unread[1]["uuid"]
        await client.api.request("PUT", f"/customers/{moved}", json={"is_vip": True})
        await client.api.request("DELETE", f"/customers/{deleted}")
        async for page in customers:
            records += page.records
    assert_exactly(records, ctc.records("customers"))
    by_uuid = {r["uuid"]: r for r in records}
    assert by_uuid[moved]["is_vip"] is True
    assert by_uuid[deleted]["deleted_at"] is not None


async def test_a_key_disabled_mid_read_fails_clearly_and_the_read_resumes(ctc: Ctc) -> None:
    await ctc.fault(kind="expire_tokens", after=2, count=1, route="/api/v1/customers")
    pages: list[Page] = []
    async with ctc.client() as client:
        with pytest.raises(FixCredentials) as failed:
            await read_all(ResourceStream(client, "customers", page_size=50), pages=pages)
    assert failed.value.detail == "Custom Trades CRM: 401 Invalid API key."
    assert ctc.waits == []  # a refused key is not retried
    records = [r for page in pages for r in page.records]
    assert len(records) == 100
    last = Checkpoint.from_json(pages[-1].checkpoint.to_json())
    issued = await ctc.control("POST", "/credentials", json={"name": "rotated"})
    async with ctc.client(key=issued["api_key"]) as client:
        records += await read_all(ResourceStream(client, "customers", page_size=50), since=last)
    assert_exactly(records, ctc.records("customers"))


async def test_an_interrupted_run_resumes_where_it_stopped(local: Ctc) -> None:
    async with local.client() as client:
        first = ResourceStream(client, "invoices", page_size=20).pages(None)
        records: list[dict[str, Any]] = []
        for _ in range(3):
            page = await anext(first)
            records += page.records
        await first.aclose()
        # Before the run resumes, invoices not read yet are written: they move to the top,
        # pushing the rest down, so the resumed page repeats records read before.
        params = {"page": 4, "limit": 20, "include_deleted": "true"}
        unread = (await client.api.request("GET", "/invoices", params=params)).json()
        assert len(unread["data"]["invoices"]) >= 5
        for invoice in unread["data"]["invoices"][-5:]:
            await client.api.request("PUT", f"/invoices/{invoice['uuid']}", json={"notes": "Due"})
        resumed = Checkpoint.from_json(page.checkpoint.to_json())
        assert resumed is not None
        assert resumed.resume["page"] == 4
        records += await read_all(ResourceStream(client, "invoices", page_size=20), resumed)
    assert_exactly(records, local.records("invoices"))
    assert sum(r.get("notes") == "Due" for r in records) == 5


async def test_the_run_begins_on_the_vendors_clock() -> None:
    app = ctc_app(records=100)
    ctc = Ctc(app, "http://customtrades.test", httpx.ASGITransport(clock_behind(app, 300)))
    started = time.time()
    pages: list[Page] = []
    async with ctc.client() as client:
        await read_all(ResourceStream(client, "customers", page_size=50, skew=5), pages=pages)
    final = pages[-1].checkpoint.updated_since
    assert final is not None
    assert ctc_time(started - 307) <= final <= ctc_time(time.time() - 304)


async def test_a_list_out_of_order_stops_the_read_instead_of_dropping_records() -> None:
    rows = [
        {"uuid": f"00000000-0000-4000-8000-00000000000{i}", "updated_at": stamp}
        for i, stamp in enumerate(["2025-01-02T00:00:00.000Z", "2025-03-01T00:00:00.000Z"])
    ]

    async def customers(request: Request) -> JSONResponse:
        pagination = {"page": 1, "limit": 100, "total": 2, "total_pages": 1}
        return JSONResponse(
            {"success": True, "data": {"customers": rows, "pagination": pagination}}
        )

    vendor = Starlette(routes=[Route("/api/v1/customers", customers)])
    ctc = Ctc(vendor, "http://vendor.test", httpx.ASGITransport(vendor))
    async with ctc.client() as client:
        with pytest.raises(PagingError) as failed:
            await read_all(ResourceStream(client, "customers"))
    assert "not ordered newest-updated first" in failed.value.detail


async def test_job_photos_are_every_live_jobs_photos_once(ctc: Ctc) -> None:
    await ctc.fault(kind="error", status=503, after=3, count=2, route="/api/v1/jobs/*/photos")
    await ctc.fault(kind="drop", after=40, count=1, route="/api/v1/jobs/*/photos")
    async with ctc.client() as client:
        jobs = (await client.api.request("GET", "/jobs", params={"limit": 5})).json()
        gone = jobs["data"]["jobs"][0]["uuid"]
        await client.api.request("DELETE", f"/jobs/{gone}")
        with ctc.state.lock:
            photo = next(iter(ctc.state.primary.collections["photos"].live)).data
        await client.api.request("DELETE", f"/jobs/{photo['job_uuid']}/photos/{photo['uuid']}")
        pages: list[Page] = []
        photos = await read_all(stream(client, "job_photos", page_size=50), pages=pages)
    expected = ctc.live_job_photos()
    assert len(expected) > 20
    assert_exactly(photos, expected)
    tombstones = [p["uuid"] for p in photos if p["deleted_at"] is not None]
    assert tombstones == [photo["uuid"]]
    assert len(ctc.waits) == 3
    final = pages[-1].checkpoint
    assert final.resume == {}
    assert final.updated_since is not None
    # One request per live job, plus the retries.
    live_jobs = sum(1 for _ in ctc.state.primary.collections["jobs"].live)
    photo_requests = [r for r in ctc.requests() if r.path.endswith("/photos")]
    assert len(photo_requests) == live_jobs + 3


async def test_job_photos_written_during_a_run_are_read_then_or_by_the_next(local: Ctc) -> None:
    async with local.client() as client:
        photos = stream(client, "job_photos", page_size=20).pages(None)
        first = await anext(photos)
        records = list(first.records)
        walked = first.checkpoint.resume["jobs"]["resume"]["page"] - 1
        assert walked == 1
        # A photo on a job already walked, and a new job with a photo: written mid-run.
        params = {"limit": 20, "include_deleted": "true"}
        old_jobs = (await client.api.request("GET", "/jobs", params=params)).json()
        old_job_uuid = next(
            job["uuid"] for job in old_jobs["data"]["jobs"] if job["deleted_at"] is None
        )
        customer = next(iter(local.records("customers")))
        new_job = (
            await client.api.request(
                "POST", "/jobs", json={"customer_uuid": customer, "title": "Gutter repair"}
            )
        ).json()["data"]
        for job in (old_job_uuid, new_job["uuid"]):
            await client.api.request(
                "POST", f"/jobs/{job}/photos", json={"photo_url": f"https://img.test/{job}.jpg"}
            )
        pages: list[Page] = []
        async for page in photos:
            records += page.records
            pages.append(page)
        checkpoint = pages[-1].checkpoint
        late = {r["uuid"] for r in records if r["job_uuid"] == new_job["uuid"]}
        assert len(late) == 1  # the new job came with the jobs' catch-up, and its photo
        missed = set(local.live_job_photos()) - {r["uuid"] for r in records}
        assert len(missed) == 1  # the photo on a job walked already: the next run's
        records += await read_all(stream(client, "job_photos"), since=checkpoint)
    assert {r["uuid"] for r in records} == set(local.live_job_photos())


async def test_the_company_is_one_record_read_whole(local: Ctc) -> None:
    async with local.client() as client:
        pages: list[Page] = []
        records = await read_all(stream(client, "companies"), pages=pages)
    assert [r["name"] for r in records] == ["Harbor Roofing"]
    assert pages[-1].checkpoint.to_json() == {}
