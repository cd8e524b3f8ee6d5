"""CareCloud sandbox: customer source records (``GET /customer-source-records`` and
``GET /customers/{customer_id}/customer-source-records``) on both interfaces: one record per
customer, seeded and created, its filters (``external_ids[]`` over the deprecated
``external_id``), paging, sorting, CareCloud's 400s and authentication."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandboxes.test_carecloud_support import (
    EN,
    C,
    E,
    assert_spec,
    client,
    customer_login,
    device_token,
    first_active,
    login,
    make_app,
    new_customer,
    source_id,
)

pytestmark = pytest.mark.anyio
LIST = "GET /customer-source-records"
OWN = "GET /customers/{customer_id}/customer-source-records"


async def records(c: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = await c.get(f"{E}/customer-source-records", headers=headers, params=params)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = assert_spec(LIST, r)["data"]
    return data


def external(data: dict[str, Any]) -> list[str | None]:
    return [x.get("external_id") for x in data["customer_source_records"]]


def seeded(app: Any) -> list[Any]:
    state = app.state.sandbox.state
    with state.lock:
        return list(state.customer_list)


async def test_every_customer_has_one_source_record_as_it_was_seeded() -> None:
    app = make_app()
    async with client(app) as c:
        headers = await login(c)
        found = await records(c, headers, count=250)
    rows = found["customer_source_records"]
    assert found["total_items"] == len(rows) == 250
    customers = seeded(app)
    # Creation order, like customers; one record each, with the customer's source.
    assert [x["customer_id"] for x in rows] == [c.customer_id for c in customers]
    for row, customer in zip(rows, customers, strict=True):
        assert row["customer_source_id"] == customer.source_id
        assert row.get("external_id") == customer.external_id
        assert row["last_change"] == customer.last_change
    assert len({x["customer_source_record_id"] for x in rows}) == 250
    assert all(len(x["customer_source_record_id"]) == 26 for x in rows)
    # Two of the three seed sources carry external ids; a record without one leaves it out.
    assert 0 < sum("external_id" not in x for x in rows) < 250


async def test_record_ids_are_stable_for_a_seed() -> None:
    async with client(make_app()) as one, client(make_app()) as two:
        first = await records(one, await login(one), count=20)
        second = await records(two, await login(two), count=20)
    assert first == second


async def test_filters_and_external_ids_over_the_deprecated_external_id() -> None:
    app = make_app()
    with_external = [c for c in seeded(app) if c.external_id]
    a, b, d = with_external[:3]
    async with client(app) as c:
        headers = await login(c)
        both = await records(c, headers, **{"external_ids[]": [b.external_id, a.external_id]})
        assert external(both) == [a.external_id, b.external_id]  # creation order
        assert both["total_items"] == 2
        indexed = await records(c, headers, **{"external_ids[0]": a.external_id})
        assert external(indexed) == [a.external_id]
        # external_ids takes priority; external_id is ignored when both are given.
        wins = await records(
            c, headers, external_id=d.external_id, **{"external_ids[]": [a.external_id]}
        )
        assert external(wins) == [a.external_id]
        alone = await records(c, headers, external_id=d.external_id)
        assert external(alone) == [d.external_id]
        assert (await records(c, headers, **{"external_ids[]": "missing"}))["total_items"] == 0

        # Scoped to a source: the record matches its own source only.
        scoped = await records(
            c, headers, customer_source_id=a.source_id, **{"external_ids[]": a.external_id}
        )
        assert external(scoped) == [a.external_id]
        other = next(s for s in app.state.sandbox.state.catalog.sources if s != a.source_id)
        none = await records(
            c, headers, customer_source_id=other, **{"external_ids[]": a.external_id}
        )
        assert none == {"customer_source_records": [], "total_items": 0}

        by_source = await records(c, headers, customer_source_id=a.source_id, count=250)
        expected = [x.customer_id for x in seeded(app) if x.source_id == a.source_id]
        assert [x["customer_id"] for x in by_source["customer_source_records"]] == expected
        by_customer = await records(c, headers, customer_id=d.customer_id)
        assert [x["customer_id"] for x in by_customer["customer_source_records"]] == [d.customer_id]
        assert (await records(c, headers, customer_id="nobody"))["total_items"] == 0
        # Parameters the spec does not define are ignored.
        assert (await records(c, headers, email="x@example.com"))["total_items"] == 250


async def test_paging_and_sorting() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        first = await records(c, headers)
        assert len(first["customer_source_records"]) == 100  # the default count
        seen: list[str] = []
        for offset in range(0, 250, 60):
            page = await records(c, headers, count=60, offset=offset)
            assert page["total_items"] == 250
            seen += [x["customer_source_record_id"] for x in page["customer_source_records"]]
        assert len(seen) == len(set(seen)) == 250
        assert (await records(c, headers, offset=250))["customer_source_records"] == []

        for field in ("customer_source_record_id", "customer_id", "last_change"):
            up = await records(c, headers, sort_field=field, count=250)
            values = [x[field] for x in up["customer_source_records"]]
            assert values == sorted(values)
            down = await records(c, headers, sort_field=field, sort_direction="DESC", count=5)
            assert [x[field] for x in down["customer_source_records"]] == values[::-1][:5]
        up = await records(c, headers, sort_field="external_id", count=250)
        ids = [x.get("external_id") or "" for x in up["customer_source_records"]]
        assert ids == sorted(ids)  # records without one first
        # Without a sort field, DESC is the creation order reversed.
        newest = await records(c, headers, sort_direction="DESC", count=1)
        last = await records(c, headers, offset=249, count=1)
        assert newest["customer_source_records"] == last["customer_source_records"]


@pytest.mark.parametrize(
    ("params", "name", "reason"),
    [
        ({"count": "0"}, "count", "not_allowed_value"),
        ({"count": "many"}, "count", "invalid_value_format"),
        ({"offset": "-1"}, "offset", "not_allowed_value"),
        ({"sort_field": "personal_information"}, "sort_field", "not_allowed_value"),
        ({"sort_direction": "asc"}, "sort_direction", "not_allowed_value"),
        ({"external_ids": "EXT00000001"}, "external_ids", "invalid_value_format"),
        ({"external_ids[]": [str(n) for n in range(1001)]}, "external_ids", "not_allowed_value"),
    ],
)  # fmt: skip
async def test_bad_parameters_are_400(params: dict[str, Any], name: str, reason: str) -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        customer_id = (await first_active(c, headers))["customer_id"]
        for path, operation in (
            (f"{E}/customer-source-records", LIST),
            (f"{E}/customers/{customer_id}/customer-source-records", OWN),
        ):
            r = await c.get(path, headers=headers, params=params)
            assert r.status_code == 400, r.text
            [problem] = assert_spec(operation, r)["error"]["error_data"]["invalid_params"]
            assert (problem["name"], problem["reason"]) == (name, reason)


async def test_every_problem_comes_in_one_400() -> None:
    async with client(make_app()) as c:
        r = await c.get(
            f"{E}/customer-source-records",
            headers=await login(c),
            params={"count": "0", "external_ids": "x", "sort_direction": "UP"},
        )
        error = assert_spec(LIST, r)["error"]
    assert r.status_code == 400
    assert error["type"] == "invalid_parameters_exception"
    names = [p["name"] for p in error["error_data"]["invalid_params"]]
    assert sorted(names) == ["count", "external_ids", "sort_direction"]


async def test_a_created_customer_has_its_source_record_until_it_changes() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        source = await source_id(c)
        # The index by external id is built by a first filtered read, before the create.
        assert (await records(c, headers, **{"external_ids[]": "WEB-1"}))["total_items"] == 0
        await c.post("/_sandbox/clock/advance", json={"seconds": 3600})
        r = await c.post(f"{E}/customers", headers=headers, json=new_customer(source))
        customer_id = r.json()["data"]["customer_id"]
        r = await c.get(f"{E}/customers/{customer_id}", headers=headers)
        created_at = r.json()["data"]["last_change"]
        wanted = {"customer_source_id": source, "customer_id": customer_id}
        found = await records(c, headers, customer_source_id=source, **{"external_ids[]": "WEB-1"})
        [record] = found["customer_source_records"]
        assert {**record, **wanted, "external_id": "WEB-1"} == record
        assert record["last_change"] == created_at
        assert (await records(c, headers))["total_items"] == 251

        # A change to the customer is no change to its source record.
        await c.post("/_sandbox/clock/advance", json={"seconds": 60})
        body = new_customer(source)
        body.pop("customer_source")
        r = await c.put(f"{E}/customers/{customer_id}", headers=headers, json=body)
        assert r.status_code == 204, r.text
        r = await c.get(f"{E}/customers/{customer_id}/customer-source-records", headers=headers)
        unchanged = {"customer_source_records": [record], "total_items": 1}
        assert assert_spec(OWN, r)["data"] == unchanged

        # Without an external id the record has none.
        body = new_customer(source, email="second@example.com")
        body["customer_source"] = {"customer_source_id": source}
        r = await c.post(f"{E}/customers", headers=headers, json=body)
        second = r.json()["data"]["customer_id"]
        [record] = (await records(c, headers, customer_id=second))["customer_source_records"]
        assert "external_id" not in record


async def test_one_customers_records() -> None:
    app = make_app()
    customer = next(c for c in seeded(app) if c.external_id)
    path = f"{E}/customers/{customer.customer_id}/customer-source-records"
    async with client(app) as c:
        headers = await login(c)
        r = await c.get(path, headers=headers)
        [record] = assert_spec(OWN, r)["data"]["customer_source_records"]
        assert (record["customer_id"], record["external_id"]) == (
            customer.customer_id,
            customer.external_id,
        )
        # Filters narrow the one customer's records; customer_id is no filter here.
        r = await c.get(path, headers=headers, params={"external_ids[]": "other"})
        assert r.json()["data"] == {"customer_source_records": [], "total_items": 0}
        r = await c.get(path, headers=headers, params={"customer_id": "someone-else"})
        assert r.json()["data"]["total_items"] == 1
        r = await c.get(path, headers=headers, params={"customer_source_id": customer.source_id})
        assert r.json()["data"]["total_items"] == 1

        r = await c.get(f"{E}/customers/0000/customer-source-records", headers=headers)
        error = assert_spec(OWN, r)["error"]
        assert r.status_code == 404
        assert error["error_data"] == {"resource_name": "customers", "resource_id": "0000"}
        r = await c.post(path, headers=headers, json={})
        assert r.status_code == 501  # adding a source record is not emulated


async def test_authentication_on_both_interfaces() -> None:
    app = make_app()
    async with client(app) as c:
        headers = await login(c)
        someone = await first_active(c, headers)
        mine = someone["customer_id"]
        for path, operation in (
            ("/customer-source-records", LIST),
            (f"/customers/{mine}/customer-source-records", OWN),
        ):
            r = await c.get(f"{E}{path}", headers=EN)
            assert r.status_code == 401
            assert assert_spec(operation, r)["error"]["type"] == "unauthorized_exception"
            r = await c.get(f"{E}{path}", headers={**EN, "Authorization": "Bearer nope"})
            assert r.status_code == 401
            # A device token with no customer logged in.
            token = await device_token(c, device_id=f"idle-{operation}")
            r = await c.get(f"{C}{path}", headers={**EN, "Authorization": f"Bearer {token}"})
            assert r.status_code == 403
            error = assert_spec(operation, r)["error"]
            assert error["type"] == "customer_not_logged_in_exception"

        _, own = await customer_login(c, someone["personal_information"]["email"])
        # The customer interface lists the logged-in customer's records only.
        r = await c.get(f"{C}/customer-source-records", headers=own, params={"count": 250})
        rows = assert_spec(LIST, r)["data"]["customer_source_records"]
        assert [x["customer_id"] for x in rows] == [mine]
        r = await c.get(f"{C}/customers/{mine}/customer-source-records", headers=own)
        assert [x["customer_id"] for x in assert_spec(OWN, r)["data"]["customer_source_records"]]
        other = next(c.customer_id for c in seeded(app) if c.customer_id != mine)
        r = await c.get(f"{C}/customers/{other}/customer-source-records", headers=own)
        assert r.status_code == 400
        [problem] = assert_spec(OWN, r)["error"]["error_data"]["invalid_params"]
        assert problem["reason"] == "not_belong_to_logged_in_customer"
        r = await c.get(f"{C}/customer-source-records", headers=own, params={"customer_id": other})
        assert r.json()["data"] == {"customer_source_records": [], "total_items": 0}
