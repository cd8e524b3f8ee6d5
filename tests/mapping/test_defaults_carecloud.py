"""CareCloud's default templates on the CareCloud sandbox's customers: in, valid customers
records with state, consents and local times read as documented; out, bodies the sandbox
creates."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

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


LOCAL = "%Y-%m-%d %H:%M:%S"


@pytest.mark.parametrize("zone", ["Europe/Prague", "America/New_York"])
async def test_carecloud_times_are_read_in_the_zone_of_the_variable(zone: str) -> None:
    to_customers = compile_template(_template("in", "customers"))
    async with client(make_app(timezone=zone)) as c:
        page = await c.get(f"{E}/customers", headers=await login(c), params={"count": 50})
        rows: list[dict[str, Any]] = page.json()["data"]["customers"]
    offsets = set()
    for row in rows:
        local = datetime.strptime(row["last_change"], LOCAL)
        zoned = to_customers.apply(row, variables={"timeZone": zone})
        assert validate_record("customers", zoned)[1] == []
        moment = datetime.fromisoformat(zoned["updatedAt"])
        # The same wall time, with the offset the project's zone had then.
        assert moment.replace(tzinfo=None) == local
        assert moment.utcoffset() == local.replace(tzinfo=ZoneInfo(zone)).utcoffset()
        offsets.add(moment.utcoffset())
        for consent in row["personal_information"].get("consents", []):
            at = zoned["consents"][consent["consent_id"]]["updatedAt"]
            assert datetime.fromisoformat(at) == datetime.strptime(
                consent["last_change"], LOCAL
            ).replace(tzinfo=ZoneInfo(zone))
        # Without the variable (or with it empty), the wall time as it was, without an offset.
        for variables in (None, {"timeZone": ""}):
            plain = to_customers.apply(row, variables=variables)
            assert plain["updatedAt"] == row["last_change"].replace(" ", "T")
    assert len(offsets) == 2  # the seed's times span summer and winter


def test_carecloud_birth_dates_before_the_year_1000_get_four_digits() -> None:
    to_customers = compile_template(_template("in", "customers"))
    row: dict[str, Any] = {"customer_id": "c1", "state": 1, "personal_information": {}}
    for given, expected in [
        ("985-02-12", "0985-02-12"),
        ("85-02-12", "0085-02-12"),
        ("1985-02-12", "1985-02-12"),
        (None, None),
    ]:
        row["personal_information"]["birthdate"] = given
        customer = to_customers.apply(row)
        assert customer.get("birthDate") == expected
        assert validate_record("customers", customer)[1] == []
