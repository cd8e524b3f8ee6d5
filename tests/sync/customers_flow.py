"""A merchant whose CareCloud customers flow into Custom Trades CRM, both sandboxes real (the
demo's, under uvicorn in this process): what the end-to-end and whole-sync fault tests share.

``customers_flow`` starts the sandboxes, gives the merchant an empty Custom Trades company of
its own (so every customer there came from the sync), and creates the company and its two
integrations through the hub's API. ``assert_mirrored`` is the verdict every test ends with:
each CareCloud customer at Custom Trades exactly once, mapped as the default templates promise,
deletions soft-deleted there, nothing left to publish and nothing parked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from crossdock.demo_flows import Sandbox, settings_for, start_sandboxes, stop_sandboxes
from crossdock.sandboxes.carecloud.models import ADDRESS_KEYS
from crossdock.store.publish import DestinationLink, PublishJob
from crossdock.store.records import MasterRecord
from tests.api.conftest import Api

ENTERPRISE = "/webservice/rest-api/enterprise-interface/v1.0"


@dataclass
class CustomersFlow:
    """The merchant (``headers`` of its admin), its CareCloud customers ``source`` and Custom
    Trades customers ``destination`` integrations, and the sandboxes behind them."""

    api: Api
    headers: dict[str, str]
    sandboxes: dict[str, Sandbox]
    source: str
    destination: str
    company_uuid: str  # the merchant's company at Custom Trades

    # -- the hub ------------------------------------------------------------------------------

    def sync(self) -> dict[str, Any]:
        """Ask for a pull, run every job until nothing is due; where the pulls stand."""
        r = self.api.client.post(f"/integrations/{self.source}/sync", headers=self.headers)
        assert r.status_code in (200, 202), r.text
        self.api.drain()
        state: dict[str, Any] = self.get(f"/integrations/{self.source}/sync")
        return state

    def settle(self, rounds: int = 6) -> None:
        """Run the jobs until no publish job waits, moving the hub's clock past each backoff
        (a delivery the vendor refused for now is due again later, not at once)."""
        for _ in range(rounds):
            self.api.drain()
            with self.api.hub.transaction() as session:
                due = session.scalar(
                    select(func.min(PublishJob.next_attempt_at)).where(
                        PublishJob.integration_id == self.destination,
                        PublishJob.status == "pending",
                    )
                )
            if due is None:
                return
            if due > self.api.clock.now:
                self.api.clock.now = due
                self.headers = self.api.admin()  # the hub's own tokens age with its clock
        raise AssertionError(f"publish jobs still pending after {rounds} rounds")

    def get(self, path: str, **params: Any) -> Any:
        r = self.api.client.get(path, params=params, headers=self.headers)
        assert r.status_code == 200, r.text
        return r.json()

    def total(self, path: str, **params: Any) -> int:
        """How many records a list endpoint matches (its ``x-cresco-total``)."""
        r = self.api.client.get(path, params={**params, "limit": 1}, headers=self.headers)
        assert r.status_code == 200, r.text
        return int(r.headers["x-cresco-total"])

    def jobs(self, status: str) -> int:
        return self.total("/publish/jobs", integrationId=self.destination, status=status)

    # -- the sandboxes ------------------------------------------------------------------------

    def control(self, system_id: str, method: str, path: str, **kwargs: Any) -> Any:
        """A sandbox's ``/_sandbox`` control API."""
        url = f"{self.sandboxes[system_id].url}/_sandbox{path}"
        r = httpx.request(method, url, **kwargs)
        assert r.is_success, r.text
        return r.json() if r.content else None

    def fault(self, system_id: str, **rule: Any) -> int:
        fault_id: int = self.control(system_id, "POST", "/faults", json=rule)["id"]
        return fault_id

    def faults(self, system_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.control(system_id, "GET", "/faults")
        return found

    def carecloud(self) -> httpx.Client:
        """CareCloud's enterprise interface with a fresh bearer token, as another API user of
        the merchant's project would call it."""
        token = self.control("carecloud", "POST", "/credentials", json={"kind": "bearer_token"})
        return httpx.Client(
            base_url=self.sandboxes["carecloud"].url + ENTERPRISE,
            headers={"Authorization": f"Bearer {token['bearer_token']}", "Accept-Language": "en"},
        )

    def rename_at_carecloud(self, customer_id: str, last_name: str, email: str) -> None:
        """``PUT /customers/{id}`` (CareCloud replaces the whole record): the customer as it is,
        with another last name and email."""
        with self.carecloud() as vendor:
            r = vendor.get(f"/customers/{customer_id}")
            assert r.status_code == 200, r.text
            info = r.json()["data"]["personal_information"]
            info.update(last_name=last_name, email=email)
            info.pop("agreement", None)  # the deprecated view of ``consents``
            r = vendor.put(
                f"/customers/{customer_id}", json={"customer": {"personal_information": info}}
            )
            assert r.status_code == 204, r.text

    def delete_at_carecloud(self, customer_id: str) -> None:
        """State 0, as CareCloud's back office deletes a customer (its API cannot)."""
        self.control(
            "carecloud", "POST", f"/carecloud/customers/{customer_id}/state", json={"state": 0}
        )

    def source_customers(self) -> dict[str, Any]:
        """CareCloud's customers as the sandbox holds them: customer_id -> Customer."""
        state = self.sandboxes["carecloud"].app.state.sandbox.state
        with state.lock:
            return dict(state.customers)

    def live(self) -> int:
        """CareCloud's customers not deleted (state 1 active or 2 inactive)."""
        return sum(1 for customer in self.source_customers().values() if customer.state != 0)

    def destination_customers(self) -> dict[str, dict[str, Any]]:
        """Every customer of the merchant's Custom Trades company, soft-deleted ones too."""
        state = self.sandboxes["customtrades"].app.state.sandbox.state
        with state.lock:
            rows = state.companies[self.company_uuid].collections["customers"].rows
            return {uuid: dict(row.data) for uuid, row in rows.items()}

    def links(self) -> dict[str, str]:
        """CareCloud customer_id -> the Custom Trades uuid Crossdock published it as."""
        with self.api.hub.transaction() as session:
            rows = session.execute(
                select(MasterRecord.object_id, DestinationLink.external_id)
                .join(DestinationLink, DestinationLink.cresco_id == MasterRecord.cresco_id)
                .where(
                    MasterRecord.integration_id == self.source,
                    DestinationLink.integration_id == self.destination,
                )
            ).all()
        return {object_id: str(external_id) for object_id, external_id in rows}

    def cresco_id(self, customer_id: str) -> str:
        with self.api.hub.transaction() as session:
            found = session.scalar(
                select(MasterRecord.cresco_id).where(
                    MasterRecord.integration_id == self.source,
                    MasterRecord.object_id == customer_id,
                )
            )
        assert found is not None, f"CareCloud customer {customer_id} never reached the hub"
        return str(found)

    def unfinished_jobs(self) -> list[tuple[str, str | None]]:
        """Publish jobs neither done nor set aside (superseded, skipped): (status, error)."""
        with self.api.hub.transaction() as session:
            rows = session.execute(
                select(PublishJob.status, PublishJob.last_error).where(
                    PublishJob.integration_id == self.destination,
                    PublishJob.status.not_in(("done", "superseded", "skipped")),
                )
            ).all()
        return [(status, error) for status, error in rows]


@contextmanager
def customers_flow(api: Api, customers: int) -> Iterator[CustomersFlow]:
    """The demo's sandboxes with ``customers`` CareCloud customers, and a merchant whose
    CareCloud customers source publishes to a Custom Trades customers destination."""
    sandboxes = start_sandboxes()
    try:
        flow = _merchant(api, sandboxes, customers)
        yield flow
    finally:
        stop_sandboxes(sandboxes)


def _merchant(api: Api, sandboxes: dict[str, Sandbox], customers: int) -> CustomersFlow:
    r = httpx.post(f"{sandboxes['carecloud'].url}/_sandbox/seed", json={"records": customers})
    assert r.status_code == 200, r.text
    r = httpx.post(
        f"{sandboxes['customtrades'].url}/_sandbox/credentials",
        json={"new_company": "Crossdock sync tests", "name": "Crossdock"},
    )
    assert r.status_code == 201, r.text
    issued = r.json()
    headers = api.admin()
    company = api.make_company(headers, agencyId="a")["companyId"]
    base = {"active": True, "add": False, "delete": False, "meta": {}, "syncType": "customers"}
    ctc_settings = {**settings_for("customtrades", sandboxes), "apiKey": issued["api_key"]}
    integrations = []
    for system_id, get, settings in (
        ("carecloud", True, settings_for("carecloud", sandboxes)),
        ("customtrades", False, ctc_settings),
    ):
        r = api.client.post(
            "/integrations",
            json={
                **base,
                "companyId": company,
                "systemId": system_id,
                "get": get,
                "update": not get,
                "systemSettings": settings,
            },
            headers=headers,
        )
        assert r.status_code == 201, r.text
        integrations.append(r.json()["integrationId"])
    return CustomersFlow(
        api, headers, sandboxes, integrations[0], integrations[1], issued["company"]["uuid"]
    )


# -- the verdict ----------------------------------------------------------------------------


def expected_at_customtrades(customer: Any) -> dict[str, Any]:
    """What the default templates promise of a CareCloud customer at Custom Trades: the names,
    the email, the main address as the physical one, a US phone number only, a residential
    customer without a company or billing address."""
    p = customer.personal
    address = dict(zip(ADDRESS_KEYS, p.address, strict=True))
    return {
        "first_name": p.first_name,
        "last_name": p.last_name,
        "email": p.email,
        "phone": us_digits(p.phone),
        "company_name": None,
        "customer_type": "Residential",
        "physical_address1": address["address1"] or None,
        "physical_address2": address["address2"] or None,
        "physical_city": address["city"] or None,
        "physical_zip": (address["zip"] or "")[:10] or None,
        "billing_address1": None,
        "billing_city": None,
    }


def us_digits(phone: str | None) -> str | None:
    """A US phone number's ten digits, however punctuated; None for any other number."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) == 10 else None


def assert_mirrored(flow: CustomersFlow) -> dict[str, str]:
    """Custom Trades mirrors CareCloud: every customer there once, as the templates map it,
    deletions soft-deleted, and no publish job left pending or parked. Returns the links."""
    assert flow.unfinished_jobs() == []
    source = flow.source_customers()
    destination = flow.destination_customers()
    links = flow.links()
    # Each record at Custom Trades is one CareCloud customer's, and none has two.
    assert len(set(links.values())) == len(links)
    assert set(destination) == set(links.values())
    assert set(links) <= set(source)
    for customer_id, customer in source.items():
        uuid = links.get(customer_id)
        if customer.state == 0:
            # Deleted before its first sync: never published. After: soft-deleted there.
            assert uuid is None or destination[uuid]["deleted_at"] is not None, customer_id
            continue
        assert uuid is not None, f"CareCloud customer {customer_id} is not at Custom Trades"
        row = destination[uuid]
        assert row["deleted_at"] is None, customer_id
        expected = expected_at_customtrades(customer)
        found = {key: row[key] for key in expected} | {"phone": us_digits(row["phone"])}
        assert found == expected, (customer_id, found, expected)
    return links
