"""CareCloud's default templates on the CareCloud sandbox's customers: in, valid customers
records with state and consents read as documented; out, bodies the sandbox creates."""

from __future__ import annotations

from typing import Any

import pytest

from crossdock.mapping.cml import compile_template
from crossdock.mapping.defaults import default_template
from crossdock.records.schemas import validate_record
from tests.sandboxes.test_carecloud_support import E, client, login, make_app, source_id

pytestmark = pytest.mark.anyio


def _template(direction: str, name: str) -> str:
    text = default_template("carecloud", "customers", direction, name)  # type: ignore[arg-type]
    assert text is not None
    return text


async def test_carecloud_customers_in_and_out_again() -> None:
    to_customers = compile_template(_template("in", "customers"))
    to_carecloud = compile_template(_template("out", "create_customer"))
    async with client(make_app()) as c:
        headers = await login(c)
        page = await c.get(f"{E}/customers", headers=headers, params={"count": 100})
        assert page.status_code == 200, page.text
        rows: list[dict[str, Any]] = page.json()["data"]["customers"]
        customers = []
        for row in rows:
            customer = to_customers.apply(row)
            validated, errors = validate_record("customers", customer)
            assert errors == [], (row, customer)
            assert validated is not None
            assert customer["active"] is (row["state"] == 1)
            assert customer["deleted"] is (row["state"] == 0)
            agreement = row["personal_information"].get("agreement", {})
            if "agreement_gtc" in agreement:
                want = {0: "denied", 1: "granted", 2: "unknown"}[agreement["agreement_gtc"]]
                assert customer["consents"]["gtc"]["status"] == want
            customers.append(customer)
        assert {c["active"] for c in customers} == {True, False}
        source = await source_id(c)
        created = 0
        for customer in customers:
            if not customer["active"] or "email" not in customer:
                continue
            # A new email: CareCloud refuses a second customer with an email in use.
            fresh = {**customer, "email": f"copy.{customer['email']}"}
            body = to_carecloud.apply(fresh, variables={"customerSourceId": source})
            r = await c.post(f"{E}/customers", headers=headers, json=body)
            assert r.status_code == 201, (body, r.text)
            new_id = r.json()["data"]["customer_id"]
            back = await c.get(f"{E}/customers/{new_id}", headers=headers)
            again = to_customers.apply(back.json()["data"])
            for field in ("firstName", "lastName", "birthDate", "gender", "addresses"):
                assert again.get(field) == customer.get(field), field
            created += 1
        assert created > 10
