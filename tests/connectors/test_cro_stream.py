"""CRO customers stream against the CRO sandbox, in process (ASGITransport) and over a real
uvicorn: full and incremental reads, and faults (429 storms, 5xx bursts, dropped connections,
inserts and renames between pages, a token expiring mid-read). Every read ends with the set of
customers the sandbox holds: none lost, none duplicated."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from crossdock.connectors.cro import CroClient, CustomersStream
from crossdock.connectors.cro.client import cro_time
from crossdock.connectors.http import Checkpoint, Page, RetryPolicy
from crossdock.errors import FixCredentials
from crossdock.sandboxes.base.faults import FaultRule
from tests.connectors.reads import assert_once, clock_behind, read_all, sandbox
from tests.connectors.servers import cro_app, cro_customers, cro_serve, cro_settings

pytestmark = pytest.mark.anyio


@dataclass
class Cro:
    """A CRO sandbox and how to reach it; ``waits`` records every retry wait asked for."""

    app: Any
    base_url: str
    transport: httpx.AsyncBaseTransport | None
    waits: list[float] = field(default_factory=list)

    def fault(self, **rule: Any) -> None:
        self.app.state.sandbox.faults.add(FaultRule.model_validate(rule))

    async def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def client(self, token: str | None = None, **retry: Any) -> CroClient:
        settings = cro_settings(self.app, self.base_url)
        if token is not None:
            settings["token"] = token
        policy = RetryPolicy(**{"attempts": 10, "wait_jitter": 0.0, **retry})
        return CroClient(settings, transport=self.transport, retry=policy, sleep=self._sleep)

    def requests(self) -> list[Any]:
        return self.app.state.sandbox.recorder.items()


@pytest.fixture(scope="module")
def live_cro() -> Iterator[tuple[Any, str]]:
    app = cro_app()
    with cro_serve(app) as url:
        yield app, url


@pytest.fixture(params=["asgi", "uvicorn"])
def cro(request: pytest.FixtureRequest) -> Cro:
    return Cro(*sandbox(request, cro_app, "live_cro", "http://cro.test"))


def assert_exactly(records: list[dict[str, Any]], expected: set[int]) -> None:
    assert_once(records, expected, key="id", what="customers")


async def test_full_read_is_every_customer_once_and_ends_with_a_checkpoint(cro: Cro) -> None:
    pages: list[Page] = []
    async with cro.client() as client:
        records = await read_all(CustomersStream(client, page_limit=100), pages=pages)
    assert_exactly(records, set(cro_customers(cro.app)))
    assert all(page.checkpoint.resume for page in pages[:-1])
    final = pages[-1].checkpoint
    assert final.resume == {}
    assert final.updated_since is not None
    assert all(r["last_updated_on"] < final.updated_since for r in records)
    assert {"id", "name", "addresses", "contacts", "last_updated_on"} <= set(records[0])


async def test_a_full_last_page_ends_the_read_by_total_pages() -> None:
    app = cro_app(records=500)
    transport = httpx.ASGITransport(app)
    async with CroClient(cro_settings(app), transport=transport) as client:
        records = await read_all(CustomersStream(client, page_limit=100))
    assert_exactly(records, set(cro_customers(app)))
    asked = [r.query for r in app.state.sandbox.recorder.items()]
    assert len(asked) == 6  # five pages and one catch-up, no empty sixth page
    assert "last_updated_gte" in asked[-1]


async def test_the_run_begins_on_the_vendors_clock() -> None:
    app = cro_app(records=50)
    transport = httpx.ASGITransport(clock_behind(app, 120))
    started = time.time()
    pages: list[Page] = []
    async with CroClient(cro_settings(app), transport=transport) as client:
        await read_all(CustomersStream(client, page_limit=20, skew=5), pages=pages)
    main_began = pages[0].checkpoint.resume["began"]
    assert cro_time(started - 127) <= main_began <= cro_time(started - 124)
    final = pages[-1].checkpoint.updated_since
    assert final is not None
    assert cro_time(started - 127) <= final <= cro_time(time.time() - 124)


async def test_pages_are_read_lazily(cro: Cro) -> None:
    async with cro.client() as client:
        pages = CustomersStream(client, page_limit=50).pages(None)
        first = await anext(pages)
        assert len(first.records) == 50
        assert len([r for r in cro.requests() if r.path == "/customers"]) == 1
        await pages.aclose()


async def test_incremental_read_is_what_changed_since_the_checkpoint(cro: Cro) -> None:
    pages: list[Page] = []
    async with cro.client() as client:
        await read_all(CustomersStream(client), pages=pages)
        checkpoint = Checkpoint.from_json(pages[-1].checkpoint.to_json())
        assert checkpoint is not None
        renamed = await client.api.request("PATCH", "/customers/7", json={"name": "Renamed Co"})
        assert renamed.status_code == 200
        cro.app.state.sandbox.state.insert_records(3)
        changed = await read_all(CustomersStream(client), since=checkpoint)
    before = set(range(1, 505))
    expected = {7} | (set(cro_customers(cro.app)) - before)
    assert_exactly(changed, expected)
    assert len(expected) == 4
    assert next(r for r in changed if r["id"] == 7)["name"] == "Renamed Co"


async def test_a_429_storm_is_waited_out_as_retry_after_says(cro: Cro) -> None:
    cro.fault(kind="rate_limit", burst=4, retry_after=2, after=1, count=2, route="/customers")
    async with cro.client() as client:
        records = await read_all(CustomersStream(client, page_limit=100))
    assert_exactly(records, set(cro_customers(cro.app)))
    assert cro.waits == [2.0] * 8
    statuses = Counter(r.status for r in cro.requests() if r.path == "/customers")
    assert statuses[429] == 8


async def test_a_5xx_burst_is_retried_with_growing_waits(cro: Cro) -> None:
    cro.fault(kind="error", status=503, after=2, count=3, route="/customers")
    cro.fault(kind="error", status=502, after=6, count=1, route="/customers")
    async with cro.client(wait_initial=0.25) as client:
        records = await read_all(CustomersStream(client, page_limit=100))
    assert_exactly(records, set(cro_customers(cro.app)))
    assert cro.waits == [0.25, 0.5, 1.0, 0.25]


async def test_dropped_connections_are_retried(cro: Cro) -> None:
    cro.fault(kind="drop", after=1, count=2, route="/customers")
    cro.fault(kind="drop", after=5, count=1, route="/customers")
    async with cro.client() as client:
        records = await read_all(CustomersStream(client, page_limit=100))
    assert_exactly(records, set(cro_customers(cro.app)))
    assert len(cro.waits) == 3


async def test_inserts_between_pages_are_neither_lost_nor_repeated(cro: Cro) -> None:
    cro.fault(kind="insert", records=40, count=4, route="/customers", method="GET")
    pages: list[Page] = []
    async with cro.client() as client:
        records = await read_all(CustomersStream(client, page_limit=100), pages=pages)
    customers = set(cro_customers(cro.app))
    assert len(customers) == 504 + 160
    assert_exactly(records, customers)
    # Some inserts landed before the read position: only the catch-up pass found them.
    catch_up = [p for p in pages if p.checkpoint.resume.get("pass") != 0]
    assert sum(len(p.records) for p in catch_up) > 0


async def test_a_customer_renamed_onto_a_page_already_read_is_caught_up(cro: Cro) -> None:
    async with cro.client() as client:
        stream = CustomersStream(client, page_limit=100)
        records: list[dict[str, Any]] = []
        pages = stream.pages(None)
        first = await anext(pages)
        records += first.records
        last_name = max(r["name"].casefold() for r in first.records)
        unread = await client.api.request(
            "GET", "/customers", params={"page_index": 5, "page_limit": 100}
        )
        moved = unread.json()["results"][0]
        assert moved["name"].casefold() > last_name
        await client.api.request(
            "PATCH", f"/customers/{moved['id']}", json={"name": "Aaron Abbott"}
        )
        async for page in pages:
            records += page.records
    assert_exactly(records, set(cro_customers(cro.app)))
    assert next(r for r in records if r["id"] == moved["id"])["name"] == "Aaron Abbott"


async def test_token_expiring_mid_read_fails_clearly_and_the_read_resumes(cro: Cro) -> None:
    cro.fault(kind="expire_tokens", after=2, count=1, route="/customers")
    pages: list[Page] = []
    async with cro.client() as client:
        with pytest.raises(FixCredentials) as failed:
            await read_all(CustomersStream(client, page_limit=100), pages=pages)
    records = [r for page in pages for r in page.records]
    last = pages[-1].checkpoint
    message = failed.value.detail
    assert message.startswith("CRO Software: 401 ")
    assert "StandardRequestHeadersModel.authorization: Access token expired." in message
    assert failed.value.field == "StandardRequestHeadersModel.authorization"
    assert len(records) == 200
    assert cro.waits == []  # a refused token is not retried
    state = cro.app.state.sandbox.state
    with state.lock:
        token = state.issue_credentials({"tenants": [state.tenant_id]})["token"]
    async with cro.client(token=token) as client:
        records += await read_all(CustomersStream(client, page_limit=100), since=last)
    assert_exactly(records, set(cro_customers(cro.app)))
