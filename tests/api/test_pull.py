"""Pulling from a source integration: another Crossdock hub (the Commerce Connect system),
over real HTTP, into this hub's master records and on to its destinations."""

from __future__ import annotations

import copy
import time
from typing import Any

import requests

from tests.api.conftest import CLIENT_ID, Api
from tests.api.test_records import ORDER
from tests.api.test_seed_samples import base_url  # noqa: F401 - the other hub, on uvicorn

OTHER_ADMIN = {"clientId": CLIENT_ID, "username": "john.doe", "password": "$MyGreatPassword1#"}


class OtherHub:
    """The source: a second hub, driven with requests as any client would."""

    def __init__(self, url: str) -> None:
        self.url = url
        token = requests.post(f"{url}/auth/login", json=OTHER_ADMIN, timeout=30).json()
        assert "Tokens" in token, token
        self.headers = {"Authorization": token["Tokens"]["IdToken"]}
        company = self.call(
            "post", "/companies", {"name": "Upstream", "country": "SG", "agencyId": "up"}
        )
        self.integration = self.call(
            "post",
            "/integrations",
            {
                "active": True,
                "add": False,
                "delete": False,
                "get": True,
                "update": False,
                "meta": {},
                "syncType": "orders",
                "systemId": "api",
                "companyId": company["companyId"],
            },
        )["integrationId"]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        r = requests.request(
            method, f"{self.url}{path}", json=body, headers=self.headers, timeout=30
        )
        assert r.status_code < 300, r.text
        return r.json()

    def send(self, items: list[dict[str, Any]]) -> None:
        request_id = self.call(
            "post", "/streams_batch", {"integrationId": self.integration, "items": items}
        )["requestId"]
        deadline = time.monotonic() + 30
        while not self.call("get", f"/requests/{request_id}")["done"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def order(n: int, status: str = "pending") -> dict[str, Any]:
    record = copy.deepcopy(ORDER)
    record.update(systemOrderId=str(n), systemOrderNumber=f"up-{n}", status=status)
    return record


def test_pulls_another_hub_incrementally_and_publishes(api: Api, base_url: str) -> None:  # noqa: F811
    upstream = OtherHub(base_url)
    upstream.send([{"id": f"o{n}", "record": order(n)} for n in range(12)])

    admin = api.admin()
    company = api.make_company(admin, agencyId="down")["companyId"]
    base = {"add": False, "delete": False, "meta": {}, "syncType": "orders", "companyId": company}
    settings = {
        "baseUrl": base_url,
        "username": "john.doe",
        "password": "$MyGreatPassword1#",
        "clientId": CLIENT_ID,
    }
    r = api.client.post(
        "/integrations",
        json={
            **base,
            "active": True,
            "get": True,
            "update": False,
            "systemId": "crescodata",
            "systemSettings": settings,
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    source = r.json()["integrationId"]
    api.client.post(
        "/integrations",
        json={**base, "active": True, "get": False, "update": True, "systemId": "api"},
        headers=admin,
    )
    assert api.client.get(f"/integrations/{source}/sync", headers=admin).json()["status"] == "never"

    r = api.client.post(f"/integrations/{source}/sync", headers=admin)
    assert r.status_code == 202
    api.drain()
    state = api.client.get(f"/integrations/{source}/sync", headers=admin).json()
    assert (state["status"], state["recordsLastRun"], state["lastError"]) == ("idle", 12, None)
    pulled = api.client.get("/orders", params={"limit": "100"}, headers=admin).json()
    assert sorted(o["data"][0]["systemOrderNumber"] for o in pulled) == sorted(
        f"up-{n}" for n in range(12)
    )
    assert {o["systemId"] for o in pulled} == {"crescodata"}
    assert len(api.client.get("/publish", headers=admin).json()) == 12

    # a change upstream: the next run reads only what changed since the checkpoint
    upstream.send([{"id": "o3", "record": order(3, status="shipped")}])
    api.client.post(f"/integrations/{source}/sync", headers=admin)
    api.drain()
    state = api.client.get(f"/integrations/{source}/sync", headers=admin).json()
    assert state["runs"] == 2
    assert state["checkpoint"]["updated_since"]
    [changed] = api.client.get(
        "/orders", params={"data.systemOrderNumber": "up-3"}, headers=admin
    ).json()
    assert (changed["version"], changed["data"][0]["status"]) == (2, "shipped")
    everything = api.client.get("/orders", params={"limit": "100"}, headers=admin).json()
    # records read again (the checkpoint keeps a few seconds of margin) change nothing
    assert sorted(o["version"] for o in everything) == [1] * 11 + [2]

    # a deletion upstream becomes a tombstone here, and a delete at the destination
    upstream.send([{"id": "o5", "record": None}])
    api.client.post(f"/integrations/{source}/sync", headers=admin)
    api.drain()
    assert (
        api.client.get("/orders", params={"data.systemOrderNumber": "up-5"}, headers=admin).json()
        == []
    )
    [gone] = api.client.get("/orders", params={"deleted": "true"}, headers=admin).json()
    actions = [
        p["action"]
        for p in api.client.get(
            "/publish", params={"crescoId": gone["crescoId"]}, headers=admin
        ).json()
    ]
    assert actions == ["delete"]


def test_sync_refuses_what_it_cannot_pull(api: Api) -> None:
    admin = api.admin()
    company = api.make_company(admin, agencyId="a")["companyId"]
    r = api.client.post(
        "/integrations",
        json={
            "active": True,
            "add": False,
            "delete": False,
            "get": True,
            "update": False,
            "meta": {},
            "syncType": "orders",
            "systemId": "api",
            "companyId": company,
        },
        headers=admin,
    )
    r = api.client.post(f"/integrations/{r.json()['integrationId']}/sync", headers=admin)
    assert r.status_code == 400
    assert r.json()["field"] == "integrationId"
