"""Companies: validation as the seed, PATCH and PUT, delete, history, listing and queries."""

from __future__ import annotations

from tests.api.conftest import Api

AGENCY = "11111111-2222-3333-4444-555555555555"


def test_seed_sample_creates_a_company(api: Api) -> None:
    admin = api.admin()
    body = {
        "agencyData": {"anything": 123},
        "agencyId": AGENCY,
        "country": "SG",
        "name": "Cresco Data",
    }
    r = api.client.post("/companies", json=body, headers=admin)
    assert r.status_code == 201
    company = r.json()
    assert company["agencyId"] == AGENCY
    assert company["agencyData"] == {"anything": 123}
    assert company["createdAt"] == company["updatedAt"]
    got = api.client.get(f"/companies/{company['companyId']}", headers=admin).json()
    assert got == company


def test_validation_errors_name_model_and_field(api: Api) -> None:
    admin = api.admin()
    cases = [
        ({"agencyId": AGENCY, "name": "x", "country": "XX"}, "CreateCompanyModel.country"),
        ({"agencyId": AGENCY, "country": "SG"}, "CreateCompanyModel.name"),
        (
            {"agencyId": AGENCY, "name": "x", "country": "SG", "user_id": 1},
            "CreateCompanyModel.user_id",
        ),
        ({"name": "x", "country": "SG"}, "CreateCompanyModel.agencyId"),
        ({"agencyId": AGENCY, "name": "", "country": "SG"}, "CreateCompanyModel.name"),
        ({"agencyId": AGENCY, "name": None, "country": "SG"}, "CreateCompanyModel.name"),
    ]
    for body, field in cases:
        r = api.client.post("/companies", json=body, headers=admin)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["field"] == field
    r = api.client.post(
        "/companies",
        json={"agencyId": AGENCY, "name": "x", "country": "SG", "user_id": 1},
        headers=admin,
    )
    assert r.json()["detail"] == "Unknown field."
    assert r.headers["x-cresco-error"] == "CreateCompanyModel.user_id: Unknown field."


def test_patch_changes_given_fields_and_put_replaces(api: Api) -> None:
    admin = api.admin()
    company = api.make_company(admin, agencyId=AGENCY, logo="https://logo", agencyData={"a": 1})
    cid = company["companyId"]
    api.clock.advance(10)
    r = api.client.patch(f"/companies/{cid}", json={"name": "Renamed"}, headers=admin)
    assert r.status_code == 200
    assert r.json()["name"] == "Renamed"
    assert r.json()["logo"] == "https://logo"
    assert r.json()["updatedAt"] > company["updatedAt"]
    r = api.client.put(
        f"/companies/{cid}",
        json={"name": "Put", "country": "US", "agencyId": AGENCY},
        headers=admin,
    )
    assert r.status_code == 200
    assert "logo" not in r.json()
    assert "agencyData" not in r.json()
    r = api.client.put(f"/companies/{cid}", json={"name": "Put"}, headers=admin)
    assert r.status_code == 400
    assert r.json()["field"] == "ReplaceCompanyModel.country"
    # read-only attributes echoed back from a GET are accepted and ignored
    echoed = {**api.client.get(f"/companies/{cid}", headers=admin).json(), "name": "Echo"}
    r = api.client.put(f"/companies/{cid}", json=echoed, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["companyId"] == cid


def test_delete_then_history_keeps_every_version(api: Api) -> None:
    admin = api.admin()
    cid = api.make_company(admin, agencyId=AGENCY)["companyId"]
    api.client.patch(f"/companies/{cid}", json={"name": "Two"}, headers=admin)
    assert api.client.delete(f"/companies/{cid}", headers=admin).status_code == 204
    assert api.client.get(f"/companies/{cid}", headers=admin).status_code == 404
    r = api.client.get(f"/companies/{cid}/history", headers=admin)
    assert r.status_code == 200
    versions = r.json()
    assert [v["action"] for v in versions] == ["delete", "update", "create"]
    assert versions[1]["data"]["name"] == "Two"
    assert versions[2]["updatedBy"] == "root@crossdock.test"
    assert r.headers["x-cresco-total"] == "3"


def test_company_with_integrations_cannot_be_deleted(api: Api) -> None:
    admin = api.admin()
    cid = api.make_company(admin, agencyId=AGENCY)["companyId"]
    r = api.client.post(
        "/integrations",
        json={
            "active": False,
            "add": False,
            "delete": False,
            "get": True,
            "update": False,
            "meta": {},
            "syncType": "orders",
            "systemId": "api",
            "companyId": cid,
        },
        headers=admin,
    )
    assert r.status_code == 201
    r = api.client.delete(f"/companies/{cid}", headers=admin)
    assert r.status_code == 409


def test_listing_filters_sorts_and_pages(api: Api) -> None:
    admin = api.admin()
    for i in range(5):
        api.make_company(
            admin,
            agencyId=AGENCY,
            name=f"C{i}",
            country="SG" if i % 2 else "US",
            agencyData={"rank": i},
        )
        api.clock.advance(1)
    r = api.client.get("/companies", params={"country": "SG"}, headers=admin)
    assert sorted(c["name"] for c in r.json()) == ["C1", "C3"]
    assert r.headers["x-cresco-total"] == "2"
    r = api.client.get("/companies", params={"agencyData.rank__gte": "3"}, headers=admin)
    assert sorted(c["name"] for c in r.json()) == ["C3", "C4"]
    r = api.client.get("/companies", params={"_sort": "name:desc", "limit": "2"}, headers=admin)
    assert [c["name"] for c in r.json()] == ["C4", "C3"]
    names = [c["name"] for c in r.json()]
    while "x-cresco-page" in r.headers:
        r = api.client.get(
            "/companies",
            params={"_sort": "name:desc", "limit": "2", "page": r.headers["x-cresco-page"]},
            headers=admin,
        )
        names += [c["name"] for c in r.json()]
    assert names == ["C4", "C3", "C2", "C1", "C0"]


def test_bad_queries_are_400_naming_the_parameter(api: Api) -> None:
    admin = api.admin()
    for params, field in (
        ({"limit": "0"}, "limit"),
        ({"limit": "10000"}, "limit"),
        ({"nosuch": "1"}, "nosuch"),
        ({"_sort": "name:sideways"}, "_sort"),
        ({"createdAt__gt": "yesterday"}, "createdAt__gt"),
        ({"page": "not-a-token"}, "page"),
    ):
        r = api.client.get("/companies", params=params, headers=admin)
        assert r.status_code == 400, (params, r.text)
        assert r.json()["field"] == field
