"""The ``lose_response`` fault over a real server, against Custom Trades: the write lands, the
client sees a failure, and only an ``Idempotency-Key`` tells a retry apart from a new write."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from tests.sandboxes.test_customtrades import API_KEY, make_app, state_of
from tests.sandboxes.test_customtrades_server import serving

pytestmark = pytest.mark.anyio

CUSTOMERS = "/api/v1/customers"
BODY = {"first_name": "Grace", "last_name": "Hopper"}


@pytest.fixture
def served() -> Iterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = make_app(records=5)
    with serving(app) as base:
        yield app, httpx.AsyncClient(base_url=base, headers={"X-API-Key": API_KEY})


def named(app: FastAPI, last_name: str) -> list[str]:
    customers = state_of(app).primary.collections["customers"].rows.values()
    return [row.uuid for row in customers if row.data["last_name"] == last_name]


async def test_a_cut_after_the_write_landed_and_a_keyed_retry_replays_it(
    served: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, c = served
    async with c:
        rule = {"kind": "lose_response", "method": "POST", "route": CUSTOMERS, "count": 1}
        assert (await c.post("/_sandbox/faults", json=rule)).status_code == 201
        key = {"Idempotency-Key": "lost-create-1"}
        with pytest.raises(httpx.TransportError):
            await c.post(CUSTOMERS, json=BODY, headers=key)
        [landed] = named(app, "Hopper")  # the client saw nothing, the vendor has it

        retried = await c.post(CUSTOMERS, json=BODY, headers=key)
        assert retried.status_code == 201
        assert retried.headers["x-idempotency-cached"] == "true"
        assert retried.json()["data"]["uuid"] == landed
        assert named(app, "Hopper") == [landed]

        lost, replayed = (await c.get("/_sandbox/requests")).json()
        assert (lost["faults"], lost["status"], lost["served_status"]) == (
            ["lose_response"],
            200,
            201,
        )
        assert (replayed["faults"], replayed["served_status"]) == ([], 201)


async def test_a_gateway_error_after_the_write_and_an_unkeyed_retry_writes_twice(
    served: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, c = served
    async with c:
        rule = {
            "kind": "lose_response",
            "answer": "error",
            "status": 502,
            "method": "PUT",
            "route": f"{CUSTOMERS}/*",
            "count": 1,
        }
        assert (await c.post("/_sandbox/faults", json=rule)).status_code == 201
        uuid = (await c.post(CUSTOMERS, json=BODY)).json()["data"]["uuid"]
        r = await c.put(f"{CUSTOMERS}/{uuid}", json={"email": "grace@example.com"})
        assert r.status_code == 502
        assert r.json()["success"] is False  # the vendor's error format, not its answer
        row = state_of(app).primary.collections["customers"].rows[uuid]
        assert row.data["email"] == "grace@example.com"  # the update landed all the same

        # Without a key the vendor cannot tell a retry from a new request: a create whose
        # answer is lost and that is sent again is two customers.
        await c.post("/_sandbox/faults", json={**rule, "method": "POST", "route": CUSTOMERS})
        assert (await c.post(CUSTOMERS, json=BODY)).status_code == 502
        assert (await c.post(CUSTOMERS, json=BODY)).status_code == 201
        assert len(named(app, "Hopper")) == 3
