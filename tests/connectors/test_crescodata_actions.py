"""Writes to another hub through ``POST /streams_batch`` against a running Crossdock: the
derived ``requestId`` makes a batch whose answer is lost land once when it is sent again; and
reading integrations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from crossdock.connectors.crescodata import (
    get_integration,
    get_request,
    list_integrations,
    request_id_for,
    send_batch,
)
from crossdock.errors import FixRequest, NotFound
from tests.connectors.test_crescodata_support import (
    RunningHub,
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
    yield running


async def batches(hub: RunningHub, integration_id: str) -> list[str]:
    """The requestId of every item the hub processed for an integration (its system
    results): a batch stored twice would show its items twice."""
    async with hub.operator() as http:
        answer = await http.get("/system_results", params={"integrationId": integration_id})
        assert answer.status_code == 200, answer.text
        return sorted(result["requestId"] for result in answer.json())


@pytest.fixture
async def asgi_hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async with hub_in_process(tmp_path) as running:
        yield running


async def test_a_batch_is_stored_under_its_derived_request_id(hub: RunningHub) -> None:
    company_id, integration_id = await hub.make_source()
    items = orders(1, 3)
    async with hub.client() as client:
        request_id = await send_batch(client, integration_id, items, key="job-1")
        assert request_id == request_id_for(integration_id, "job-1", items)
        outcome = await hub.processed(request_id)
        assert outcome == await get_request(client, request_id)
    assert outcome["itemCount"] == 3
    assert outcome["counts"] == {"created": 3}
    assert len(await hub.listed("orders", company_id)) == 3


async def test_a_batch_whose_answer_is_lost_is_sent_again_and_lands_once(hub: RunningHub) -> None:
    company_id, integration_id = await hub.make_source()
    # The hub stores the batch, then the connection breaks on the way back.
    hub.app.add(kind="drop", count=1, route="/streams_batch")
    async with hub.client() as client:
        request_id = await send_batch(client, integration_id, orders(1, 4), key="job-2")
    assert hub.app.statuses("/streams_batch") == [200, 200]
    assert len(hub.waits) == 1
    outcome = await hub.processed(request_id)
    assert outcome["itemCount"] == 4
    assert len(await hub.listed("orders", company_id)) == 4
    assert await batches(hub, integration_id) == [request_id] * 4


async def test_a_batch_refused_with_503_is_sent_again(hub: RunningHub) -> None:
    company_id, integration_id = await hub.make_source()
    hub.app.add(kind="error", status=503, count=2, route="/streams_batch")
    async with hub.client(wait_initial=0.25) as client:
        request_id = await send_batch(client, integration_id, orders(1, 2), key="job-3")
    assert hub.app.statuses("/streams_batch") == [503, 503, 200]
    assert hub.waits == [0.25, 0.5]
    await hub.processed(request_id)
    assert len(await hub.listed("orders", company_id)) == 2


async def test_the_same_send_twice_is_stored_once(asgi_hub: RunningHub) -> None:
    hub = asgi_hub
    company_id, integration_id = await hub.make_source()
    items = [{"id": "o1", "record": order(1)}]
    async with hub.client() as client:
        first = await send_batch(client, integration_id, items, key="job-4")
        await hub.processed(first)
        again = await send_batch(client, integration_id, items, key="job-4")
        # The same items as a new send, after a change in between: a new request.
        changed = [{"id": "o1", "record": order(1, status="shipped")}]
        changed_id = await send_batch(client, integration_id, changed, key="job-5")
        await hub.processed(changed_id)
        back = await send_batch(client, integration_id, items, key="job-6")
        await hub.processed(back)
        # One key reused for other items (a caller's bug) is another request, not dropped.
        other = await send_batch(client, integration_id, orders(2, 1), key="job-4")
        await hub.processed(other)
    assert again == first
    assert len({first, back, other}) == 3
    assert await batches(hub, integration_id) == sorted([first, changed_id, back, other])
    listed = await hub.listed("orders", company_id)
    assert len(listed) == 2
    async with hub.operator() as http:
        rows = (
            await http.get("/orders", params={"companyId": company_id, "objectId": "o1"})
        ).json()
    assert rows[0]["data"][0]["status"] == "readyToShip"  # the value sent last


async def test_a_malformed_batch_is_refused_before_sending(asgi_hub: RunningHub) -> None:
    hub = asgi_hub
    _, integration_id = await hub.make_source()
    async with hub.client() as client:
        with pytest.raises(FixRequest) as no_record:
            await send_batch(client, integration_id, [{"id": "o1"}], key="k")
        with pytest.raises(FixRequest) as empty:
            await send_batch(client, integration_id, [], key="k")
    assert no_record.value.field == "items.0"
    assert "1 to 10000 items" in empty.value.detail
    assert hub.app.statuses("/streams_batch") == []


async def test_an_inactive_integration_is_refused_with_the_hubs_reason(
    asgi_hub: RunningHub,
) -> None:
    hub = asgi_hub
    _, integration_id = await hub.make_source()
    async with hub.operator() as http:
        answer = await http.patch(f"/integrations/{integration_id}", json={"active": False})
        assert answer.status_code == 200, answer.text
    async with hub.client() as client:
        with pytest.raises(FixRequest) as refused:
            await send_batch(client, integration_id, orders(1, 1), key="k")
    assert refused.value.detail.startswith(
        "Commerce Connect: 400 StreamsBatchModel.integrationId: The integration is not active."
    )
    assert refused.value.field == "StreamsBatchModel.integrationId"
    assert hub.app.statuses("/streams_batch") == [400]


async def test_integrations_are_listed_page_by_page_and_read_one_by_one(
    asgi_hub: RunningHub,
) -> None:
    hub = asgi_hub
    company_id, first = await hub.make_source("orders")
    async with hub.operator() as http:
        body = {
            "active": False,
            "add": False,
            "delete": False,
            "get": True,
            "update": False,
            "meta": {},
            "syncType": "products",
            "systemId": "api",
            "companyId": company_id,
        }
        second = (await http.post("/integrations", json=body)).json()["integrationId"]
    async with hub.client() as client:
        listed = await list_integrations(client, {"companyId": company_id}, limit=1)
        one = await get_integration(client, first)
        with pytest.raises(NotFound) as missing:
            await get_integration(client, "00000000-0000-4000-8000-000000000000")
    assert sorted(i["integrationId"] for i in listed) == sorted([first, second])
    assert hub.app.statuses("/integrations") == [200, 200]  # one per page
    assert one["syncType"] == "orders"
    assert missing.value.detail.startswith("Commerce Connect: 404 ")
