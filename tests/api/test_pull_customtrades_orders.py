"""Pulling orders from Custom Trades CRM: its jobs, mapped by the default template, become the
hub's orders; a job changed at Custom Trades updates its order, a soft-deleted one becomes a
tombstone."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import Api
from tests.connectors.servers import serve
from tests.connectors.test_customtrades_stream import API_KEY, ctc_app


def _jobs(vendor: httpx.Client) -> dict[str, dict[str, Any]]:
    """Custom Trades' live jobs, read from its own API: uuid -> job."""
    found: dict[str, dict[str, Any]] = {}
    page = 1
    while True:
        data = vendor.get("/jobs", params={"limit": 100, "page": page}).json()["data"]
        found |= {job["uuid"]: job for job in data["jobs"]}
        if page >= data["pagination"]["total_pages"]:
            return found
        page += 1


def test_custom_trades_jobs_are_pulled_as_orders(api: Api) -> None:
    headers = api.admin()
    with (
        serve(ctc_app(records=40)) as url,
        httpx.Client(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {API_KEY}"}
        ) as vendor,
    ):
        source = _source(api, headers, url)

        def sync() -> dict[str, dict[str, Any]]:
            state = _sync(api, headers, source)
            assert (state["status"], state["lastError"]) == ("idle", None), state
            orders = api.client.get("/orders", params={"limit": "100"}, headers=headers).json()
            return {order["objectId"]: order for order in orders}

        orders = sync()
        results = api.client.get(
            "/system_results", params={"integrationId": source, "limit": "100"}, headers=headers
        ).json()
        assert results
        assert {r["status"] for r in results} == {"created"}, results[:2]
        jobs = _jobs(vendor)
        assert len(jobs) >= 15
        assert set(orders) == set(jobs)
        for uuid, job in jobs.items():
            [row] = orders[uuid]["data"]  # one line item: the work
            assert row["systemOrderId"] == row["systemOrderItemId"] == uuid
            assert row["systemOrderNumber"] == job["job_number"]
            assert row["systemStatus"] == job["status"]
            assert row["productName"] == job["title"]
            assert row["customerId"] == job["customer_uuid"]
            amount = (
                job["actual_amount"]
                if job["actual_amount"] is not None
                else job["estimated_amount"]
            )
            assert row["orderTotal"] == amount
            assert row["addresses"]["shipping"]["street"] == job["service_address1"]
        # The seeded jobs are in every stage of their work.
        statuses = {order["data"][0]["status"] for order in orders.values()}
        assert {"pending", "completed"} <= statuses

        # The work begins on one job and another is deleted, at Custom Trades.
        started, dropped = sorted(
            uuid for uuid, job in jobs.items() if job["status"] in ("New", "Scheduled")
        )[:2]
        assert vendor.put(f"/jobs/{started}", json={"status": "In Progress"}).status_code == 200
        assert vendor.delete(f"/jobs/{dropped}").status_code == 200
        orders = sync()
    assert set(orders) == set(jobs) - {dropped}
    row = orders[started]["data"][0]
    assert (row["status"], row["systemStatus"]) == ("picked", "In Progress")
    assert orders[started]["version"] == 2


def _source(api: Api, headers: dict[str, str], url: str, **settings: Any) -> str:
    company = api.make_company(headers, agencyId="a")["companyId"]
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
            "systemId": "customtrades",
            "companyId": company,
            "systemSettings": {"baseUrl": url, "apiKey": API_KEY, **settings},
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    integration: str = r.json()["integrationId"]
    return integration


def _sync(api: Api, headers: dict[str, str], source: str) -> dict[str, Any]:
    api.client.post(f"/integrations/{source}/sync", headers=headers)
    api.drain()
    state: dict[str, Any] = api.client.get(f"/integrations/{source}/sync", headers=headers).json()
    return state


def test_an_integration_may_pull_its_orders_from_invoices_instead(api: Api) -> None:
    headers = api.admin()
    with (
        serve(ctc_app(records=30)) as url,
        httpx.Client(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {API_KEY}"}
        ) as vendor,
    ):
        source = _source(api, headers, url, pullStream="invoices")
        state = _sync(api, headers, source)
        assert (state["status"], state["lastError"]) == ("idle", None), state
        listed = vendor.get("/invoices", params={"limit": 100}).json()["data"]
        invoices = {invoice["uuid"]: invoice for invoice in listed["invoices"]}
    orders = api.client.get("/orders", params={"limit": "100"}, headers=headers).json()
    assert invoices
    assert {order["objectId"] for order in orders} == set(invoices)
    for order in orders:
        invoice = invoices[order["objectId"]]
        assert order["data"][0]["systemOrderNumber"] == invoice["invoice_number"]


def test_a_stream_the_sync_type_is_not_pulled_from_fails_the_pull_with_the_reason(
    api: Api,
) -> None:
    headers = api.admin()
    with serve(ctc_app(records=5)) as url:
        source = _source(api, headers, url, pullStream="estimates")
        state = _sync(api, headers, source)
    assert state["status"] == "failed"
    assert state["lastError"] == (
        "customtrades orders are pulled from jobs, invoices; not from 'estimates'."
    )
    assert api.client.get("/orders", headers=headers).json() == []
