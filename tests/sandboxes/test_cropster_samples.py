"""The Cropster documentation's own requests, run against the sandbox on a real uvicorn.

Each curl sample of the vendor's reference is translated to httpx as literally as possible:
same headers, same bodies, only the base URL (and the ``<...>`` placeholders, and the ``aBc=``
example cursor, which the docs say comes from a previous response) changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from crossdock.sandboxes.cropster import CropsterConfig, create_app

CLIENT_ID = "docs-client"
CLIENT_SECRET = "docs-secret"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The sandbox, default rate limit included, on a free port of a real uvicorn."""
    app = create_app(CropsterConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        # Each sample starts from the seed data, with fresh rate buckets.
        assert client.post("/_sandbox/reset").status_code == 200
        yield client


def access_token(http: httpx.Client) -> str:
    """The curl sample of the Authentication section."""
    r = http.post(
        "/oauth2/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        content=(
            "grant_type=client_credentials"
            f"&client_id={CLIENT_ID}"
            f"&client_secret={CLIENT_SECRET}"
            "&scope=inventory.green%20inventory.roast%20inventory.blend"
        ),
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


def test_token_sample(http: httpx.Client) -> None:
    r = http.post(
        "/oauth2/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        content=(
            f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
            "&scope=inventory.green%20inventory.roast%20inventory.blend"
        ),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["expires_in"] == 28799
    assert body["scope"] == "inventory.green%20inventory.roast%20inventory.blend"
    assert body["token_type"] == "bearer"
    assert body["access_token"].count(".") == 2  # a JWT, as the error table implies


def test_set_green_lot_weight_sample(http: httpx.Client) -> None:
    token = access_token(http)
    r = http.post(
        "/rpc/v1/inventory.green.setGreenLotWeight",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        content="""{
"data": {
"greenLotId": "550e8400-e29b-41d4-a716-446655440000",
"weight": {
"amount": 12.5,
"unit": "KG"
}
}
}""",
    )
    assert r.status_code == 200
    assert r.json() == {"ok": True}


def test_list_green_lots_sample(http: httpx.Client) -> None:
    token = access_token(http)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    first = http.post(
        "/rpc/v1/inventory.green.listGreenLots",
        headers=headers,
        json={"params": {"filter": {}, "pagination": {"limit": 20}}},
    ).json()
    cursor = first["meta"]["pagination"]["endCursor"]
    r = http.post(
        "/rpc/v1/inventory.green.listGreenLots",
        headers=headers,
        json={"params": {"filter": {}, "pagination": {"limit": 20, "after": cursor}}},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True
    lots = body["result"]["greenLots"]
    assert len(lots) == 20
    assert not {lot["id"] for lot in lots} & {lot["id"] for lot in first["result"]["greenLots"]}
    assert isinstance(body["meta"]["pagination"]["endCursor"], str)
    sample_fields = {"id", "name", "icoNumber", "externalId", "weight", "price", "location"}
    assert all(sample_fields <= set(lot) for lot in lots)


def test_import_green_lot_sample(http: httpx.Client) -> None:
    token = access_token(http)
    r = http.post(
        "/rpc/v1/inventory.green.importGreenLot",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        content="""{
"data": {
"name": "Ethiopia Natural",
"icoNumber": "5412",
"externalId": "green-lot-9876",
"weight": {
"amount": 12.5,
"unit": "KG"
},
"price": {
"amount": 25.5,
"currency": "USD"
},
"location": {
"externalId": "location-1234"
}
}
}""",
    )
    assert r.status_code == 200
    body = r.json()
    lot = body["result"]["greenLot"]
    # The documented response, but for the location id (the docs reuse the lot's UUID there)
    # and the createdAt/updatedAt the sandbox adds.
    assert body["ok"] is True
    assert {k: v for k, v in lot.items() if k not in ("createdAt", "updatedAt")} == {
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "name": "Ethiopia Natural",
        "icoNumber": "5412",
        "externalId": "green-lot-9876",
        "weight": {"amount": 12.5, "unit": "KG"},
        "price": {"amount": 25.5, "currency": "USD"},
        "location": {"id": lot["location"]["id"], "externalId": "location-1234"},
    }


def test_pagination_example_of_roasted_lots(http: httpx.Client) -> None:
    token = access_token(http)
    headers = {"Content-type": "application/json", "Authorization": f"Bearer {token}"}
    r = http.post(
        "/rpc/v1/inventory.roast.listRoastedLots",
        headers=headers,
        json={
            "params": {
                "filter": {"roastedDate": {"from": "2025-01-01T00:00:00Z"}},
                "pagination": {"after": None, "limit": 10},
            }
        },
    )
    assert r.status_code == 200
    first = r.json()
    assert len(first["result"]["roasts"]) == 10
    cursor = first["meta"]["pagination"]["endCursor"]
    assert cursor
    # The second request of the example leaves out the limit: the default page size is 50.
    r = http.post(
        "/rpc/v1/inventory.roast.listRoastedLots",
        headers=headers,
        json={
            "params": {
                "filter": {"roastedDate": {"from": "2025-01-01T00:00:00Z"}},
                "pagination": {"after": cursor},
            }
        },
    )
    second = r.json()
    roasts = second["result"]["roasts"]
    assert 0 < len(roasts) <= 50
    assert all(roast["roastedDate"] >= "2025-01-01T00:00:00" for roast in roasts)
    first_ids = {roast["id"] for roast in first["result"]["roasts"]}
    assert not first_ids & {roast["id"] for roast in roasts}


def test_real_server_rate_limits_past_the_burst(http: httpx.Client) -> None:
    token = access_token(http)
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [
        http.post("/rpc/v1/inventory.blend.listBlendedLots", json={}, headers=headers).status_code
        for _ in range(25)
    ]
    assert statuses[:10] == [200] * 10
    assert 429 in statuses
