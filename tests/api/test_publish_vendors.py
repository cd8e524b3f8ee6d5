"""Publishing to vendors: records sent through POST /streams_batch reach the vendor sandboxes,
mapped by the default outbound templates: created, updated, then deleted (or refused where the
vendor cannot delete)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import httpx

from tests.api.conftest import Api
from tests.api.test_records import ORDER
from tests.connectors.servers import cro_app, cro_serve, cro_settings, serve
from tests.connectors.test_carecloud_support import carecloud_app, carecloud_settings
from tests.connectors.test_customtrades_stream import API_KEY, ctc_app


@dataclass
class Flow:
    """A merchant with an ``api`` source publishing ``sync_type`` to one vendor destination."""

    api: Api
    headers: dict[str, str]
    source: str
    destination: str

    def send(self, object_id: str, record: dict[str, Any] | None) -> dict[str, Any]:
        """Send one record (None deletes), run the jobs, answer the destination's latest result."""
        r = self.api.client.post(
            "/streams_batch",
            json={"integrationId": self.source, "items": [{"id": object_id, "record": record}]},
            headers=self.headers,
        )
        assert r.status_code == 200, r.text
        self.api.drain()
        latest: dict[str, Any] = self.api.client.get(
            "/system_results", params={"integrationId": self.destination}, headers=self.headers
        ).json()[0]
        return latest

    def history(self, path: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.api.client.get(path, headers=self.headers).json()
        return result


def flow(api: Api, sync_type: str, system_id: str, settings: dict[str, Any]) -> Flow:
    headers = api.admin()
    company = api.make_company(headers, agencyId="a")["companyId"]
    base = {
        "add": False,
        "delete": False,
        "meta": {},
        "syncType": sync_type,
        "companyId": company,
        "active": True,
    }
    r = api.client.post(
        "/integrations",
        json={**base, "get": True, "update": False, "systemId": "api"},
        headers=headers,
    )
    source = r.json()["integrationId"]
    r = api.client.post(
        "/integrations",
        json={
            **base,
            "get": False,
            "update": True,
            "systemId": system_id,
            "systemSettings": settings,
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return Flow(api, headers, source, r.json()["integrationId"])


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


def test_customers_are_created_renamed_and_deactivated_at_cro(api: Api) -> None:
    app = cro_app(records=3)
    state = app.state.sandbox.state

    def at_cro(customer_id: int) -> Any:
        with state.lock:
            return state.tenant(state.tenant_id).customers[customer_id]

    with cro_serve(app) as url:
        cro = flow(api, "customers", "cro", cro_settings(app, url))
        created = cro.send("c-1", CUSTOMER)
        assert created["status"] == "created", created["errors"]
        customer_id = created["response"]["id"]
        assert at_cro(customer_id).name == "Harbor Coffee Roasters"
        assert (
            cro.send("c-1", {**CUSTOMER, "companyName": "Harbor Roasters"})["status"] == "updated"
        )
        assert at_cro(customer_id).name == "Harbor Roasters"
        assert cro.send("c-1", None)["status"] == "deleted"
        assert at_cro(customer_id).is_active is False
    results = cro.history(f"/system_results/{created['crescoId']}/{cro.destination}/history")
    assert [r["status"] for r in results] == ["deleted", "updated", "created"]
    payloads = cro.history(f"/publish/{cro.destination}/{created['crescoId']}/history")
    assert [p["action"] for p in payloads] == ["delete", "update", "create"]


def test_customers_are_created_and_updated_at_carecloud(api: Api) -> None:
    app = carecloud_app(records=3)
    state = app.state.sandbox.state
    source_id = state.credentials()["customer_source_id"]
    customer = {
        "merchantCustomerId": "c-9",
        "firstName": "Jana",
        "lastName": "Novak",
        "email": "jana.novak@example.com",
    }
    with serve(app) as url:
        settings = carecloud_settings(url, mappingVariables={"customerSourceId": source_id})
        carecloud = flow(api, "customers", "carecloud", settings)
        created = carecloud.send("c-9", customer)
        assert created["status"] == "created", created["errors"]
        customer_id = created["response"]["customer_id"]
        with state.lock:
            assert state.customers[customer_id].personal.last_name == "Novak"
        assert carecloud.send("c-9", {**customer, "lastName": "Svobodova"})["status"] == "updated"
        with state.lock:
            assert state.customers[customer_id].personal.last_name == "Svobodova"
        refused = carecloud.send("c-9", None)
        assert refused["status"] == "failed"
        assert "no way to delete" in refused["errors"][0]["detail"]
    # The connection test logged in on activation (a login, then GET /customers); the two
    # publishing batches after it log in once between them: the bearer token is kept in the
    # hub's shared token store, not in each batch's client.
    seen = app.state.sandbox.recorder.items()
    tested = next(n for n, r in enumerate(seen) if r.method == "GET")
    logins = [r for r in seen[tested:] if r.path.endswith("/users/actions/login")]
    assert len(logins) == 1
    assert sum(r.method in ("POST", "PUT") for r in seen[tested:]) == 3  # login, create, update


def test_customers_are_created_updated_and_soft_deleted_at_custom_trades(api: Api) -> None:
    customer = {
        "merchantCustomerId": "c-7",
        "firstName": "Omar",
        "lastName": "Khan",
        "companyName": "Khan Roofing",
        "email": "omar@khanroofing.example.com",
        "phone": "+15551234567",
    }
    with serve(ctc_app(records=3)) as url:
        ctc = flow(api, "customers", "customtrades", {"baseUrl": url, "apiKey": API_KEY})
        with httpx.Client(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {API_KEY}"}
        ) as vendor:
            created = ctc.send("c-7", customer)
            assert created["status"] == "created", created["errors"]
            uuid = created["response"]["uuid"]
            assert vendor.get(f"/customers/{uuid}").json()["data"]["last_name"] == "Khan"
            assert ctc.send("c-7", {**customer, "lastName": "Khanna"})["status"] == "updated"
            assert vendor.get(f"/customers/{uuid}").json()["data"]["last_name"] == "Khanna"
            assert ctc.send("c-7", None)["status"] == "deleted"
            assert vendor.get(f"/customers/{uuid}").status_code == 404
            everyone = vendor.get("/customers", params={"include_deleted": "true", "limit": 100})
            emails = [c["email"] for c in everyone.json()["data"]["customers"]]
            assert emails.count(customer["email"]) == 1


def test_orders_become_a_job_and_an_invoice_at_custom_trades(api: Api) -> None:
    order = copy.deepcopy(ORDER)
    order["addresses"]["billing"].update(email="test.person@example.com", phone1="+15551230000")
    with serve(ctc_app(records=3)) as url:
        ctc = flow(api, "orders", "customtrades", {"baseUrl": url, "apiKey": API_KEY})
        with httpx.Client(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {API_KEY}"}
        ) as vendor:
            created = ctc.send("o1", order)
            assert created["status"] == "created", created["errors"]
            job, invoice = created["response"]["job"], created["response"]["invoice"]
            assert vendor.get(f"/jobs/{job['uuid']}").status_code == 200
            assert (
                vendor.get(f"/invoices/{invoice['uuid']}").json()["data"]["job_uuid"] == job["uuid"]
            )
            assert ctc.send("o1", {**order, "status": "shipped"})["status"] == "updated"
            assert vendor.get(f"/jobs/{job['uuid']}").json()["data"]["status"] == "Complete"
            assert ctc.send("o1", None)["status"] == "deleted"
            assert vendor.get(f"/jobs/{job['uuid']}").status_code == 404


def test_orders_find_their_customer_at_custom_trades_by_email_beyond_the_key_window(
    api: Api,
) -> None:
    with serve(ctc_app(records=3)) as url:
        ctc = flow(api, "orders", "customtrades", {"baseUrl": url, "apiKey": API_KEY})
        with httpx.Client(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {API_KEY}"}
        ) as vendor:

            def customers() -> list[dict[str, Any]]:
                rows: list[dict[str, Any]] = vendor.get("/customers", params={"limit": 100}).json()[
                    "data"
                ]["customers"]
                return rows

            def job_of(result: dict[str, Any]) -> dict[str, Any]:
                job: dict[str, Any] = vendor.get(
                    f"/jobs/{result['response']['job']['uuid']}"
                ).json()["data"]
                return job

            # An order whose billing email is a customer's already there: that customer.
            known = customers()[0]
            order = copy.deepcopy(ORDER)
            order["addresses"]["billing"]["email"] = known["email"].upper()
            first = ctc.send("o1", order)
            assert first["status"] == "created", first["errors"]
            assert job_of(first)["customer_uuid"] == known["uuid"]
            assert len(customers()) == 3

            # A new customer's first order creates them; their next order, two days later
            # (past the vendor's 24-hour idempotency window), finds them by email.
            order = copy.deepcopy(ORDER)
            order.update(customerId="new-customer")
            order["addresses"]["billing"].update(email="New.Buyer@example.com")
            second = ctc.send("o2", order)
            assert second["status"] == "created", second["errors"]
            created = job_of(second)["customer_uuid"]
            assert len(customers()) == 4
            r = httpx.post(f"{url}/_sandbox/clock/advance", json={"seconds": 2 * 86400})
            assert r.is_success, r.text
            third = ctc.send("o3", {**order, "systemOrderNumber": "later-order"})
            assert third["status"] == "created", third["errors"]
            assert job_of(third)["customer_uuid"] == created
            assert len(customers()) == 4

            # An update keeps the job's customer, even with another billing email now.
            order["addresses"]["billing"].update(email="someone.else@example.com")
            updated = ctc.send("o2", {**order, "status": "shipped"})
            assert updated["status"] == "updated", updated["errors"]
            assert job_of(second)["customer_uuid"] == created
            assert len(customers()) == 4
