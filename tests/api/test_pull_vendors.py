"""Pulling from a vendor: CRO Software customers, mapped by the integration's CML template or
the default one, into master records; a deactivated customer becomes a tombstone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from tests.api.conftest import Api
from tests.connectors.servers import cro_app, cro_serve, cro_settings

TEMPLATE = """
cml: 1
output:
  merchantCustomerId: $.id
  companyName: $.name
  active: $.is_active
"""


@dataclass
class CroSource:
    api: Api
    headers: dict[str, str]
    source: str
    app: Any
    url: str

    def sync(self) -> dict[str, Any]:
        """Ask for a pull, run the jobs, answer where the pulls stand."""
        self.api.client.post(f"/integrations/{self.source}/sync", headers=self.headers)
        self.api.drain()
        state: dict[str, Any] = self.api.client.get(
            f"/integrations/{self.source}/sync", headers=self.headers
        ).json()
        return state

    def get(self, path: str, **params: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.api.client.get(
            path, params=params, headers=self.headers
        ).json()
        return found


@contextmanager
def cro_source(api: Api, records: int, **settings: Any) -> Iterator[CroSource]:
    """The CRO sandbox under uvicorn and a merchant with a CRO customers source on it."""
    app = cro_app(records=records)
    headers = api.admin()
    company = api.make_company(headers, agencyId="a")["companyId"]
    with cro_serve(app) as url:
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
                "systemSettings": {**cro_settings(app, url), **settings},
            },
            headers=headers,
        )
        assert r.status_code == 201, r.text
        yield CroSource(api, headers, r.json()["integrationId"], app, url)


def test_cro_customers_pulled_through_a_template(api: Api) -> None:
    with cro_source(api, 40, mappingTemplate=TEMPLATE) as cro:
        state = cro.sync()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        sandbox = cro.app.state.sandbox.state
        with sandbox.lock:
            expected = {
                str(c.id): c.name
                for c in sandbox.tenant(sandbox.tenant_id).customers.values()
                if c.is_active
            }
        customers = cro.get("/customers", limit="100")
        assert {c["objectId"]: c["data"][0]["companyName"] for c in customers} == expected

        # deactivating a customer at CRO makes it a tombstone here
        gone = sorted(expected)[0]
        credentials = sandbox.credentials()
        headers = {
            "Authorization": f"bearer {credentials['token']}",
            "x-tenant-id": credentials["x-tenant-id"],
        }
        r = httpx.patch(f"{cro.url}/customers/{gone}", json={"is_active": False}, headers=headers)
        assert r.status_code == 200
        cro.sync()
        remaining = {c["objectId"] for c in cro.get("/customers", limit="100")}
    assert gone not in remaining
    assert remaining == set(expected) - {gone}


def test_a_broken_template_fails_the_pull_with_its_reason(api: Api) -> None:
    with cro_source(api, 5, mappingTemplate="cml: 1\noutput: [not, a, mapping]\n") as cro:
        state = cro.sync()
    assert state["status"] == "failed"
    assert "mapping template is not valid" in state["lastError"]


def test_records_the_template_cannot_map_are_kept_and_rejected_with_the_reason(api: Api) -> None:
    template = "cml: 1\noutput:\n  merchantCustomerId: {from: $.no_such_field, required: true}\n"
    with cro_source(api, 3, mappingTemplate=template) as cro:
        assert cro.sync()["status"] == "idle"
        results = cro.get("/system_results", integrationId=cro.source)
        assert len(results) == 3
        assert {r["status"] for r in results} == {"rejected"}
        assert {r["errors"][0]["field"] for r in results} == {"mapping"}
        assert "no_such_field" in results[0]["errors"][0]["detail"]
        assert cro.get("/customers") == []


def test_cro_customers_pulled_with_the_default_template(api: Api) -> None:
    with cro_source(api, 10) as cro:
        cro.sync()
        results = cro.get("/system_results", integrationId=cro.source)
        assert results
        assert {r["status"] for r in results} <= {"created", "unchanged"}, results[:2]
        customers = cro.get("/customers", limit="100")
    assert customers
    assert all(c["data"][0]["merchantCustomerId"] == c["objectId"] for c in customers)
