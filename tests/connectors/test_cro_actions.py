"""CRO writes against the sandbox: creating customers (retried safely through CRO's duplicate
rule), updating and deactivating them, and CRO's own reasons when it refuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from crossdock.connectors.cro import (
    CroClient,
    create_customer,
    deactivate_customer,
    update_customer,
)
from crossdock.connectors.http import HttpOptions, RetryPolicy
from crossdock.errors import Conflict, FixRequest, NotFound
from crossdock.sandboxes.base.faults import FaultRule
from tests.connectors.servers import cro_app, cro_customers, cro_serve, cro_settings

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=4).without_waiting()


def new_customer(name: str = "Olympic Gravel Supply") -> dict[str, Any]:
    return {
        "name": name,
        "addresses": [
            {
                "line_1": "411 Marine Dr",
                "locality": "Port Angeles",
                "region": "WA",
                "postcode": "98362",
                "is_billing": True,
                "is_shipping": True,
            }
        ],
        "contacts": [{"name": "Dana Reyes", "email": "dana@olympicgravel.example.com"}],
    }


@pytest.fixture
def app() -> Any:
    return cro_app(records=60)


def client_for(app: Any, **settings: Any) -> CroClient:
    return CroClient(cro_settings(app, **settings), transport=httpx.ASGITransport(app), retry=FAST)


def fault(app: Any, **rule: Any) -> None:
    app.state.sandbox.faults.add(FaultRule.model_validate(rule))


def posts(app: Any) -> list[Any]:
    return [r for r in app.state.sandbox.recorder.items() if r.method == "POST"]


async def test_create_goes_to_the_first_active_location_by_default(app: Any) -> None:
    async with client_for(app) as client:
        row = await create_customer(client, new_customer())
    assert row["name"] == "Olympic Gravel Supply"
    assert row["location_id"] == 1
    assert row["id"] in cro_customers(app)
    assert posts(app)[0].path == "/locations/1/customers"


async def test_create_goes_to_the_configured_location(app: Any) -> None:
    state = app.state.sandbox.state
    second = sorted(state.tenant(state.tenant_id).locations)[1]
    async with client_for(app, locationId=second) as client:
        row = await create_customer(client, new_customer())
    assert row["location_id"] == second


async def test_a_duplicate_is_a_conflict_with_cros_reason(app: Any) -> None:
    async with client_for(app) as client:
        await create_customer(client, new_customer())
        with pytest.raises(Conflict) as refused:
            await create_customer(client, new_customer())
    assert refused.value.detail.startswith("CRO Software: 409 CreateCustomerModel.name: ")
    assert "already exists" in refused.value.detail
    assert len(posts(app)) == 2  # a 409 on the first attempt is not retried


async def test_an_invalid_customer_is_refused_once_with_the_field(app: Any) -> None:
    body = new_customer()
    del body["addresses"]
    async with client_for(app) as client:
        with pytest.raises(FixRequest) as refused:
            await create_customer(client, body)
    assert refused.value.field == "CreateCustomerModel.addresses"
    assert "CreateCustomerModel.addresses: Missing data for required field." in refused.value.detail
    assert len(posts(app)) == 1


async def test_create_after_a_503_is_retried_and_lands_once(app: Any) -> None:
    fault(app, kind="error", status=503, count=1, method="POST")
    async with client_for(app) as client:
        row = await create_customer(client, new_customer())
    assert [r.status for r in posts(app)] == [503, 201]
    assert row["id"] in cro_customers(app)
    assert len(cro_customers(app)) == 61


async def test_a_conflict_with_an_older_customer_after_a_retry_stays_a_conflict(app: Any) -> None:
    async with client_for(app) as client:
        existing = (await client.api.request("GET", "/customers/5")).json()
        body = new_customer(existing["name"])
        body["addresses"][0] |= {
            "line_1": existing["addresses"][0]["line_1"],
            "postcode": existing["addresses"][0]["postcode"],
        }
        fault(app, kind="error", status=503, count=1, method="POST")
        with pytest.raises(Conflict):
            await create_customer(client, body)
    assert [r.status for r in posts(app)] == [503, 409]
    assert len(cro_customers(app)) == 60


@pytest.fixture
def live() -> Iterator[tuple[Any, str]]:
    app = cro_app(records=60)
    with cro_serve(app) as url:
        yield app, url


async def test_a_create_whose_answer_is_lost_is_retried_and_creates_exactly_one(
    live: tuple[Any, str],
) -> None:
    app, url = live
    # The first POST is held past the client's timeout, then served: it lands, unanswered.
    fault(app, kind="latency", latency_ms=500, count=1, method="POST")
    slow_retry = RetryPolicy(attempts=3, wait_initial=0.7, wait_jitter=0.0)
    options = HttpOptions(timeout=httpx.Timeout(0.25))
    async with CroClient(cro_settings(app, url), retry=slow_retry, options=options) as client:
        row = await create_customer(client, new_customer())
    assert [r.status for r in posts(app)][-1] == 409  # the retry met the first attempt's record
    assert row["name"] == "Olympic Gravel Supply"
    state = app.state.sandbox.state
    with state.lock:
        named = [
            c for c in state.tenant(state.tenant_id).customers.values() if c.name == row["name"]
        ]
    assert [c.id for c in named] == [row["id"]]


async def test_update_and_deactivate(app: Any) -> None:
    async with client_for(app) as client:
        renamed = await update_customer(client, 3, {"name": "Renamed Hauling"})
        assert renamed["name"] == "Renamed Hauling"
        fault(app, kind="error", status=502, count=1, method="PATCH")
        gone = await deactivate_customer(client, 3)
        assert gone["locations"][0]["is_active"] is False
        inactive = await client.api.request("GET", "/customers", params={"active": "false"})
    assert 3 in {row["id"] for row in inactive.json()["results"]}
    patches = [r.status for r in app.state.sandbox.recorder.items() if r.method == "PATCH"]
    assert patches == [200, 502, 200]


async def test_update_refuses_unknown_fields_before_sending(app: Any) -> None:
    async with client_for(app) as client:
        with pytest.raises(FixRequest) as refused:
            await update_customer(client, 3, {"note": "x"})
    assert refused.value.field == "UpdateCustomerModel.note"
    assert app.state.sandbox.recorder.items() == []


async def test_update_of_an_unknown_customer_is_not_found(app: Any) -> None:
    async with client_for(app) as client:
        with pytest.raises(NotFound) as missing:
            await update_customer(client, 9999, {"name": "Nobody"})
    assert missing.value.detail == "CRO Software: 404 customer_id: Customer 9999 not found. " + (
        "(The resource could not be found.)"
    )
