"""Publishing through the outbox: master record versions to destination integrations, with
payloads, system results, superseding, parking, retry and crash recovery."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from crossdock.connectors.catalog import System, VendorSettings
from crossdock.sync.jobs import ingest, publish_due
from crossdock.sync.publish import claim
from tests.api.conftest import Api
from tests.api.test_records import ORDER, outcome, send

AGENCY = "11111111-2222-3333-4444-555555555555"


def integration(api: Api, headers: dict[str, str], company_id: str, **fields: Any) -> str:
    body = {
        "active": True,
        "add": False,
        "delete": False,
        "get": False,
        "update": False,
        "meta": {},
        "syncType": "orders",
        "systemId": "api",
        "companyId": company_id,
        **fields,
    }
    r = api.client.post("/integrations", json=body, headers=headers)
    assert r.status_code == 201, r.text
    iid: str = r.json()["integrationId"]
    return iid


@pytest.fixture
def merchant(api: Api) -> dict[str, Any]:
    admin = api.admin()
    company = api.make_company(admin, agencyId=AGENCY)["companyId"]
    return {
        "headers": admin,
        "company": company,
        "orders": integration(api, admin, company, get=True),
        "dest": integration(api, admin, company, update=True),
    }


def payloads(api: Api, merchant: dict[str, Any], **params: str) -> list[dict[str, Any]]:
    r = api.client.get("/publish", params=params, headers=merchant["headers"])
    assert r.status_code == 200, r.text
    body: list[dict[str, Any]] = r.json()
    return body


def test_create_update_delete_reach_the_destination_in_order(
    api: Api, merchant: dict[str, Any]
) -> None:
    send(api, merchant, [{"id": "o1", "record": ORDER}])
    api.drain()
    [created] = payloads(api, merchant)
    assert created["integrationId"] == merchant["dest"]
    assert created["action"] == "create"
    assert created["payload"]["data"][0]["systemOrderNumber"] == "order-1"
    cresco_id = created["crescoId"]
    changed = copy.deepcopy(ORDER)
    changed["status"] = "shipped"
    send(api, merchant, [{"id": "o1", "record": changed}])
    api.drain()
    one = api.client.get(
        f"/publish/{merchant['dest']}/{cresco_id}", headers=merchant["headers"]
    ).json()
    assert (one["action"], one["version"]) == ("update", 2)
    assert one["payload"]["data"][0]["status"] == "shipped"
    send(api, merchant, [{"id": "o1", "record": None}])
    api.drain()
    history = api.client.get(
        f"/publish/{merchant['dest']}/{cresco_id}/history", headers=merchant["headers"]
    ).json()
    assert [(p["action"], p["version"]) for p in history] == [
        ("delete", 3),
        ("update", 2),
        ("create", 1),
    ]
    results = api.client.get(
        f"/system_results/{cresco_id}/{merchant['dest']}/history", headers=merchant["headers"]
    ).json()
    assert [(r["direction"], r["status"]) for r in results] == [
        ("destination", "deleted"),
        ("destination", "updated"),
        ("destination", "created"),
    ]
    # nothing went back to the source integration
    assert payloads(api, merchant, integrationId=merchant["orders"]) == []


def test_publish_false_and_overwrites_per_destination(api: Api, merchant: dict[str, Any]) -> None:
    other = integration(api, merchant["headers"], merchant["company"], update=True)
    record = {
        **ORDER,
        "overwrites": {
            f"integration:{other}": {"publish": False, "currency": "USD"},
            "system:api": {"currency": "EUR"},
        },
    }
    send(
        api,
        merchant,
        [{"id": "o1", "record": record}, {"id": "o2", "record": {**ORDER, "publish": False}}],
    )
    api.drain()
    published = payloads(api, merchant)
    assert [p["integrationId"] for p in published] == [merchant["dest"]]
    row = published[0]["payload"]["data"][0]
    assert row["currency"] == "EUR"
    assert "overwrites" not in row


def test_a_newer_version_supersedes_a_waiting_one(api: Api, merchant: dict[str, Any]) -> None:
    send(api, merchant, [{"id": "o1", "record": ORDER}])
    ingest(api.hub)
    changed = {**ORDER, "status": "shipped"}
    send(api, merchant, [{"id": "o1", "record": changed}])
    ingest(api.hub)
    assert publish_due(api.hub) == 1
    jobs = api.client.get("/publish/jobs", headers=merchant["headers"]).json()
    assert sorted((j["version"], j["status"]) for j in jobs) == [(1, "superseded"), (2, "done")]
    [only] = payloads(api, merchant)
    assert (only["action"], only["version"]) == ("create", 2)


def test_a_delivery_lost_in_a_crash_is_delivered_once_after_the_lease(
    api: Api, merchant: dict[str, Any]
) -> None:
    send(api, merchant, [{"id": "o1", "record": ORDER}])
    ingest(api.hub)
    with api.hub.transaction() as session:
        assert len(claim(session, api.hub.secrets, api.hub.clock(), 10)) == 1
    # the worker died while sending: nothing is due until the lease runs out
    assert publish_due(api.hub) == 0
    api.clock.advance(301)
    assert publish_due(api.hub) == 1
    [job] = api.client.get("/publish/jobs", headers=merchant["headers"]).json()
    assert (job["status"], job["attempts"]) == ("done", 2)
    assert (
        len(
            api.client.get(
                f"/publish/{merchant['dest']}/{job['crescoId']}/history",
                headers=merchant["headers"],
            ).json()
        )
        == 1
    )


class LegacySettings(VendorSettings):
    pass


async def reachable(settings: dict[str, Any]) -> None:
    return None


def test_destinations_without_a_driver_park_jobs_that_users_can_retry(
    api: Api, merchant: dict[str, Any]
) -> None:
    api.hub.catalog.register(
        System("legacy", "Legacy ERP", LegacySettings, ("orders",), connection_test=reachable)
    )
    legacy = integration(
        api,
        merchant["headers"],
        merchant["company"],
        update=True,
        systemId="legacy",
        systemSettings={"baseUrl": "http://legacy.invalid"},
    )
    request_id = send(api, merchant, [{"id": "o1", "record": ORDER}])
    api.drain()
    cresco_id = outcome(api, merchant, request_id)["items"][0]["crescoId"]
    [failed] = api.client.get(
        "/publish/jobs", params={"status": "failed"}, headers=merchant["headers"]
    ).json()
    assert failed["integrationId"] == legacy
    assert "not built yet" in failed["lastError"]
    r = api.client.post(f"/publish/{legacy}/{cresco_id}/retry", headers=merchant["headers"])
    assert r.status_code == 200
    assert r.json()["status"] == "pending"
    api.drain()
    statuses = [
        j["status"]
        for j in api.client.get(
            "/publish/jobs", params={"integrationId": legacy}, headers=merchant["headers"]
        ).json()
    ]
    assert statuses == ["failed"]
    assert (
        api.client.post(
            f"/publish/{merchant['dest']}/{cresco_id}/retry", headers=merchant["headers"]
        ).status_code
        == 404
    )


def test_other_tenants_see_no_payloads(api: Api, merchant: dict[str, Any]) -> None:
    send(api, merchant, [{"id": "o1", "record": ORDER}])
    api.drain()
    outsider = api.make_user(
        merchant["headers"], "x@t", "agency", agencyId="elsewhere", syncs=["orders"]
    )
    assert api.client.get("/publish", headers=outsider).json() == []
    assert api.client.get("/publish/jobs", headers=outsider).json() == []
