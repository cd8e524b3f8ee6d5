"""CareCloud sandbox: customers (list, filters, sorting, POST, PUT), stores and consents."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.sandboxes.test_carecloud_support import (
    EN,
    C,
    E,
    assert_spec,
    client,
    device_token,
    login,
    make_app,
    new_customer,
    source_id,
)

pytestmark = pytest.mark.anyio
LIST = "GET /customers"
GET = "GET /customers/{customer_id}"
POST = "POST /customers"
PUT = "PUT /customers/{customer_id}"


async def customers(c: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = await c.get(f"{E}/customers", headers=headers, params=params)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = assert_spec(LIST, r)["data"]
    return data


async def test_default_page_is_100_and_pages_cover_every_record_once() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        first = await customers(c, headers)
        assert first["total_items"] == 250
        assert len(first["customers"]) == 100
        seen = [x["customer_id"] for x in first["customers"]]
        for offset in (100, 200):
            page = await customers(c, headers, offset=offset, count=100)
            seen += [x["customer_id"] for x in page["customers"]]
        assert len(seen) == len(set(seen)) == 250
        assert (await customers(c, headers, offset=250))["customers"] == []
        assert len((await customers(c, headers, count=7, offset=3))["customers"]) == 7
        huge = await customers(c, headers, offset=10**30, count=10**30)
        assert huge == {"customers": [], "total_items": 250}


@pytest.mark.parametrize(
    ("params", "name", "reason"),
    [
        ({"count": "0"}, "count", "not_allowed_value"),
        ({"count": "ten"}, "count", "invalid_value_format"),
        ({"count": "9" * 5000}, "count", "invalid_value_format"),
        ({"offset": "-1"}, "offset", "not_allowed_value"),
        ({"sort_field": "personal_information"}, "sort_field", "not_allowed_value"),
        ({"sort_direction": "desc"}, "sort_direction", "not_allowed_value"),
        ({"email_list": "a@example.com"}, "email_list", "invalid_value_format"),
        ({"birthdate": "1985-13-45"}, "birthdate", "invalid_value_format"),
        ({"customer_short_salutation": "maybe"}, "customer_short_salutation",
         "invalid_value_format"),
    ],
)  # fmt: skip
async def test_bad_list_parameters_are_400(params: dict[str, str], name: str, reason: str) -> None:
    async with client(make_app()) as c:
        r = await c.get(f"{E}/customers", headers=await login(c), params=params)
        error = assert_spec(LIST, r)["error"]
        assert r.status_code == 400
        assert error["error_data"]["invalid_params"][0]["name"] == name
        assert error["error_data"]["invalid_params"][0]["reason"] == reason


async def test_sorting_by_last_change_both_ways() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        asc = await customers(c, headers, sort_field="last_change", count=250)
        desc = await customers(c, headers, sort_field="last_change", sort_direction="DESC")
        stamps = [x["last_change"] for x in asc["customers"]]
        assert stamps == sorted(stamps)
        assert [x["last_change"] for x in desc["customers"]] == sorted(stamps, reverse=True)[:100]
        by_id = await customers(c, headers, sort_field="customer_id", count=250)
        ids = [x["customer_id"] for x in by_id["customers"]]
        assert ids == sorted(ids)


async def test_filters() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        rows = (await customers(c, headers, count=250))["customers"]
        target = next(
            x for x in rows if {"email", "birthdate", "phone"} <= set(x["personal_information"])
        )
        info = target["personal_information"]
        result = await customers(c, headers, email=info["email"].upper())
        assert [x["customer_id"] for x in result["customers"]] == [target["customer_id"]]
        others = [x for x in rows if "email" in x["personal_information"]][:3]
        emails = [x["personal_information"]["email"] for x in others]
        result = await customers(c, headers, **{"email_list[]": emails})
        assert result["total_items"] == 3
        ids = [x["customer_id"] for x in rows[5:9]]
        result = await customers(c, headers, **{"customer_ids[]": [*ids, "missing"]})
        assert sorted(x["customer_id"] for x in result["customers"]) == sorted(ids)
        year, month, day = info["birthdate"].split("-")
        for birthdate in (info["birthdate"], f"{day}.{month}.{year}"):
            result = await customers(
                c, headers, birthdate=birthdate, first_name=info["first_name"].lower()
            )
            assert target["customer_id"] in [x["customer_id"] for x in result["customers"]]
            assert all(
                x["personal_information"]["birthdate"] == info["birthdate"]
                for x in result["customers"]
            )
        result = await customers(c, headers, phone=info["phone"], last_name=info["last_name"])
        assert target["customer_id"] in [x["customer_id"] for x in result["customers"]]
        source = await source_id(c)
        by_source = await customers(c, headers, customer_source_id=source, count=250)
        assert 0 < by_source["total_items"] < 250
        none = await customers(c, headers, email="nobody@example.com", first_name="X")
        assert none == {"customers": [], "total_items": 0}
        # Parameters the spec does not define (there is no change-date filter) are ignored.
        ignored = await customers(c, headers, last_change_from="2030-01-01 00:00:00")
        assert ignored["total_items"] == 250


async def test_create_then_read_back() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        body = new_customer(await source_id(c))
        r = await c.post(f"{E}/customers", headers=headers, json=body)
        created = assert_spec(POST, r)["data"]
        assert r.status_code == 201
        r = await c.get(f"{E}/customers/{created['customer_id']}", headers=headers)
        record = assert_spec(GET, r)["data"]
        info = record["personal_information"]
        assert record["state"] == 1
        assert info["salutation"] == "Vážená paní Novak"  # generated, in the customer's language
        assert info["email"] == "new.customer@example.com"
        assert info["address"]["address2"] == "12"
        assert info["address"]["country_code"] == ""
        assert "store_id" not in info
        assert info["agreement"] == {
            "agreement_gtc": 2,
            "agreement_profiling": 2,
            "agreement_marketing_communication": 2,
            "custom_agreements": [],
        }
        status = (await c.get("/_sandbox/")).json()
        assert status["counts"]["customers"] == 251
        r = await c.get(
            f"{E}/customers/{created['customer_id']}",
            headers=headers,
            params={"customer_short_salutation": "true"},
        )
        assert (
            assert_spec(GET, r)["data"]["personal_information"]["salutation"] == "Dobrý den, Jana"
        )


async def test_consents_and_the_deprecated_agreement() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        agreements = (await c.get(f"{E}/agreements", headers=headers)).json()["data"]["agreements"]
        ids = {a["text_id"]: a["agreement_id"] for a in agreements}
        body = new_customer(
            await source_id(c),
            agreement={
                "agreement_gtc": 1,
                "agreement_profiling": 0,
                "custom_agreements": [{"agreement_id": ids["sms_marketing"], "agreement_value": 1}],
            },
        )
        created = (await c.post(f"{E}/customers", headers=headers, json=body)).json()["data"]
        record = (await c.get(f"{E}/customers/{created['customer_id']}", headers=headers)).json()
        info = record["data"]["personal_information"]
        assert info["agreement"]["agreement_gtc"] == 1
        assert info["agreement"]["agreement_profiling"] == 0
        assert info["agreement"]["agreement_marketing_communication"] == 2
        assert info["agreement"]["custom_agreements"] == [
            {"agreement_id": ids["sms_marketing"], "agreement_value": 1}
        ]
        # consents takes effect over agreement when both are sent.
        info["consents"] = [{"consent_id": ids["profiling"], "consent_value": 1}]
        put = {"customer": {"personal_information": info}}
        r = await c.put(f"{E}/customers/{created['customer_id']}", headers=headers, json=put)
        assert r.status_code == 204
        record = (await c.get(f"{E}/customers/{created['customer_id']}", headers=headers)).json()
        info = record["data"]["personal_information"]
        assert [(x["consent_id"], x["consent_value"]) for x in info["consents"]] == [
            (ids["profiling"], 1)
        ]
        assert info["agreement"]["agreement_gtc"] == 2


async def test_create_validation_reports_every_problem() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        existing = (await customers(c, headers, count=250))["customers"]
        taken = next(x for x in existing if "email" in x["personal_information"])
        body = new_customer(
            "no-such-source",
            email=taken["personal_information"]["email"],
            gender=9,
            phone="+420777",
            birthdate="12.02.1985",
            store_id="no-such-store",
            language_id="xx",
            first_name=42,
        )
        body["autologin"] = True
        r = await c.post(f"{E}/customers", headers=headers, json=body)
        error = assert_spec(POST, r)["error"]
        found = {(p["name"], p["reason"]) for p in error["error_data"]["invalid_params"]}
        pi = "customer.personal_information"
        assert found == {
            (f"{pi}.email", "already_exists"),
            (f"{pi}.gender", "not_allowed_value"),
            (f"{pi}.phone", "invalid_value_format"),
            (f"{pi}.birthdate", "invalid_value_format"),
            (f"{pi}.store_id", "not_found"),
            (f"{pi}.language_id", "not_found"),
            (f"{pi}.first_name", "invalid_value_format"),
            ("customer_source.customer_source_id", "not_found"),
            ("password", "required"),
        }
        r = await c.post(f"{E}/customers", headers=headers, json={"customer": {}})
        found = {
            (p["name"], p["reason"]) for p in r.json()["error"]["error_data"]["invalid_params"]
        }
        assert found == {
            ("customer.personal_information", "required"),
            ("customer.personal_information.language_id", "required"),
            ("customer_source", "required"),
            ("autologin", "required"),
        }
        weak = new_customer(await source_id(c))
        weak.update(autologin=True, password="password")
        r = await c.post(f"{E}/customers", headers=headers, json=weak)
        assert r.json()["error"]["error_data"]["invalid_params"][0]["name"] == "password"


async def test_put_replaces_the_whole_record_and_moves_last_change() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        rows = (await customers(c, headers, count=250))["customers"]
        target = next(
            x
            for x in rows
            if x["state"] == 1 and {"email", "phone", "birthdate"} <= set(x["personal_information"])
        )
        await c.post("/_sandbox/clock/advance", json={"seconds": 5})
        body = {
            "customer": {
                "customer_id": "ignored",
                "state": 0,  # readOnly: ignored
                "personal_information": {
                    "first_name": "Renamed",
                    "last_name": "Person",
                    "language_id": "en",
                },
            }
        }
        r = await c.put(f"{E}/customers/{target['customer_id']}", headers=headers, json=body)
        assert_spec(PUT, r)
        assert r.status_code == 204
        r = await c.get(f"{E}/customers/{target['customer_id']}", headers=headers)
        record = assert_spec(GET, r)["data"]
        info = record["personal_information"]
        assert record["state"] == 1
        assert record["last_change"] > target["last_change"]
        assert (info["first_name"], info["last_name"]) == ("Renamed", "Person")
        for gone in ("email", "phone", "birthdate"):
            assert gone not in info
        assert info["consents"] == []
        assert set(info["address"].values()) == {""}
        # store_id "can only be updated, not removed".
        assert info["store_id"] == target["personal_information"]["store_id"]
        # The old email is free again.
        email = target["personal_information"]["email"]
        assert (await customers(c, headers, email=email))["total_items"] == 0


async def test_put_errors() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        body = {"customer": {"personal_information": {"language_id": "en"}}}
        r = await c.put(f"{E}/customers/missing", headers=headers, json=body)
        assert assert_spec(PUT, r)["error"]["error_data"] == {
            "resource_name": "customers",
            "resource_id": "missing",
        }
        assert r.status_code == 404
        rows = (await customers(c, headers, count=250))["customers"]
        deleted = next(x for x in rows if x["state"] == 0)
        r = await c.put(f"{E}/customers/{deleted['customer_id']}", headers=headers, json=body)
        assert (
            assert_spec(PUT, r)["error"]["error_data"]["invalid_params"][0]["reason"] == "deleted"
        )
        r = await c.put(f"{E}/customers/{rows[0]['customer_id']}", headers=headers, json={})
        assert r.json()["error"]["error_data"]["invalid_params"][0]["name"] == "customer"


@pytest.mark.parametrize("method", ["PATCH", "DELETE", "POST"])
async def test_no_patch_delete_or_post_on_a_customer(method: str) -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        r = await c.request(method, f"{E}/customers/abc", headers=headers, json={})
        error = assert_spec(GET, r)["error"]
        assert r.status_code == 405
        assert error["error_data"] == {"http_method": method}
        assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "PUT"}


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b'"text"',
        b"",
        b"\xff\xfe",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"customer": {"personal_information": {"language_id": "en", "gender": 1e999}}}',
        b'{"customer": {"personal_information": {"language_id": "en", "gender": NaN}}}',
        b'{"customer": {"personal_information": {"language_id": "en", "gender": '
        + b"9" * 4000
        + b"}}}",
        b'{"customer": [], "customer_source": 5, "autologin": "yes"}',
        b'{"customer": {"personal_information": {"language_id": ["en"], "address": 3}}}',
        b'{"customer": {"personal_information": {"language_id": "en", "consents": {}}}}',
    ],
)
async def test_malformed_bodies_are_400_never_500(raw: bytes) -> None:
    async with client(make_app()) as c:
        headers = {**await login(c), "content-type": "application/json"}
        for method, path, op in (
            ("POST", f"{E}/customers", POST),
            ("PUT", f"{E}/customers/any", PUT),
        ):
            r = await c.request(method, path, headers=headers, content=raw)
            assert r.status_code in (400, 404), r.text
            assert_spec(op, r)


async def test_unknown_and_unemulated_paths() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        r = await c.get(f"{E}/no-such-resource", headers=headers)
        assert r.status_code == 404
        assert r.json()["error"]["error_data"] == {"resource_name": "no-such-resource"}
        r = await c.get("/somewhere/else", headers=headers)
        assert r.status_code == 404
        assert r.json()["error"]["type"] == "not_found_exception"
        r = await c.get(f"{E}/customers/abc/purchases", headers=headers)
        assert r.status_code == 501
        assert "does not emulate" in r.json()["error"]["detail"]
        r = await c.get(f"{E}/customers/", headers=headers)
        assert r.status_code == 404


async def test_incremental_read_by_last_change_sees_updates_and_deletions() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        newest = await customers(c, headers, sort_field="last_change", sort_direction="DESC")
        checkpoint = newest["customers"][0]["last_change"]
        rows = (await customers(c, headers, count=250))["customers"]
        updated, removed = rows[10], rows[20]
        await c.post("/_sandbox/clock/advance", json={"seconds": 2})
        put = {"customer": {"personal_information": updated["personal_information"]}}
        r = await c.put(f"{E}/customers/{updated['customer_id']}", headers=headers, json=put)
        assert r.status_code == 204
        await c.post("/_sandbox/clock/advance", json={"seconds": 2})
        r = await c.post(
            f"/_sandbox/carecloud/customers/{removed['customer_id']}/state", json={"state": 0}
        )
        assert r.status_code == 200
        changed = []
        offset = 0
        while True:  # what a client does: newest first, stop at the checkpoint
            page = await customers(
                c, headers, sort_field="last_change", sort_direction="DESC", count=1, offset=offset
            )
            rows = [x for x in page["customers"] if x["last_change"] > checkpoint]
            changed += rows
            if len(rows) < len(page["customers"]) or not page["customers"]:
                break
            offset += 1
        assert [(x["customer_id"], x["state"]) for x in changed] == [
            (removed["customer_id"], 0),
            (updated["customer_id"], updated["state"]),
        ]
        r = await c.get(f"{E}/customers/{removed['customer_id']}", headers=headers)
        assert assert_spec(GET, r)["data"]["state"] == 0


async def test_control_state_endpoint_validates() -> None:
    async with client(make_app()) as c:
        url = "/_sandbox/carecloud/customers/{}/state"
        assert (await c.post(url.format("missing"), json={"state": 0})).status_code == 404
        ids = (await customers(c, await login(c), count=1))["customers"][0]["customer_id"]
        assert (await c.post(url.format(ids), json={"state": 7})).status_code == 400
        assert (await c.post(url.format(ids), content=b"nope")).status_code == 400


async def test_same_seed_same_data_and_scaling() -> None:
    async with client(make_app()) as one, client(make_app()) as two:
        a = await customers(one, await login(one), count=250)
        b = await customers(two, await login(two), count=250)
        assert a == b
        r = await one.post("/_sandbox/seed", json={"seed": 2, "records": 4000})
        assert r.json()["counts"]["customers"] == 4000
        started = time.perf_counter()
        other = await customers(one, await login(one), count=250)
        assert time.perf_counter() - started < 2
        assert other["total_items"] == 4000
        assert other["customers"][0] != a["customers"][0]
        await one.post("/_sandbox/seed", json={"seed": 1, "records": 250})
        assert await customers(one, await login(one), count=250) == a


async def test_customer_interface_registration_with_autologin() -> None:
    async with client(make_app()) as c:
        token = await device_token(c)
        headers = {"Authorization": f"Bearer {token}", **EN}
        body = new_customer(await source_id(c), email="self.service@example.com")
        body.update(autologin=True, password="Registr4tion")
        r = await c.post(f"{C}/customers", headers=headers, json=body)
        created = assert_spec(POST, r)["data"]["customer_id"]
        r = await c.get(f"{C}/customers", headers=headers)
        assert [x["customer_id"] for x in assert_spec(LIST, r)["data"]["customers"]] == [created]
        other = await device_token(c, device_id="second-phone")
        r = await c.post(
            f"{C}/tokens/{other}/actions/login",
            headers={"Authorization": f"Bearer {other}"},
            json={
                "login_type": "email",
                "login_value": "self.service@example.com",
                "password": "Registr4tion",
            },
        )
        assert r.json() == {"data": {"customer_id": created}}
        put = {"customer": {"personal_information": {"language_id": "en", "first_name": "Me"}}}
        r = await c.put(f"{C}/customers/{created}", headers=headers, json=put)
        assert r.status_code == 204


async def test_stores() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        r = await c.get(f"{E}/stores", headers=headers)
        data = assert_spec("GET /stores", r)["data"]
        assert data["total_items"] == len(data["stores"]) == 5
        visible = await c.get(f"{E}/stores", headers=headers, params={"visible_for_customer": 1})
        assert visible.json()["data"]["total_items"] == 4
        by_name = await c.get(
            f"{E}/stores", headers=headers, params={"sort_field": "name", "sort_direction": "DESC"}
        )
        names = [s["name"] for s in by_name.json()["data"]["stores"]]
        assert names == sorted(names, reverse=True)
        store = data["stores"][0]
        r = await c.get(f"{E}/stores/{store['store_id']}", headers=headers)
        assert assert_spec("GET /stores/{store_id}", r)["data"] == store
        r = await c.get(f"{E}/stores/missing", headers=headers)
        assert assert_spec("GET /stores/{store_id}", r)["error"]["type"] == "not_found_exception"
        r = await c.get(f"{E}/stores", headers=headers, params={"sort_field": "store_address"})
        assert r.status_code == 400
        rows = (await customers(c, headers, count=250))["customers"]
        store_ids = {s["store_id"] for s in data["stores"]}
        assert {x["personal_information"]["store_id"] for x in rows} <= store_ids


async def test_agreements_speak_the_requested_language() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        r = await c.get(f"{E}/agreements", headers=headers)
        data = assert_spec("GET /agreements", r)["data"]
        assert data["total_items"] == 6
        marketing = next(a for a in data["agreements"] if a["text_id"] == "marketing_communication")
        assert marketing["name"] == "Marketing communication"
        r = await c.get(
            f"{E}/agreements/{marketing['agreement_id']}",
            headers={**headers, "Accept-Language": "cs, en-gb;q=0.8"},
        )
        czech = assert_spec("GET /agreements/{agreement_id}", r)["data"]
        assert czech["name"] == "Marketingová komunikace"
        r = await c.get(f"{E}/agreements", headers=headers, params={"text_id": "profiling"})
        assert [a["text_id"] for a in r.json()["data"]["agreements"]] == ["profiling"]
        r = await c.get(f"{E}/agreements/missing", headers=headers)
        assert r.status_code == 404
