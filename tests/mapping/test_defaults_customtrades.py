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
from crossdock.records.merge import flatten
from crossdock.records.schemas import validate_record
from crossdock.sandboxes.customtrades import CustomTradesConfig, create_app
from tests.mapping.cml_helpers import seed_order

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


def _rows(order: dict[str, Any]) -> dict[str, Any]:
    """What the engine gives an orders-out template: the order's data rows, one per line."""
    return {"rows": flatten(order)}


async def test_the_seed_order_becomes_a_job_and_its_invoice() -> None:
    to_job = compile_template(_template("orders", "out", "create_job"))
    to_invoice = compile_template(_template("orders", "out", "create_invoice"))
    order = seed_order()
    async with _sandbox(records=5) as c:
        person = {"first_name": "Test", "last_name": "Person"}
        customer = _data(await c.post(f"{API}/customers", json=person), 201)["uuid"]
        job_body = to_job.apply(_rows(order), variables={"customerUuid": customer})
        job = _data(await c.post(f"{API}/jobs", json=job_body), 201)
        assert job["customer_uuid"] == customer
        assert job["title"] == "Order order-1 (Amazon)"
        assert job["status"] == "In Progress"  # partiallyShipped: the work has begun
        assert job["description"] == (
            "2 x My Product (Green / S) [abc]\n2 x My Other Product (Blue / S) [def]"
        )
        assert (job["service_address1"], job["service_city"], job["service_zip"]) == (
            "address line 1",
            "Singapore",
            "123456",
        )
        assert job["customer_notes"] == "Hello"
        assert job["estimated_amount"] == 100

        variables = {"customerUuid": customer, "jobUuid": job["uuid"]}
        invoice_body = to_invoice.apply(_rows(order), variables=variables)
        invoice = _data(await c.post(f"{API}/invoices", json=invoice_body), 201)
    assert invoice["job_uuid"] == job["uuid"]
    assert invoice["customer_uuid"] == customer
    assert invoice["issue_date"] == "2022-01-01"
    assert [(i["description"], i["quantity"], i["unit_price"]) for i in invoice["line_items"]] == [
        ("abc: My Product (Green / S)", 2, 25),
        ("def: My Other Product (Blue / S)", 2, 25),
        ("Shipping", 1, 8),
    ]
    # Prices include tax (taxInclusive): nothing is added on top; the discount of 2 comes off.
    totals = (invoice["subtotal"], invoice["tax_amount"], invoice["total_amount"])
    assert totals == (108, 0, 106)
    assert invoice["notes"] == "Order order-1 (Amazon order Amazon-Order-123)"


async def test_an_order_with_tax_on_top_and_a_cancelled_line() -> None:
    """Tax added by Custom Trades, a line cancelled whole and one in part, prices per line."""
    order = seed_order()
    order |= {"taxInclusive": False, "shippingDiscountAmount": 3, "orderDiscountAmount": 0}
    order["variants"][0] |= {"quantity": 3, "quantityCancelled": 1, "itemPrice": 75}
    del order["variants"][0]["itemUnitPrice"], order["variants"][0]["itemSalePrice"]
    order["variants"][1]["itemStatus"] = "cancelled"
    order["variants"].append(
        {
            "systemOrderItemId": "a3",
            "systemOrderItemNumber": "line-a3",
            "productName": "Installation",
            "quantity": 1,
            "itemUnitPrice": 120.5,
            "taxRate": 0,
            "status": "shipped",
            "publish": True,
        }
    )
    validated, errors = validate_record("orders", order)
    assert errors == [], errors
    assert validated is not None
    to_invoice = compile_template(_template("orders", "out", "create_invoice"))
    async with _sandbox(records=5) as c:
        customer = _data(await c.get(f"{API}/customers", params={"limit": 1}), 200)
        variables = {"customerUuid": customer["customers"][0]["uuid"]}
        body = to_invoice.apply(_rows(order), variables=variables)
        assert body["line_items"] == [
            {
                "description": "abc: My Product (Green / S)",
                "quantity": 2,
                "unit_price": 25,
                "tax_rate": 10,
            },
            {"description": "Installation", "quantity": 1, "unit_price": 120.5, "tax_rate": 0},
            {"description": "Shipping", "quantity": 1, "unit_price": 5, "tax_rate": 0},
        ]
        assert "discount_amount" not in body
        assert "job_uuid" not in body
        invoice = _data(await c.post(f"{API}/invoices", json=body), 201)
    # 2 x 25 at 10 %, 120.50 untaxed, shipping 8 less its discount of 3.
    totals = (invoice["subtotal"], invoice["tax_amount"], invoice["total_amount"])
    assert totals == (175.5, 5, 180.5)


async def test_an_order_of_one_line_without_variants_or_shipping() -> None:
    order = {
        "systemOrderId": "9",
        "systemOrderNumber": "W-9",
        "systemOrderItemId": "9-1",
        "systemOrderItemNumber": "1",
        "status": "cancelled",
        "publish": True,
        "createdAt": "2024-03-05T23:30:00-08:00",
        "sku": "GUTTER-10",
        "quantity": 4,
        "itemPrice": 10,
        "itemUnitPrice": 2.5,
        "addresses": {
            "billing": {"street": "9 Elm St.", "city": "Eugene", "stateCode": "OR", "zip": "97401"}
        },
    }
    to_job = compile_template(_template("orders", "out", "create_job"))
    to_invoice = compile_template(_template("orders", "out", "create_invoice"))
    async with _sandbox(records=5) as c:
        customer = _data(await c.get(f"{API}/customers", params={"limit": 1}), 200)
        variables = {"customerUuid": customer["customers"][0]["uuid"]}
        job_body = to_job.apply(_rows(order), variables=variables)
        # A cancelled order has no job status in Custom Trades: the job keeps (or gets) its own.
        assert "status" not in job_body
        assert job_body["title"] == "Order W-9"
        assert job_body["description"] == "4 x GUTTER-10"
        job = _data(await c.post(f"{API}/jobs", json=job_body), 201)
        assert (job["service_address1"], job["service_state"]) == ("9 Elm St.", "OR")
        invoice_body = to_invoice.apply(
            _rows(order), variables={**variables, "jobUuid": job["uuid"]}
        )
        invoice = _data(await c.post(f"{API}/invoices", json=invoice_body), 201)
    # The order's own date, in its own time zone.
    assert invoice["issue_date"] == "2024-03-05"
    assert invoice["line_items"] == [
        {
            "description": "GUTTER-10",
            "quantity": 4,
            "unit_price": 2.5,
            "tax_rate": 0,
            "amount": 10,
        },
    ]


def test_orders_need_the_customer_in_custom_trades() -> None:
    for action in ("create_job", "create_invoice"):
        program = compile_template(_template("orders", "out", action))
        with pytest.raises(CmlRuntimeError, match="set the variable customerUuid"):
            program.apply(_rows(seed_order()))
