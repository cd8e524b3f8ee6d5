"""CRO Software's default templates on the CRO sandbox's own customers: in, they are valid
customers records; out again, the sandbox creates them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from crossdock.mapping.cml import compile_template
from crossdock.mapping.defaults import default_template
from crossdock.records.schemas import validate_record
from crossdock.sandboxes.cro import CroConfig
from crossdock.sandboxes.cro import create_app as cro_app

pytestmark = pytest.mark.anyio


def _template(sync_type: str, direction: str, name: str) -> str:
    text = default_template("cro", sync_type, direction, name)  # type: ignore[arg-type]
    assert text is not None
    return text


async def _rows(seed: int, count: int, version: str) -> list[dict[str, Any]]:
    app = cro_app(CroConfig(records=count, token=None, tenant_id=None, seed=seed))
    state = app.state.sandbox.state
    headers = {
        "authorization": f"bearer {state.token}",
        "x-tenant-id": str(state.tenant_id),
        "x-api-version": version,
    }
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cro") as c:
        page = await c.get("/customers", headers=headers, params={"page_limit": count})
    assert page.status_code == 200, page.text
    rows: list[dict[str, Any]] = page.json()["results"]
    return rows


@pytest.mark.parametrize("version", ["2019/02/08", "2023/04/19"])
async def test_cro_customers_become_valid_customers_records(version: str) -> None:
    mapping = compile_template(_template("customers", "in", "customers"))
    rows = await _rows(seed=3, count=150, version=version)
    for row in rows:
        customer = mapping.apply(row)
        validated, errors = validate_record("customers", customer)
        assert errors == [], (row, customer)
        assert validated is not None
        row_id = str(row.get("id", row.get("customer_id")))
        assert customer["merchantCustomerId"] == row_id
        assert customer["externalIds"] == {"cro": row_id}
        assert customer["active"] is row["is_active"]
        assert set(customer["addresses"]) == {str(a["id"]) for a in row["addresses"]}
        for address in row["addresses"]:
            mapped = customer["addresses"][str(address["id"])]
            assert mapped["street"] == address["line_1"]
            assert mapped["isBilling"] is address["is_billing"]
            assert mapped["isShipping"] is address["is_shipping"]
        for contact in row["contacts"]:
            got = customer["contacts"][str(contact["id"])]
            assert got["notifyOn"]["failedRequest"] is contact["notify_on_failed_request"]
            assert got.get("email") == (contact["email"].split(",")[0].strip() or None)
    # The seed writes empty emails and absent countries now and then: both are exercised.
    assert any(not c["email"] for row in rows for c in row["contacts"])


async def test_cro_customers_go_back_to_cro_as_new_customers() -> None:
    """CRO -> customers -> CRO: each customer of one tenant is created in a fresh sandbox."""
    to_customers = compile_template(_template("customers", "in", "customers"))
    to_cro = compile_template(_template("customers", "out", "create_customer"))
    customers = [
        to_customers.apply(row) for row in await _rows(seed=5, count=40, version="2023/04/19")
    ]
    app = cro_app(CroConfig(records=5, token=None, tenant_id=None, seed=11))
    state = app.state.sandbox.state
    headers = {"authorization": f"bearer {state.token}", "x-tenant-id": str(state.tenant_id)}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cro", headers=headers) as c:
        location = (await c.get("/locations")).json()["results"][0]["id"]
        for customer in customers:
            body = to_cro.apply(customer)
            created = await c.post(f"/locations/{location}/customers", json=body)
            assert created.status_code == 201, (body, created.text)
            row = created.json()
            assert row["name"] == customer["name"]
            assert any(a["is_billing"] for a in row["addresses"])
            assert any(a["is_shipping"] for a in row["addresses"])
            assert len(row["contacts"]) == len(customer["contacts"])


async def test_a_customer_from_elsewhere_gets_cros_required_address_flags_and_contact() -> None:
    """A customer with one unflagged address and no contacts (as CareCloud's would be)."""
    customer = {
        "merchantCustomerId": "c-1",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
        "phone": "+44 20 7946 0000",
        "addresses": {
            "main": {
                "street": "12 St James's Sq.",
                "city": "London",
                "zip": "SW1Y 4LB",
                "state": "England",
                "country": "GB",
            },
        },
    }
    body = compile_template(_template("customers", "out", "create_customer")).apply(customer)
    assert body["name"] == "Ada Lovelace"
    assert body["addresses"][0]["is_billing"] is body["addresses"][0]["is_shipping"] is True
    assert body["contacts"] == [
        {"name": "Ada Lovelace", "email": "ada@example.com", "number": "+44 20 7946 0000"}
    ]
    app = cro_app(CroConfig(records=5, token=None, tenant_id=None, seed=1))
    state = app.state.sandbox.state
    headers = {"authorization": f"bearer {state.token}", "x-tenant-id": str(state.tenant_id)}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cro", headers=headers) as c:
        location = (await c.get("/locations")).json()["results"][0]["id"]
        created = await c.post(f"/locations/{location}/customers", json=body)
    assert created.status_code == 201, created.text
