"""CML on the shapes default templates will map, with records from the vendors' sandboxes: CRO
customers into Crossdock's ``customers`` records, Cropster green lots into ``stock`` records
(both validated by the record schemas), and the seed's order into a Custom Trades job and
invoice that the Custom Trades sandbox accepts. Sketches of the default templates to come."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from crossdock.records.schemas import validate_record
from crossdock.sandboxes.cro import CroConfig
from crossdock.sandboxes.cro import create_app as cro_app
from crossdock.sandboxes.cropster.seed import generate
from crossdock.sandboxes.customtrades import CustomTradesConfig
from crossdock.sandboxes.customtrades import create_app as customtrades_app
from tests.mapping.cml_helpers import program, seed_order

pytestmark = pytest.mark.anyio

CRO_CUSTOMER = """
cml: 1
description: A CRO Software customer (a GET /customers row) as a Crossdock customers record.
output:
  merchantCustomerId: {from: $.customer_id, to: text}
  externalIds: {object: {cro: {from: $.customer_id, to: text}}}
  name: {if: $.name, then: $.name}
  isCommercial: $.is_commercial
  active: $.is_active
  storeId: {from: $.location_id, to: text}
  parentCustomerId: {from: $.parent_id, to: text}
  referenceNumber: {from: $.reference_number, to: text}
  salesRep: $.sales_rep
  salesRepId: {from: $.sales_rep_id, to: text}
  notes: {if: $.note, then: $.note}
  createdAt: {from: $.created_on, date: iso}
  updatedAt: {from: $.last_updated_on, date: iso}
  addresses:
    each: $.addresses
    key: $.id
    output:
      object:
        street: $.line_1
        extra1: $.line_2
        extra2: $.line_3
        extra3: $.line_4
        city: $.locality
        state: $.region
        zip: $.postcode
        country: {from: $.country, case: upper}
        latitude: $.latitude
        longitude: $.longitude
        isBilling: $.is_billing
        isShipping: $.is_shipping
        isPhysical: $.is_physical
        active: $.is_active
  contacts:
    each: $.contacts
    key: $.id
    output:
      object:
        name: {if: $.name, then: $.name}
        email: {if: $.email, then: $.email}
        phone: {if: $.number, then: $.number}
        fax: {if: $.fax, then: $.fax}
        notifyOn:
          object:
            newRequest: $.notify_on_new_request
            acknowledgedRequest: $.notify_on_acknowledged_request
            dispatchedRequest: $.notify_on_dispatched_request
            completedRequest: $.notify_on_completed_request
            failedRequest: $.notify_on_failed_request
  metaFields:
    object:
      renewalDate: $.renewal_date
      suspensionId: $.suspension_id
"""

CROPSTER_GREEN_LOT = """
cml: 1
description: A Cropster green lot as a Crossdock stock record, in whole grams per location.
computed:
  grams: {from: $.weight.amount, convert: {from: $.weight.unit, to: g}, round: 0}
output:
  merchantProductId: {first: [$.externalId, $.id]}
  merchantVariantId: $.id
  sku: {first: [$.externalId, $.id]}
  stockQuantity: $computed.grams
  stockQuantities:
    each: {list: [$.location]}
    key: {first: [$.externalId, $.id]}
    output: $computed.grams
  available: {from: $computed.grams, gt: 0}
"""

ORDER_TO_JOB_AND_INVOICE = """
cml: 1
description: A Crossdock order as a Custom Trades job and the invoice for it.
variables:
  customerUuid: null
  jobUuid: null
tables:
  jobStatus:
    pending: New
    paid: Scheduled
    readyToShip: Scheduled
    partiallyShipped: In Progress
    shipped: Complete
    completed: Complete
    cancelled: Complete
output:
  job:
    object:
      customer_uuid: {from: $variables.customerUuid, required: true}
      title: "Order {$.systemOrderNumber} ({$.saleChannel})"
      description:
        each: $.variants
        output: "{$.quantity} x {$.productName} ({$.variantName})"
        join: "\\n"
      status: {from: $.status, lookup: jobStatus, default: New}
      customer_notes: $.messageToSeller
      internal_notes: $.shippingMessage
      service_address1: $.addresses.shipping.street
      service_address2: $.addresses.shipping.extra1
      service_city: $.addresses.shipping.city
      service_zip: $.addresses.shipping.zip
      estimated_amount: {from: $.orderTotal, currency: $.currency}
      scheduled_date: {from: $.createdAt, date: date}
  invoice:
    object:
      customer_uuid: {from: $variables.customerUuid, required: true}
      job_uuid: $variables.jobUuid
      issue_date: {from: $.createdAt, date: date}
      notes: "{$.systemOrderNumber}: {$.originalOrderId}"
      discount_amount: {from: $.orderDiscountAmount, currency: $.currency}
      line_items:
        each: $.variants
        output:
          object:
            description: "{$.sku}: {$.productName} ({$.variantName})"
            quantity: $.quantity
            unit_price: {from: $.itemUnitPrice, currency: $record.currency}
            tax_rate: {from: $record.taxRate, default: 0}
"""


async def test_cro_customers_become_valid_customers_records() -> None:
    app = cro_app(CroConfig(records=120, token=None, tenant_id=None, seed=3))
    state = app.state.sandbox.state
    headers = {"authorization": f"bearer {state.token}", "x-tenant-id": str(state.tenant_id)}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as c:
        rows = (await c.get("/customers", headers=headers, params={"page_limit": 120})).json()
    mapping = program(CRO_CUSTOMER)
    for row in rows["results"]:
        customer = mapping.apply(row)
        validated, errors = validate_record("customers", customer)
        assert errors == [], (row, customer)
        assert validated is not None
        assert customer["merchantCustomerId"] == str(row["customer_id"])
        assert set(customer["addresses"]) == {str(a["id"]) for a in row["addresses"]}
        for contact in row["contacts"]:
            mapped = customer["contacts"][str(contact["id"])]
            assert mapped["notifyOn"]["newRequest"] is contact["notify_on_new_request"]
            assert ("email" in mapped) == bool(contact["email"])


def test_cropster_green_lots_become_valid_stock_records() -> None:
    lots = [json.loads(lot.to_json()) for lot in generate(seed=1, records=60).green]
    mapping = program(CROPSTER_GREEN_LOT)
    for lot in lots:
        stock = mapping.apply(lot)
        validated, errors = validate_record("stock", stock)
        assert errors == [], (lot, stock)
        assert validated is not None
    documented = mapping.apply(lots[0])  # the vendor's own sample: 12.5 KG
    assert documented == {
        "merchantProductId": "green-lot-9876",
        "merchantVariantId": "550e8400-e29b-41d4-a716-446655440000",
        "sku": "green-lot-9876",
        "stockQuantity": 12500,
        "stockQuantities": {"location-1234": 12500},
        "available": True,
    }


async def test_the_seed_order_becomes_a_custom_trades_job_and_invoice() -> None:
    app = customtrades_app(CustomTradesConfig(seed=1, records=5, api_key="ctc_live_cml"))
    mapping = program(ORDER_TO_JOB_AND_INVOICE)
    order = seed_order()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://ct",
        headers={"Authorization": "Bearer ctc_live_cml"},
    ) as c:
        customer = await c.post("/api/v1/customers", json={"first_name": "Test", "last_name": "P"})
        assert customer.status_code == 201, customer.text
        variables = {"customerUuid": customer.json()["data"]["uuid"]}
        job_body = mapping.apply(order, variables=variables)["job"]
        job = await c.post("/api/v1/jobs", json=job_body)
        assert job.status_code == 201, job.text
        created: dict[str, Any] = job.json()["data"]
        assert created["status"] == "In Progress"
        assert (
            created["description"] == "2 x My Product (Green / S)\n2 x My Other Product (Blue / S)"
        )
        variables["jobUuid"] = created["uuid"]
        invoice_body = mapping.apply(order, variables=variables)["invoice"]
        preview = await c.post("/api/v1/invoices/preview", json=invoice_body)
    assert preview.status_code == 200, preview.text
    totals = preview.json()["data"]
    # Two lines of 2 x 25 with 10% tax, less the order's discount of 2.
    assert (totals["subtotal"], totals["tax_amount"], totals["total_amount"]) == (100, 10, 108)
    assert totals["job_uuid"] == created["uuid"]
