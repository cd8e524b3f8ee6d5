"""Custom Trades CRM's default templates on the Custom Trades sandbox: customers in, valid
customers records; customers out, bodies the sandbox creates and updates; orders out, a job and
an invoice for it that the sandbox accepts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from crossdock.mapping.cml import CmlRuntimeError, compile_template
from crossdock.mapping.defaults import default_template
from crossdock.records.schemas import validate_record
from crossdock.sandboxes.customtrades import CustomTradesConfig, create_app

pytestmark = pytest.mark.anyio

KEY = "ctc_live_default-templates"
API = "/api/v1"


def _template(sync_type: str, direction: str, name: str) -> str:
    text = default_template("customtrades", sync_type, direction, name)  # type: ignore[arg-type]
    assert text is not None
    return text


@asynccontextmanager
async def _sandbox(records: int, seed: int = 1) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(CustomTradesConfig(seed=seed, records=records, api_key=KEY))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://customtrades",
        headers={"Authorization": f"Bearer {KEY}"},
    ) as c:
        yield c


def _data(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.request.content, response.text)
    data: dict[str, Any] = response.json()["data"]
    return data


async def _all_customers(c: httpx.AsyncClient) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        data = _data(await c.get(f"{API}/customers", params={"limit": 100, "page": page}), 200)
        rows += data["customers"]
        if page >= data["pagination"]["total_pages"]:
            return rows
        page += 1


# What a customer keeps through Crossdock and back (ids and times are Custom Trades' own).
KEPT = (
    "name",
    "firstName",
    "lastName",
    "companyName",
    "isCommercial",
    "isVip",
    "email",
    "phone",
    "addresses",
    "notes",
    "metaFields",
)


async def test_customtrades_customers_in_and_out_again() -> None:
    to_customers = compile_template(_template("customers", "in", "customers"))
    to_customtrades = compile_template(_template("customers", "out", "create_customer"))
    async with _sandbox(records=160) as c:
        rows = await _all_customers(c)
        assert len(rows) > 150
        for row in rows:
            customer = to_customers.apply(row)
            validated, errors = validate_record("customers", customer)
            assert errors == [], (row, customer)
            assert validated is not None
            assert customer["merchantCustomerId"] == row["uuid"]
            assert customer["externalIds"] == {"customtrades": row["uuid"]}
            assert customer["isCommercial"] is (row["customer_type"] == "Commercial")
            want_name = (
                row["company_name"]
                if row["customer_type"] == "Commercial"
                else f"{row['first_name']} {row['last_name']}"
            )
            assert customer["name"] == want_name
            assert customer.get("email") == row["email"]
            physical = customer["addresses"]["physical"]
            assert physical["street"] == row["physical_address1"]
            assert physical["stateCode"] == row["physical_state"]
            assert physical["isBilling"] is (row["billing_address1"] is None)
            if row["billing_address1"] is not None:
                assert customer["addresses"]["billing"]["street"] == row["billing_address1"]
            else:
                assert "billing" not in customer["addresses"]
            assert customer.get("storeId") == row["primary_service_location_uuid"]

            # Out again, as a new customer: what Custom Trades stores maps back the same.
            body = to_customtrades.apply(customer)
            created = _data(await c.post(f"{API}/customers", json=body), 201)
            again = to_customers.apply(created)
            for field in KEPT:
                assert again.get(field) == customer.get(field), (field, body)
            # The same body updates the customer in place, changing nothing.
            updated = _data(await c.put(f"{API}/customers/{created['uuid']}", json=body), 200)
            assert {k: updated[k] for k in body} == {k: created[k] for k in body}
        # The seed's variety is exercised: businesses, VIPs, billing addresses, flags, notes.
        assert {r["customer_type"] for r in rows} == {"Residential", "Commercial"}
        assert any(r["is_vip"] for r in rows)
        assert any(r["billing_address1"] for r in rows)
        assert any(r["internal_flags"] for r in rows)
        assert any(r["notes"] for r in rows)
        assert any(r["email"] is None for r in rows)


async def test_a_customer_from_elsewhere_becomes_a_custom_trades_customer() -> None:
    """A CRO-shaped business: one name, addresses keyed by id with flags, a contact, a phone
    with an extension; and a CareCloud-shaped person with a foreign phone and one address."""
    business = {
        "merchantCustomerId": "17",
        "name": "Harbor Plumbing Supply",
        "isCommercial": True,
        "phone": "(206) 555-0147 ext. 3",
        "email": "Orders@HarborPlumbing.example.com",
        "addresses": {
            "1": {
                "street": "PO Box 12",
                "city": "Seattle",
                "state": "WA",
                "zip": "98101",
                "isBilling": True,
                "isPhysical": False,
            },
            "2": {
                "street": "400 Pier Way",
                "extra1": "Unit 4",
                "city": "Seattle",
                "state": "WA",
                "zip": "98104",
                "isPhysical": True,
                "isBilling": False,
            },
            "3": {
                "street": "1 Old Rd.",
                "city": "Tacoma",
                "state": "WA",
                "zip": "98402",
                "isPhysical": True,
                "active": False,
            },
        },
        "contacts": {"9": {"name": "Dana Cruz", "email": "dana@harborplumbing.example.com"}},
        "notes": "Gate code 4411",
    }
    person = {
        "merchantCustomerId": "8ea6",
        "firstName": "Jana",
        "lastName": "Nováková",
        "phone": "+420 601 234 567",
        "addresses": {
            "main": {"street": "Vodičkova 1", "city": "Praha", "zip": "110 00", "country": "CZ"}
        },
    }
    to_customtrades = compile_template(_template("customers", "out", "create_customer"))
    assert to_customtrades.apply(business) == {
        "first_name": "Dana",
        "last_name": "Cruz",
        "company_name": "Harbor Plumbing Supply",
        "customer_type": "Commercial",
        "email": "Orders@HarborPlumbing.example.com",
        "physical_address1": "400 Pier Way",
        "physical_address2": "Unit 4",
        "physical_city": "Seattle",
        "physical_state": "WA",
        "physical_zip": "98104",
        "billing_address1": "PO Box 12",
        "billing_city": "Seattle",
        "billing_state": "WA",
        "billing_zip": "98101",
        "notes": "Gate code 4411",
    }
    assert to_customtrades.apply(person) == {
        "first_name": "Jana",
        "last_name": "Nováková",
        "physical_address1": "Vodičkova 1",
        "physical_city": "Praha",
        "physical_zip": "110 00",
    }
    resident = {"merchantCustomerId": "3", "name": "Ada King Lovelace", "phone": "1.206.555.0100"}
    assert to_customtrades.apply(resident) == {
        "first_name": "Ada",
        "last_name": "King Lovelace",
        "phone": "1.206.555.0100",
    }
    async with _sandbox(records=5) as c:
        location = _data(await c.get(f"{API}/locations"), 200)["locations"][0]["uuid"]
        for customer in (business, person, resident):
            body = to_customtrades.apply(customer, variables={"serviceLocationUuid": location})
            created = _data(await c.post(f"{API}/customers", json=body), 201)
            assert created["primary_service_location_uuid"] == location
        assert created["phone"] == "206-555-0100"


def test_a_customer_without_a_last_name_is_refused_with_a_reason() -> None:
    to_customtrades = compile_template(_template("customers", "out", "create_customer"))
    with pytest.raises(CmlRuntimeError, match="Custom Trades needs a last name"):
        to_customtrades.apply({"merchantCustomerId": "1", "name": "Cher"})
    with pytest.raises(CmlRuntimeError, match="Custom Trades needs a first name"):
        to_customtrades.apply({"merchantCustomerId": "1", "email": "a@example.com"})
