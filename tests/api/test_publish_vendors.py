"""Publishing to a vendor: customers sent through POST /streams_batch reach the CRO Software
sandbox, mapped by the default outbound template: created, renamed, then deactivated."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.connectors.servers import cro_app, cro_serve, cro_settings

CUSTOMER: dict[str, Any] = {
    "merchantCustomerId": "c-1",
    "companyName": "Harbor Coffee Roasters",
    "addresses": {
        "main": {
            "street": "12 Pier Rd",
            "city": "Sequim",
            "stateCode": "WA",
            "zip": "98382",
            "country": "US",
            "isBilling": True,
            "isShipping": True,
        },
    },
    "contacts": {"owner": {"name": "Ada Lovelace", "email": "ada@example.com"}},
}


def cro_customer(app: Any, customer_id: int) -> Any:
    state = app.state.sandbox.state
    with state.lock:
        return state.tenant(state.tenant_id).customers[customer_id]


def test_customers_are_created_renamed_and_deactivated_at_cro(api: Api) -> None:
    app = cro_app(records=3)
    admin = api.admin()
    company = api.make_company(admin, agencyId="a")["companyId"]
    base = {
        "add": False,
        "delete": False,
        "meta": {},
        "syncType": "customers",
        "companyId": company,
    }
    with cro_serve(app) as url:
        source = api.client.post(
            "/integrations",
            json={**base, "active": True, "get": True, "update": False, "systemId": "api"},
            headers=admin,
        ).json()["integrationId"]
        r = api.client.post(
            "/integrations",
            json={
                **base,
                "active": True,
                "get": False,
                "update": True,
                "systemId": "cro",
                "systemSettings": cro_settings(app, url),
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        destination = r.json()["integrationId"]

        def send(record: dict[str, Any] | None) -> None:
            r = api.client.post(
                "/streams_batch",
                json={"integrationId": source, "items": [{"id": "c-1", "record": record}]},
                headers=admin,
            )
            assert r.status_code == 200
            api.drain()

        send(CUSTOMER)
        [created] = api.client.get(
            "/system_results", params={"integrationId": destination}, headers=admin
        ).json()
        assert created["status"] == "created", created
        customer_id = created["response"]["id"]
        assert cro_customer(app, customer_id).name == "Harbor Coffee Roasters"

        send({**CUSTOMER, "companyName": "Harbor Roasters"})
        assert cro_customer(app, customer_id).name == "Harbor Roasters"

        send(None)
        assert cro_customer(app, customer_id).is_active is False
        results = api.client.get(
            f"/system_results/{created['crescoId']}/{destination}/history", headers=admin
        ).json()
        assert [r["status"] for r in results] == ["deleted", "updated", "created"]
        payloads = api.client.get(
            f"/publish/{destination}/{created['crescoId']}/history", headers=admin
        ).json()
        assert [p["action"] for p in payloads] == ["delete", "update", "create"]
