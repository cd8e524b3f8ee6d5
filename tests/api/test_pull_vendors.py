"""Pulling from a vendor: CRO Software customers, mapped by the integration's CML template,
into master records; a deactivated customer becomes a tombstone."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.connectors.servers import cro_app, cro_serve, cro_settings

TEMPLATE = """
cml: 1
output:
  merchantCustomerId: $.id
  companyName: $.name
  active: $.is_active
"""


def test_cro_customers_pulled_through_a_template(api: Api) -> None:
    app = cro_app(records=40)
    admin = api.admin()
    company = api.make_company(admin, agencyId="a")["companyId"]
    with cro_serve(app) as url:
        settings: dict[str, Any] = {**cro_settings(app, url), "mappingTemplate": TEMPLATE}
        r = api.client.post(
            "/integrations",
            json={
                "active": True,
                "add": False,
                "delete": False,
                "get": True,
                "update": False,
                "meta": {},
                "syncType": "customers",
                "systemId": "cro",
                "companyId": company,
                "systemSettings": settings,
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        source = r.json()["integrationId"]
        api.client.post(f"/integrations/{source}/sync", headers=admin)
        api.drain()
        state = api.client.get(f"/integrations/{source}/sync", headers=admin).json()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        customers = api.client.get("/customers", params={"limit": "100"}, headers=admin).json()
        sandbox = app.state.sandbox.state
        with sandbox.lock:
            expected = {
                str(c.id): c.name
                for c in sandbox.tenant(sandbox.tenant_id).customers.values()
                if c.is_active
            }
        assert {c["objectId"]: c["data"][0]["companyName"] for c in customers} == expected

        # deactivating a customer at CRO makes it a tombstone here
        gone = sorted(expected)[0]
        headers = {
            "Authorization": f"bearer {settings['token']}",
            "x-tenant-id": str(settings["tenantId"]),
        }
        import httpx

        assert (
            httpx.patch(
                f"{url}/customers/{gone}", json={"is_active": False}, headers=headers
            ).status_code
            == 200
        )
        api.client.post(f"/integrations/{source}/sync", headers=admin)
        api.drain()
    remaining = {
        c["objectId"]
        for c in api.client.get("/customers", params={"limit": "100"}, headers=admin).json()
    }
    assert gone not in remaining
    assert remaining == set(expected) - {gone}


def test_a_broken_template_fails_the_pull_with_its_reason(api: Api) -> None:
    app = cro_app(records=5)
    admin = api.admin()
    company = api.make_company(admin, agencyId="a")["companyId"]
    with cro_serve(app) as url:
        settings = {
            **cro_settings(app, url),
            "mappingTemplate": "cml: 1\noutput: [not, a, mapping]\n",
        }
        source = api.client.post(
            "/integrations",
            json={
                "active": True,
                "add": False,
                "delete": False,
                "get": True,
                "update": False,
                "meta": {},
                "syncType": "customers",
                "systemId": "cro",
                "companyId": company,
                "systemSettings": settings,
            },
            headers=admin,
        ).json()["integrationId"]
        api.client.post(f"/integrations/{source}/sync", headers=admin)
        api.drain()
    state = api.client.get(f"/integrations/{source}/sync", headers=admin).json()
    assert state["status"] == "failed"
    assert "mapping template is not valid" in state["lastError"]


def test_records_the_template_cannot_map_are_kept_and_rejected_with_the_reason(api: Api) -> None:
    app = cro_app(records=3)
    admin = api.admin()
    company = api.make_company(admin, agencyId="a")["companyId"]
    template = "cml: 1\noutput:\n  merchantCustomerId: {from: $.no_such_field, required: true}\n"
    with cro_serve(app) as url:
        settings = {**cro_settings(app, url), "mappingTemplate": template}
        source = api.client.post(
            "/integrations",
            json={
                "active": True,
                "add": False,
                "delete": False,
                "get": True,
                "update": False,
                "meta": {},
                "syncType": "customers",
                "systemId": "cro",
                "companyId": company,
                "systemSettings": settings,
            },
            headers=admin,
        ).json()["integrationId"]
        api.client.post(f"/integrations/{source}/sync", headers=admin)
        api.drain()
    assert api.client.get(f"/integrations/{source}/sync", headers=admin).json()["status"] == "idle"
    results = api.client.get(
        "/system_results", params={"integrationId": source}, headers=admin
    ).json()
    assert len(results) == 3
    assert {r["status"] for r in results} == {"rejected"}
    assert {r["errors"][0]["field"] for r in results} == {"mapping"}
    assert "no_such_field" in results[0]["errors"][0]["detail"]
    assert api.client.get("/customers", headers=admin).json() == []


def test_cro_customers_pulled_with_the_default_template(api: Api) -> None:
    app = cro_app(records=10)
    admin = api.admin()
    company = api.make_company(admin, agencyId="a")["companyId"]
    with cro_serve(app) as url:
        source = api.client.post(
            "/integrations",
            json={
                "active": True,
                "add": False,
                "delete": False,
                "get": True,
                "update": False,
                "meta": {},
                "syncType": "customers",
                "systemId": "cro",
                "companyId": company,
                "systemSettings": cro_settings(app, url),
            },
            headers=admin,
        ).json()["integrationId"]
        api.client.post(f"/integrations/{source}/sync", headers=admin)
        api.drain()
    results = api.client.get(
        "/system_results", params={"integrationId": source}, headers=admin
    ).json()
    assert results
    assert {r["status"] for r in results} <= {"created", "unchanged"}, results[:2]
    customers = api.client.get("/customers", params={"limit": "100"}, headers=admin).json()
    assert customers
    assert all(c["data"][0]["merchantCustomerId"] == c["objectId"] for c in customers)
