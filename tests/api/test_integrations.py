"""Integrations: every attribute's rule, the systems catalog, activation, secrets at rest."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crossdock.connectors.catalog import System, VendorSettings, secret
from crossdock.store.tables import Integration
from tests.api.conftest import Api

AGENCY = "11111111-2222-3333-4444-555555555555"


def seed_body(company_id: str, **overrides: Any) -> dict[str, Any]:
    """The seed's own sample body for POST /integrations, with a real company and system."""
    body = {
        "active": False,
        "add": False,
        "agencyId": AGENCY,
        "companyId": company_id,
        "delete": False,
        "get": True,
        "meta": {},
        "syncType": "products",
        "systemId": "api",
        "systemSettings": {},
        "update": False,
    }
    body.update(overrides)
    return body


def test_seed_sample_body_creates_and_activates_an_api_source(api: Api) -> None:
    admin = api.admin()
    cid = api.make_company(admin, agencyId=AGENCY)["companyId"]
    r = api.client.post("/integrations", json=seed_body(cid), headers=admin)
    assert r.status_code == 201, r.text
    integration = r.json()
    assert integration["syncType"] == "products"
    assert integration["agencyId"] == AGENCY
    r = api.client.patch(
        f"/integrations/{integration['integrationId']}", json={"active": True}, headers=admin
    )
    assert r.status_code == 200
    assert r.json()["active"] is True
    r = api.client.get(f"/integrations/{integration['integrationId']}/test", headers=admin)
    assert r.json()["success"] is True


def test_deprecated_flags_meta_system_and_sync_type_rules(api: Api) -> None:
    admin = api.admin()
    cid = api.make_company(admin, agencyId=AGENCY)["companyId"]
    cases = [
        ({"add": True}, "CreateIntegrationModel.add"),
        ({"delete": True}, "CreateIntegrationModel.delete"),
        ({"meta": {"x": 1}}, "CreateIntegrationModel.meta"),
        ({"systemId": "nope"}, "CreateIntegrationModel.systemId"),
        ({"syncType": "widgets"}, "CreateIntegrationModel.syncType"),
        ({"systemId": "cro", "syncType": "orders"}, "CreateIntegrationModel.syncType"),
        (
            {"systemId": "cro", "syncType": "customers", "systemSettings": {"tokn": "x"}},
            "CreateIntegrationModel.systemSettings.tokn",
        ),
        ({"agencyId": "another-agency"}, "CreateIntegrationModel.agencyId"),
    ]
    for overrides, field in cases:
        r = api.client.post("/integrations", json=seed_body(cid, **overrides), headers=admin)
        assert r.status_code == 400, (overrides, r.text)
        assert r.json()["field"] == field, r.json()
    r = api.client.post("/integrations", json={"get": True}, headers=admin)
    assert r.status_code == 400
    assert r.json()["field"].startswith("CreateIntegrationModel.")


class LegacySettings(VendorSettings):
    apiKey: str = secret("An API key.")


def test_vendor_without_connector_refuses_activation_clearly(api: Api) -> None:
    api.hub.catalog.register(System("legacy", "Legacy ERP", LegacySettings, ("orders",)))
    admin = api.admin()
    cid = api.make_company(admin, agencyId=AGENCY)["companyId"]
    settings = {"baseUrl": "http://127.0.0.1:1", "apiKey": "secret-key-value"}
    r = api.client.post(
        "/integrations",
        json=seed_body(cid, systemId="legacy", syncType="orders", systemSettings=settings),
        headers=admin,
    )
    assert r.status_code == 201
    iid = r.json()["integrationId"]
    r = api.client.patch(f"/integrations/{iid}", json={"active": True}, headers=admin)
    assert r.status_code == 400
    assert r.json()["field"] == "UpdateIntegrationModel.active"
    assert "not built yet" in r.json()["detail"]
    assert api.client.get(f"/integrations/{iid}/test", headers=admin).json() == {
        "success": False,
        "detail": "The Legacy ERP connector is not built yet, so its connection cannot be tested.",
    }
    r = api.client.post(
        "/integrations",
        json=seed_body(
            cid, systemId="cro", syncType="customers", active=True, systemSettings={"baseUrl": "x"}
        ),
        headers=admin,
    )
    assert r.status_code == 400
    assert r.json()["field"] == "CreateIntegrationModel.systemSettings.token"


def test_secrets_are_encrypted_at_rest_and_never_returned(api: Api) -> None:
    admin = api.admin()
    cid = api.make_company(admin, agencyId=AGENCY)["companyId"]
    settings = {"baseUrl": "http://cro.local", "token": "secret-token-value", "tenantId": 7}
    r = api.client.post(
        "/integrations",
        json=seed_body(cid, systemId="cro", syncType="customers", systemSettings=settings),
        headers=admin,
    )
    iid = r.json()["integrationId"]
    assert r.json()["systemSettings"] == {**settings, "token": "********"}
    with api.hub.engine.connect() as conn:
        raw = conn.execute(sa.select(Integration.system_settings)).scalar_one()
    assert "secret-token-value" not in str(raw)
    assert api.hub.secrets.open(raw)["token"] == "secret-token-value"
    # a GET-then-PUT round trip keeps the stored secret
    current = api.client.get(f"/integrations/{iid}", headers=admin).json()
    r = api.client.put(
        f"/integrations/{iid}",
        json={**current, "minFromDate": "2022-01-01T00:00:00+00:00"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    with api.hub.engine.connect() as conn:
        raw = conn.execute(sa.select(Integration.system_settings)).scalar_one()
    assert api.hub.secrets.open(raw)["token"] == "secret-token-value"
    history = api.client.get(f"/integrations/{iid}/history", headers=admin)
    assert "secret-token-value" not in history.text
    assert history.json()[0]["data"]["minFromDate"] == "2022-01-01T00:00:00+00:00"
    auth = api.client.get(f"/integrations/{iid}/auth", headers=admin).json()
    assert auth == {
        "integrationId": iid,
        "systemId": "cro",
        "authType": "bearer",
        "authUrl": None,
        "configured": True,
    }


def test_delete_and_listing(api: Api) -> None:
    admin = api.admin()
    cid = api.make_company(admin, agencyId=AGENCY)["companyId"]
    ids = [
        api.client.post("/integrations", json=seed_body(cid, syncType=s), headers=admin).json()[
            "integrationId"
        ]
        for s in ("orders", "products", "stock")
    ]
    r = api.client.get("/integrations", params={"syncType__not": "orders"}, headers=admin)
    assert {i["integrationId"] for i in r.json()} == set(ids[1:])
    assert api.client.delete(f"/integrations/{ids[0]}", headers=admin).status_code == 204
    assert api.client.get(f"/integrations/{ids[0]}", headers=admin).status_code == 404
    r = api.client.get(f"/integrations/{ids[0]}/history", headers=admin)
    assert [v["action"] for v in r.json()] == ["delete", "create"]


def test_systems_catalog_serves_settings_schemas(api: Api) -> None:
    admin = api.admin()
    systems = {s["systemId"]: s for s in api.client.get("/systems", headers=admin).json()}
    assert set(systems) == {"api", "cro", "carecloud", "customtrades", "cropster", "crescodata"}
    assert systems["api"]["connectorAvailable"] is True
    schema = api.client.get("/systems/cro", headers=admin).json()["settingsSchema"]
    assert schema["properties"]["token"]["writeOnly"] is True
    assert set(schema["required"]) == {"baseUrl", "token", "tenantId"}
