"""Dashboard metrics: the seed's sample, conditional rules, role notes, tenancy and listing."""

from __future__ import annotations

from typing import Any

from crossdock.store.tables import Company
from tests.api.conftest import Api

SEED_ID = "11111111-2222-3333-4444-555555555555"
AGENCY_A = "aaaaaaaa-0000-0000-0000-000000000000"
AGENCY_B = "bbbbbbbb-0000-0000-0000-000000000000"

SEED_SAMPLE: dict[str, Any] = {
    "agencyId": SEED_ID,
    "companyId": SEED_ID,
    "eventAction": "added",
    "eventGroup": "enrich",
    "eventQueryParams": {"aggregateBy": "companyId", "limit": 5, "sum": True},
    "eventTracker": "products",
    "groupName": "Prods",
    "metricType": "state",
    "name": "Top 5 Merchants Last Week with new SKUs Published",
    "range": "1 week:1 week",
    "stateApi": "products",
    "username": "staff@crescodata.com",
    "viewFormat": "barChart",
}


def seed_company(api: Api) -> None:
    """The sample names a company by a fixed id, which the API never hands out: insert it."""
    with api.hub.sessions.begin() as session:
        session.add(
            Company(
                company_id=SEED_ID,
                agency_id=SEED_ID,
                name="Cresco Data",
                country="SG",
                created_at=api.clock(),
                updated_at=api.clock(),
            )
        )


def metric(**fields: Any) -> dict[str, Any]:
    return {"name": "Orders this week", "metricType": "event", "eventGroup": "syncs",
            "range": "1 week", **fields}  # fmt: skip


def test_seed_samples_create_and_update_a_metric(api: Api) -> None:
    admin = api.admin()
    seed_company(api)
    api.make_user(admin, "staff@crescodata.com", "staff")
    r = api.client.post("/dashboard/metrics", json=SEED_SAMPLE, headers=admin)
    assert r.status_code == 201, r.text
    created = r.json()
    assert {k: created[k] for k in SEED_SAMPLE} == SEED_SAMPLE
    assert created["createdAt"] == created["updatedAt"]
    mid = created["metricId"]
    assert api.client.get(f"/dashboard/metrics/{mid}", headers=admin).json() == created
    api.clock.advance(5)
    r = api.client.put(
        f"/dashboard/metrics/{mid}", json={**SEED_SAMPLE, "groupName": "Products"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["groupName"] == "Products"
    assert r.json()["updatedAt"] > created["updatedAt"]
    assert r.json()["createdAt"] == created["createdAt"]
    # a GET echoed back, read-only attributes included, is accepted; optional ones left out clear
    echoed = {**r.json(), "viewFormat": None}
    r = api.client.put(f"/dashboard/metrics/{mid}", json=echoed, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["viewFormat"] is None
    assert r.json()["metricId"] == mid
    assert api.client.delete(f"/dashboard/metrics/{mid}", headers=admin).status_code == 204
    assert api.client.get(f"/dashboard/metrics/{mid}", headers=admin).status_code == 404
    assert api.client.delete(f"/dashboard/metrics/{mid}", headers=admin).status_code == 404


def test_every_attribute_is_validated_naming_model_and_field(api: Api) -> None:
    admin = api.admin()
    cases = [
        ({"name": "x", "agencyId": AGENCY_A}, "metricType", "Field required."),
        (metric(agencyId=AGENCY_A, metricType="gauge"), "metricType", None),
        ({**metric(agencyId=AGENCY_A), "name": ""}, "name", None),
        (metric(agencyId=AGENCY_A, eventGroup=None), "eventGroup", None),
        (metric(agencyId=AGENCY_A, range=None), "range", None),
        (metric(agencyId=AGENCY_A, range="last week"), "range", None),
        (metric(agencyId=AGENCY_A, range="1 week:"), "range", None),
        (metric(agencyId=AGENCY_A, metricType="billing", range=None), "range", None),
        ({"name": "x", "metricType": "state", "agencyId": AGENCY_A}, "stateApi", None),
        (metric(), "agencyId", "Field required when companyId is not given."),
        (metric(agencyId=AGENCY_A, eventQueryParams=[1]), "eventQueryParams", None),
        (metric(agencyId=AGENCY_A, color="red"), "color", "Unknown field."),
        (metric(agencyId=AGENCY_A, username="nobody@t"), "username", "No such user."),
        (metric(agencyId=AGENCY_A, eventAction=7), "eventAction", None),
    ]
    for body, field, detail in cases:
        r = api.client.post("/dashboard/metrics", json=body, headers=admin)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["field"] == f"CreateMetricModel.{field}", (body, r.json())
        if detail is not None:
            assert r.json()["detail"] == detail
    # every conditional problem is listed at once
    r = api.client.post(
        "/dashboard/metrics",
        json={"name": "x", "metricType": "event", "agencyId": AGENCY_A},
        headers=admin,
    )
    assert [e["field"] for e in r.json()["errors"]] == [
        "CreateMetricModel.eventGroup",
        "CreateMetricModel.range",
    ]
    r = api.client.put("/dashboard/metrics/nope", json=metric(agencyId=AGENCY_A), headers=admin)
    assert r.status_code == 404
    # the conditions are "required if", not "forbidden otherwise"; ranges take several forms
    for body in (
        metric(agencyId=AGENCY_A, metricType="billing", eventGroup=None, range="1 month:1 month"),
        metric(agencyId=AGENCY_A, metricType="state", stateApi="orders", range="2 days"),
    ):
        assert api.client.post("/dashboard/metrics", json=body, headers=admin).status_code == 201


def test_role_notes_and_tenancy(api: Api) -> None:
    admin = api.admin()
    a1 = api.make_company(admin, agencyId=AGENCY_A, name="A1")["companyId"]
    a2 = api.make_company(admin, agencyId=AGENCY_A, name="A2")["companyId"]
    b1 = api.make_company(admin, agencyId=AGENCY_B, name="B1")["companyId"]
    agency = api.make_user(admin, "agency@t", "agency", agencyId=AGENCY_A)
    company = api.make_user(admin, "company@t", "company", companyId=a1)
    other = api.make_user(admin, "company-b@t", "company", companyId=b1)

    def post(headers: dict[str, str], **fields: Any) -> Any:
        return api.client.post("/dashboard/metrics", json=metric(**fields), headers=headers)

    # agency users: own agency by default, their companies by choice; never another agency
    r = post(agency)
    assert r.status_code == 201
    assert (r.json()["agencyId"], r.json()["companyId"]) == (AGENCY_A, None)
    agency_wide = r.json()["metricId"]
    assert post(agency, companyId=a2).json()["agencyId"] == AGENCY_A
    assert post(agency, agencyId=AGENCY_A).status_code == 201  # repeating its own value
    r = post(agency, agencyId=AGENCY_B)
    assert (r.status_code, r.json()["field"]) == (403, "CreateMetricModel.agencyId")
    assert post(agency, companyId=b1).status_code == 404
    # company users: always their company; agencyId and companyId are not theirs to choose
    r = post(company)
    assert (r.json()["agencyId"], r.json()["companyId"]) == (AGENCY_A, a1)
    own = r.json()["metricId"]
    r = post(company, companyId=a2)
    assert (r.status_code, r.json()["field"]) == (403, "CreateMetricModel.companyId")
    r = post(company, agencyId=AGENCY_B)
    assert (r.status_code, r.json()["field"]) == (403, "CreateMetricModel.agencyId")
    # operators: any owner, but a company's metric is in that company's agency
    r = post(admin, companyId=b1, agencyId=AGENCY_A)
    assert (r.status_code, r.json()["field"]) == (400, "CreateMetricModel.agencyId")
    r = post(admin, companyId=b1)
    assert r.json()["agencyId"] == AGENCY_B
    b_metric = r.json()["metricId"]

    def listed(headers: dict[str, str]) -> set[str]:
        r = api.client.get("/dashboard/metrics", headers=headers)
        assert r.status_code == 200
        return {m["metricId"] for m in r.json()}

    assert len(listed(admin)) == 5
    assert own in listed(agency)
    assert agency_wide in listed(agency)
    assert b_metric not in listed(agency)
    assert listed(company) == {own}
    assert listed(other) == {b_metric}
    # outside one's tenancy a metric does not exist, whatever the method
    for method in ("GET", "PUT", "DELETE"):
        r = api.client.request(
            method, f"/dashboard/metrics/{agency_wide}", json=metric(), headers=company
        )
        assert r.status_code == 404, method
    # moving: an agency user may move its metric to one of its companies, not beyond
    url = f"/dashboard/metrics/{agency_wide}"
    r = api.client.put(url, json=metric(companyId=a2), headers=agency)
    assert (r.status_code, r.json()["companyId"]) == (200, a2)
    assert api.client.put(url, json=metric(companyId=b1), headers=agency).status_code == 404
    r = api.client.put(url, json=metric(agencyId=AGENCY_B), headers=agency)
    assert r.status_code == 403
    # a PUT that leaves the owner out keeps it
    r = api.client.put(f"/dashboard/metrics/{own}", json=metric(name="Mine"), headers=company)
    assert (r.json()["name"], r.json()["companyId"]) == ("Mine", a1)


def test_listing_filters_sorts_and_pages(api: Api) -> None:
    admin = api.admin()
    api.make_user(admin, "staff@t", "staff")
    for i in range(5):
        body = metric(
            agencyId=AGENCY_A,
            name=f"M{i}",
            metricType=("event", "billing")[i % 2],
            eventQueryParams={"limit": i},
            username="staff@t" if i < 2 else None,
        )
        assert api.client.post("/dashboard/metrics", json=body, headers=admin).status_code == 201
        api.clock.advance(1)
    r = api.client.get("/dashboard/metrics", params={"metricType": "billing"}, headers=admin)
    assert sorted(m["name"] for m in r.json()) == ["M1", "M3"]
    assert r.headers["x-cresco-total"] == "2"
    r = api.client.get(
        "/dashboard/metrics", params={"eventQueryParams.limit__gte": "3"}, headers=admin
    )
    assert sorted(m["name"] for m in r.json()) == ["M3", "M4"]
    r = api.client.get("/dashboard/metrics", params={"username": "staff@t"}, headers=admin)
    assert sorted(m["name"] for m in r.json()) == ["M0", "M1"]
    params = {"_sort": "name:desc", "limit": "2"}
    r = api.client.get("/dashboard/metrics", params=params, headers=admin)
    names = [m["name"] for m in r.json()]
    while "x-cresco-page" in r.headers:
        r = api.client.get(
            "/dashboard/metrics",
            params={**params, "page": r.headers["x-cresco-page"]},
            headers=admin,
        )
        names += [m["name"] for m in r.json()]
    assert names == ["M4", "M3", "M2", "M1", "M0"]
    r = api.client.get("/dashboard/metrics", params={"nosuch": "1"}, headers=admin)
    assert (r.status_code, r.json()["field"]) == (400, "nosuch")
