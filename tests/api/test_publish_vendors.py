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
        assert created["status"] == "created", created["errors"]
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


def test_customers_are_created_and_updated_at_carecloud(api: Api) -> None:
    from tests.connectors.servers import serve
    from tests.connectors.test_carecloud_support import carecloud_app, carecloud_settings

    app = carecloud_app(records=3)
    source_id = app.state.sandbox.state.credentials()["customer_source_id"]
    admin = api.admin()
    company = api.make_company(admin, agencyId="a")["companyId"]
    base = {
        "add": False,
        "delete": False,
        "meta": {},
        "syncType": "customers",
        "companyId": company,
    }
    customer = {
        "merchantCustomerId": "c-9",
        "firstName": "Jana",
        "lastName": "Novak",
        "email": "jana.novak@example.com",
    }
    with serve(app) as url:
        source = api.client.post(
            "/integrations",
            json={**base, "active": True, "get": True, "update": False, "systemId": "api"},
            headers=admin,
        ).json()["integrationId"]
        settings = carecloud_settings(url, mappingVariables={"customerSourceId": source_id})
        r = api.client.post(
            "/integrations",
            json={
                **base,
                "active": True,
                "get": False,
                "update": True,
                "systemId": "carecloud",
                "systemSettings": settings,
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        destination = r.json()["integrationId"]

        def send(record: dict[str, Any] | None) -> list[dict[str, Any]]:
            api.client.post(
                "/streams_batch",
                json={"integrationId": source, "items": [{"id": "c-9", "record": record}]},
                headers=admin,
            )
            api.drain()
            results: list[dict[str, Any]] = api.client.get(
                "/system_results", params={"integrationId": destination}, headers=admin
            ).json()
            return results

        [created] = send(customer)
        assert created["status"] == "created", created["errors"]
        customer_id = created["response"]["customer_id"]
        state = app.state.sandbox.state
        with state.lock:
            assert state.customers[customer_id].personal.last_name == "Novak"
        results = send({**customer, "lastName": "Svobodova"})
        assert results[0]["status"] == "updated", results[0]
        with state.lock:
            assert state.customers[customer_id].personal.last_name == "Svobodova"
        results = send(None)
        assert results[0]["status"] == "failed"
        assert "no way to delete" in results[0]["errors"][0]["detail"]


def test_customers_are_created_updated_and_soft_deleted_at_custom_trades(api: Api) -> None:
    import httpx

    from tests.connectors.servers import serve
    from tests.connectors.test_customtrades_stream import API_KEY, ctc_app

    app = ctc_app(records=3)
    admin = api.admin()
    company = api.make_company(admin, agencyId="a")["companyId"]
    base = {
        "add": False,
        "delete": False,
        "meta": {},
        "syncType": "customers",
        "companyId": company,
    }
    customer = {
        "merchantCustomerId": "c-7",
        "firstName": "Omar",
        "lastName": "Khan",
        "companyName": "Khan Roofing",
        "email": "omar@khanroofing.example.com",
        "phone": "+15551234567",
    }
    with serve(app) as url:
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
                "systemId": "customtrades",
                "systemSettings": {"baseUrl": url, "apiKey": API_KEY},
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        destination = r.json()["integrationId"]
        vendor = httpx.Client(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {API_KEY}"}
        )

        def send(record: dict[str, Any] | None) -> dict[str, Any]:
            api.client.post(
                "/streams_batch",
                json={"integrationId": source, "items": [{"id": "c-7", "record": record}]},
                headers=admin,
            )
            api.drain()
            latest: dict[str, Any] = api.client.get(
                "/system_results", params={"integrationId": destination}, headers=admin
            ).json()[0]
            return latest

        created = send(customer)
        assert created["status"] == "created", created["errors"]
        uuid = created["response"]["uuid"]
        assert vendor.get(f"/customers/{uuid}").json()["data"]["last_name"] == "Khan"
        assert send({**customer, "lastName": "Khanna"})["status"] == "updated"
        assert vendor.get(f"/customers/{uuid}").json()["data"]["last_name"] == "Khanna"
        assert send(None)["status"] == "deleted"
        assert vendor.get(f"/customers/{uuid}").status_code == 404
        everyone = vendor.get("/customers", params={"include_deleted": "true", "limit": 100}).json()
        assert sum(c["email"] == customer["email"] for c in everyone["data"]["customers"]) == 1
        vendor.close()


def test_orders_become_a_job_and_an_invoice_at_custom_trades(api: Api) -> None:
    import copy

    import httpx

    from tests.api.test_records import ORDER
    from tests.connectors.servers import serve
    from tests.connectors.test_customtrades_stream import API_KEY, ctc_app

    app = ctc_app(records=3)
    admin = api.admin()
    company = api.make_company(admin, agencyId="a")["companyId"]
    base = {"add": False, "delete": False, "meta": {}, "syncType": "orders", "companyId": company}
    order = copy.deepcopy(ORDER)
    order["addresses"]["billing"].update(email="test.person@example.com", phone1="+15551230000")
    with serve(app) as url:
        source = api.client.post(
            "/integrations",
            json={**base, "active": True, "get": True, "update": False, "systemId": "api"},
            headers=admin,
        ).json()["integrationId"]
        destination = api.client.post(
            "/integrations",
            json={
                **base,
                "active": True,
                "get": False,
                "update": True,
                "systemId": "customtrades",
                "systemSettings": {"baseUrl": url, "apiKey": API_KEY},
            },
            headers=admin,
        ).json()["integrationId"]
        vendor = httpx.Client(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {API_KEY}"}
        )

        def send(record: dict[str, Any] | None) -> dict[str, Any]:
            api.client.post(
                "/streams_batch",
                json={"integrationId": source, "items": [{"id": "o1", "record": record}]},
                headers=admin,
            )
            api.drain()
            latest: dict[str, Any] = api.client.get(
                "/system_results", params={"integrationId": destination}, headers=admin
            ).json()[0]
            return latest

        created = send(order)
        assert created["status"] == "created", created["errors"]
        job, invoice = created["response"]["job"], created["response"]["invoice"]
        assert vendor.get(f"/jobs/{job['uuid']}").status_code == 200
        lines = vendor.get(f"/invoices/{invoice['uuid']}").json()["data"]
        assert lines["job_uuid"] == job["uuid"]
        shipped = {**order, "status": "shipped"}
        assert send(shipped)["status"] == "updated"
        assert vendor.get(f"/jobs/{job['uuid']}").json()["data"]["status"] == "Complete"
        assert send(None)["status"] == "deleted"
        assert vendor.get(f"/jobs/{job['uuid']}").status_code == 404
        vendor.close()
