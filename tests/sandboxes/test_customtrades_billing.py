"""Custom Trades money resources: estimate pricing, invoice totals, payments settling their
invoice, and document numbering."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.sandboxes.test_customtrades import (
    client,
    data,
    error,
    make_app,
    new_customer,
    state_of,
    templates,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def app() -> FastAPI:
    return make_app()


async def test_estimates_price_from_templates_and_number_themselves(app: FastAPI) -> None:
    async with client(app) as c:
        customer = await new_customer(c)
        heater = (await templates(c))["Water Heater Replacement"]
        body = {
            "customer_uuid": customer["uuid"],
            "template_uuid": heater["uuid"],
            "selected_tier": "better",
            "quantity": 2,
            "selected_addons": ["haul-away"],
            "adjustments": [{"description": "Loyalty", "amount": -100}],
        }
        numbering = data(await c.get("/api/v1/numbering"))["estimate"]
        preview = data(await c.post("/api/v1/estimates/preview", json=body))
        # 2 x 1890 + 95 - 100 = 3775 taxable at 8.25 % = 311.44 (half-up)
        assert preview["base_amount"] == 3780
        assert preview["addons_amount"] == 95
        assert preview["adjustments_amount"] == -100
        assert preview["tax_amount"] == 311.44
        assert preview["total_amount"] == 4086.44
        assert preview["estimate_number"] == numbering["next_number_formatted"]
        assert data(await c.get("/api/v1/numbering"))["estimate"] == numbering  # not used up
        created = data(await c.post("/api/v1/estimates", json=body), 201)
        assert created["estimate_number"] == numbering["next_number_formatted"]
        assert created["total_amount"] == preview["total_amount"]
        assert created["template_name"] == "Water Heater Replacement"
        assert created["pricing_type"] == "tiered"
        assert created["created_by_user_id"] == state_of(app).primary.owner_id
        assert created["responded_at"] is None
        accepted = data(
            await c.put(f"/api/v1/estimates/{created['uuid']}", json={"status": "Accepted"})
        )
        assert accepted["responded_at"] == accepted["updated_at"]
        assert accepted["total_amount"] == created["total_amount"]
        cheaper = data(
            await c.put(f"/api/v1/estimates/{created['uuid']}", json={"selected_tier": "good"})
        )
        assert cheaper["base_amount"] == 2900
        for change, message in [
            ({"selected_tier": None}, "selected_tier is required for the tiered template"),
            ({"selected_addons": ["gold-plating"]}, "selected_addons has unknown add-ons"),
            ({"estimate_number": "EST-1"}, "use PUT /api/v1/numbering"),
            ({"template_uuid": customer["uuid"]}, "Estimate template not found"),
        ]:
            url = f"/api/v1/estimates/{created['uuid']}"
            assert message in error(await c.put(url, json=change), 400)


async def test_invoice_totals_payments_and_status(app: FastAPI) -> None:
    async with client(app) as c:
        customer = await new_customer(c)
        body = {
            "customer_uuid": customer["uuid"],
            "issue_date": "2025-02-18",
            "line_items": [
                {"description": "Labor", "quantity": 2, "unit_price": 115, "tax_rate": 0},
                {"description": "Fittings", "quantity": 3, "unit_price": 42.5, "tax_rate": 8.25},
            ],
            "discount_amount": 20,
        }
        preview = data(await c.post("/api/v1/invoices/preview", json=body))
        invoice = data(await c.post("/api/v1/invoices", json=body), 201)
        assert invoice["invoice_number"] == preview["invoice_number"]
        # 230 + 127.50 = 357.50; tax 8.25 % of 127.50 = 10.52; total 357.50 - 20 + 10.52
        assert invoice["subtotal"] == 357.5
        assert invoice["tax_amount"] == 10.52
        assert invoice["total_amount"] == 348.02 == preview["total_amount"]
        assert invoice["due_date"] == "2025-03-20"
        assert invoice["status"] == "Pending"
        assert [line["amount"] for line in invoice["line_items"]] == [230, 127.5]
        url = f"/api/v1/invoices/{invoice['uuid']}"
        pay = {"invoice_uuid": invoice["uuid"], "amount": 300, "payment_type": "credit_card",
               "processing_fee": 9.0}  # fmt: skip
        payment = data(await c.post("/api/v1/payments", json=pay), 201)
        assert payment["customer_uuid"] == customer["uuid"]
        assert payment["net_amount"] == 291
        assert payment["payment_number"].startswith("PAY-")
        assert payment["invoice"] == {
            "uuid": invoice["uuid"],
            "invoice_number": invoice["invoice_number"],
        }
        partly = data(await c.get(url))
        assert (partly["paid_amount"], partly["balance_amount"]) == (300, 48.02)
        assert partly["updated_at"] >= payment["updated_at"]
        too_much = error(await c.post("/api/v1/payments", json=pay), 400)
        assert too_much == "amount exceeds the invoice balance of 48.02"
        data(await c.post("/api/v1/payments", json={**pay, "amount": 48.02}), 201)
        assert data(await c.get(url))["status"] == "Paid"
        cut = {"line_items": [{"description": "Labor", "unit_price": 100}]}
        message = error(await c.put(url, json=cut), 400)
        assert message == "total_amount would be less than the 348.02 already paid on this invoice"
        data(await c.delete(f"/api/v1/payments/{payment['uuid']}"))
        reopened = data(await c.get(url))
        assert (reopened["status"], reopened["balance_amount"]) == ("Pending", 300)
        for change, message in [
            ({"due_date": "2025-01-01"}, "due_date cannot be before issue_date"),
            ({"invoice_type": "Progress"}, "progress_percentage is required for Progress"),
            ({"discount_amount": 10_000}, "discount_amount cannot exceed the subtotal"),
            ({"invoice_number": "INV-1"}, "invoice_number is assigned automatically"),
            ({"line_items": [{"unit_price": "1"}]},
             "line_items[0].description is required; line_items[0].unit_price must be a number"),
        ]:  # fmt: skip
            assert message in error(await c.put(url, json=change), 400)


async def test_payment_rules(app: FastAPI) -> None:
    async with client(app) as c:
        invoice = data(await c.get("/api/v1/invoices", params={"status": "Pending"}))["invoices"][0]
        other = await new_customer(c)
        base = {"invoice_uuid": invoice["uuid"], "amount": 1}
        for body, message in [
            ({"amount": 1}, "invoice_uuid is required"),
            ({**base, "amount": 0}, "amount must be greater than 0"),
            ({**base, "processing_fee": 2}, "processing_fee cannot exceed amount"),
            ({**base, "customer_uuid": other["uuid"]}, "customer_uuid does not match"),
            ({**base, "payment_type": "bitcoin"}, "payment_type must be one of 'credit_card'"),
            ({**base, "invoice_uuid": other["uuid"]}, "Invoice not found for invoice_uuid"),
        ]:
            assert message in error(await c.post("/api/v1/payments", json=body), 400)
        # A failed payment does not count towards the invoice.
        failed = data(await c.post("/api/v1/payments", json={**base, "status": "Failed"}), 201)
        assert failed["processed_at"] is None
        after = data(await c.get(f"/api/v1/invoices/{invoice['uuid']}"))
        assert after["paid_amount"] == invoice["paid_amount"]
        moved = {"invoice_uuid": data(await c.get("/api/v1/invoices"))["invoices"][1]["uuid"]}
        message = error(await c.put(f"/api/v1/payments/{failed['uuid']}", json=moved), 400)
        assert message.startswith("invoice_uuid cannot be changed")


async def test_numbering_settings_and_one_time_override(app: FastAPI) -> None:
    async with client(app) as c:
        shown = data(await c.get("/api/v1/numbering"))
        assert shown["invoice"]["prefix"] == "INV-"
        assert (
            shown["invoice"]["next_number_formatted"]
            == f"INV-{shown['invoice']['next_number']:04d}"
        )
        changed = await c.put(
            "/api/v1/numbering",
            json={"invoice": {"prefix": "CT-", "padding": 6, "next_number": 500}},
        )
        assert data(changed) == {"message": "Numbering settings updated successfully"}
        now = data(await c.get("/api/v1/numbering"))
        assert now["invoice"] == {
            "prefix": "CT-", "padding": 6, "next_number": 500,
            "next_number_formatted": "CT-000500", "has_override": True,
        }  # fmt: skip
        assert now["estimate"] == shown["estimate"]
        customer = await new_customer(c)
        body = {"customer_uuid": customer["uuid"]}
        first = data(await c.post("/api/v1/invoices", json=body), 201)
        second = data(await c.post("/api/v1/invoices", json=body), 201)
        assert (first["invoice_number"], second["invoice_number"]) == ("CT-000500", "CT-000501")
        assert data(await c.get("/api/v1/numbering"))["invoice"]["has_override"] is False
        taken = {"invoice": {"next_number": 500}}
        assert error(await c.put("/api/v1/numbering", json=taken), 400) == (
            "invoice.next_number CT-000500 is already in use"
        )
        bad = {"invoice": {"padding": 11}, "estimate": "EST"}
        assert error(await c.put("/api/v1/numbering", json=bad), 400) == (
            "invoice.padding must be between 0 and 10; estimate must be an object"
        )
