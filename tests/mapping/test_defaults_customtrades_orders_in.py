"""Custom Trades CRM's default orders-in templates on the Custom Trades sandbox: every job and
every invoice it lists becomes a valid orders record, including invoices with fractional
quantities, credits, a discount, a part payment and no lines; and a job made from an order comes
back as that order's work, in the status it was sent with."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from crossdock.mapping.cml import compile_template
from crossdock.records.merge import flatten
from crossdock.records.schemas import validate_record
from tests.mapping.cml_helpers import seed_order
from tests.mapping.test_defaults_customtrades import API, _data, _sandbox, _template

pytestmark = pytest.mark.anyio


async def _all(c: httpx.AsyncClient, kind: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        params: dict[str, str | int] = {"limit": 100, "page": page, "include_deleted": "true"}
        data = _data(await c.get(f"{API}/{kind}", params=params), 200)
        rows += data[kind]
        if page >= data["pagination"]["total_pages"]:
            return rows
        page += 1


def _valid(order: dict[str, Any]) -> dict[str, Any]:
    validated, errors = validate_record("orders", order)
    assert errors == [], (order, errors)
    assert validated is not None
    return validated


STATUSES = {
    "New": "pending",
    "Contacted": "pending",
    "Scheduled": "pending",
    "Needs Approval": "pending",
    "Estimate Sent": "pending",
    "Estimate Approved": "pending",
    "In Progress": "picked",
    "Ready to Invoice": "completed",
    "Invoiced": "completed",
    "Complete": "completed",
}


async def test_every_job_becomes_an_order_of_one_line() -> None:
    to_order = compile_template(_template("orders", "in", "jobs"))
    async with _sandbox(records=300) as c:
        jobs = await _all(c, "jobs")
    assert len(jobs) > 100
    for job in jobs:
        order = _valid(to_order.apply(job))
        assert order["systemOrderId"] == order["systemOrderItemId"] == job["uuid"]
        assert order["systemOrderNumber"] == job["job_number"]
        assert (order["status"], order["systemStatus"]) == (STATUSES[job["status"]], job["status"])
        assert (order["productName"], order["quantity"]) == (job["title"], 1)
        assert order["customerId"] == job["customer_uuid"]
        assert order["stockLocationId"] == job["location_uuid"]
        assert order["currency"] == "USD"
        amount = job["actual_amount"]
        if amount is None:
            amount = job["estimated_amount"]
        assert order["orderTotal"] == order["itemPrice"] == order["itemUnitPrice"] == amount
        site = order["addresses"]["shipping"]
        assert (site["street"], site["city"], site["zip"]) == (
            job["service_address1"],
            job["service_city"],
            job["service_zip"],
        )
        assert site["stateCode"] == job["service_state"]
        customer = job["customer"]
        person = f"{customer['first_name']} {customer['last_name']}"
        assert order["addresses"]["billing"]["name"] == site["name"] == person
        assert order["addresses"]["billing"].get("company") == customer["company_name"]
        assert order.get("messageToSeller") == job["customer_notes"]
        assert ("shippedAt" in order) is (job["completed_at"] is not None)
    # The seed's variety is exercised: every status, estimates and actual amounts, notes.
    assert {job["status"] for job in jobs} == set(STATUSES)
    assert any(job["actual_amount"] is None for job in jobs)
    assert any(job["actual_amount"] is not None for job in jobs)
    assert any(job["customer"]["company_name"] for job in jobs)
    assert any(job["customer_notes"] for job in jobs)
    assert any(job["deleted_at"] for job in jobs)


def _line_totals(order: dict[str, Any]) -> tuple[float, float, float]:
    lines = order.get("variants") or [order]
    price = sum(line.get("itemPrice", 0) for line in lines)
    discount = sum(line.get("orderItemDiscountAmount", 0) for line in lines)
    tax = sum(line.get("orderItemTax", 0) for line in lines)
    return round(price - discount, 2), round(tax, 2), round(price, 2)


async def test_every_invoice_becomes_an_order_of_its_lines() -> None:
    to_order = compile_template(_template("orders", "in", "invoices"))
    async with _sandbox(records=300) as c:
        customer = _data(await c.get(f"{API}/customers", params={"limit": 1}), 200)
        customer_uuid = customer["customers"][0]["uuid"]
        lines = [
            {
                "description": "Labor (per hour)",
                "quantity": 1.5,
                "unit_price": 115,
                "tax_rate": 8.25,
            },
            {"description": "Loyalty credit", "unit_price": -25},
            {"description": "Ball valve", "quantity": 2, "unit_price": 19.99, "tax_rate": 8.25},
        ]
        body = {"customer_uuid": customer_uuid, "discount_amount": 10, "line_items": lines}
        varied = _data(await c.post(f"{API}/invoices", json=body), 201)
        payment = {"invoice_uuid": varied["uuid"], "amount": 50}
        assert (await c.post(f"{API}/payments", json=payment)).status_code == 201
        empty = _data(await c.post(f"{API}/invoices", json={"customer_uuid": customer_uuid}), 201)
        invoices = await _all(c, "invoices")
    assert len(invoices) > 70
    statuses = {"Draft": "pending", "Pending": "awaitingPayment", "Overdue": "awaitingPayment"}
    for invoice in invoices:
        order = _valid(to_order.apply(invoice))
        assert order["systemOrderId"] == invoice["uuid"]
        assert order["systemOrderNumber"] == order["invoiceId"] == invoice["invoice_number"]
        status = statuses.get(invoice["status"], "paid")
        assert (order["status"], order["systemStatus"]) == (status, invoice["status"])
        assert order["orderSubTotal"] == invoice["subtotal"]
        assert order["orderTotal"] == invoice["total_amount"]
        assert order["orderTotalPaid"] == invoice["paid_amount"]
        assert order.get("orderDiscountAmount", 0) == invoice["discount_amount"]
        assert order["customerId"] == invoice["customer_uuid"]
        # The lines add up to the invoice: prices less credits to its subtotal, their tax to
        # its tax (Custom Trades rounds each line's tax to the cent, as the template does).
        subtotal, tax, _ = _line_totals(order)
        assert subtotal == invoice["subtotal"]
        assert tax == invoice["tax_amount"]
        for number, line in enumerate(order.get("variants", []), 1):
            assert line["systemOrderItemId"] == str(number)
    assert any(invoice["status"] == "Paid" for invoice in invoices)
    assert any(0 < invoice["paid_amount"] < invoice["total_amount"] for invoice in invoices)

    mapped = to_order.apply(next(i for i in invoices if i["uuid"] == varied["uuid"]))
    assert (mapped["status"], mapped["orderTotalPaid"], mapped["tax"]) == (
        "awaitingPayment",
        50,
        17.53,
    )
    assert [
        (line["productName"], line["quantity"], line["itemUnitPrice"], line["itemPrice"])
        for line in mapped["variants"]
    ] == [
        ("Labor (per hour) (1.5 x 115)", 1, 172.5, 172.5),
        ("Loyalty credit", 1, 0, 0),
        ("Ball valve", 2, 19.99, 39.98),
    ]
    assert mapped["variants"][1]["orderItemDiscountAmount"] == 25
    assert mapped["orderDiscountAmount"] == 10
    # An invoice of no lines is an order of one line of nothing.
    nothing = _valid(to_order.apply(next(i for i in invoices if i["uuid"] == empty["uuid"])))
    assert "variants" not in nothing
    assert (nothing["systemOrderItemId"], nothing["orderTotal"]) == ("1", 0)
    assert nothing["productName"] == f"Invoice {empty['invoice_number']}"


async def test_a_job_made_from_an_order_comes_back_as_its_work() -> None:
    """Out as a job and back in: the title, total, service address and status come back; each
    order status the job template sends returns as one that sends the same job status."""
    to_job = compile_template(_template("orders", "out", "create_job"))
    to_order = compile_template(_template("orders", "in", "jobs"))
    order = seed_order()
    async with _sandbox(records=5) as c:
        person = {"first_name": "Test", "last_name": "Person"}
        customer = _data(await c.post(f"{API}/customers", json=person), 201)["uuid"]
        variables = {"customerUuid": customer}
        body = to_job.apply({"rows": flatten(order)}, variables=variables)
        job = _data(await c.post(f"{API}/jobs", json=body), 201)
        listed = _data(await c.get(f"{API}/jobs", params={"limit": 1}), 200)["jobs"][0]
        assert listed["uuid"] == job["uuid"]
        back = _valid(to_order.apply(listed))
        assert back["productName"] == "Order order-1 (Amazon)"
        assert back["orderTotal"] == order["orderTotal"]
        assert back["customerId"] == customer
        assert back["addresses"]["billing"] == {"name": "Test Person"}
        shipping = order["addresses"]["shipping"]
        assert back["addresses"]["shipping"]["street"] == shipping["street"]
        assert back["addresses"]["shipping"]["zip"] == shipping["zip"]
        sent = to_job.apply({"rows": flatten({**order, **back})}, variables=variables)
        assert sent["status"] == job["status"] == "In Progress"
        for status in ("pending", "paid", "picked", "readyToShip", "shipped", "completed"):
            body = to_job.apply({"rows": flatten({**order, "status": status})}, variables=variables)
            updated = _data(await c.put(f"{API}/jobs/{job['uuid']}", json=body), 200)
            again = to_order.apply(updated)
            rows = flatten({**order, "status": again["status"]})
            assert to_job.apply({"rows": rows}, variables=variables)["status"] == body["status"]
