"""Malformed input of every kind gets the one structured error, never a 500 or a traceback."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import Api

ERROR_KEYS = {"field", "detail", "explanation", "requestId"}


def assert_error(r, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) >= ERROR_KEYS
    assert "Traceback" not in r.text
    return body  # type: ignore[no-any-return]


def test_bad_json_wrong_types_and_content_types(api: Api) -> None:
    admin = api.admin()
    headers = {**admin, "content-type": "application/json"}
    body = assert_error(api.client.post("/companies", content=b"{not json", headers=headers), 400)
    assert body["detail"] == "The body is not valid JSON."
    body = assert_error(api.client.post("/companies", content=b"[1, 2]", headers=headers), 400)
    assert body["field"] == "CreateCompanyModel"
    assert_error(
        api.client.post(
            "/companies",
            content=b"name=x",
            headers={**admin, "content-type": "application/x-www-form-urlencoded"},
        ),
        400,
    )
    assert_error(
        api.client.post("/companies", json={"name": 5, "country": ["SG"]}, headers=admin), 400
    )
    assert_error(
        api.client.post(
            "/companies",
            content=json.dumps({"name": "x" * 10_000, "country": "SG", "agencyId": "a"}),
            headers=headers,
        ),
        400,
    )
    assert_error(
        api.client.post("/integrations", json={"minFromDate": "not a date"}, headers=admin), 400
    )
    assert_error(api.client.post("/integrations", json={"active": 10**400}, headers=admin), 400)


def test_unknown_routes_and_methods(api: Api) -> None:
    admin = api.admin()
    body = assert_error(api.client.get("/nowhere", headers=admin), 404)
    assert body["field"] == "path"
    assert_error(api.client.delete("/companies", headers=admin), 405)
    assert_error(api.client.get("/companies/does-not-exist", headers=admin), 404)


def test_request_id_is_echoed(api: Api) -> None:
    r = api.client.get("/companies", headers={"x-request-id": "my-request-1"})
    assert r.status_code == 401
    assert r.json()["requestId"] == "my-request-1"
    assert r.headers["x-request-id"] == "my-request-1"


@pytest.mark.parametrize(
    "params",
    [
        {"name": "x' OR '1'='1"},
        {"agencyData.a'b": "1"},
        {"agencyData.$x": "1"},
        {"limit": "1e9"},
        {"_sort": "agencyData.x;drop:asc"},
        {"page": "eyJ4IjogMX0="},
        {"createdAt__gte": "2020-13-45"},
    ],
)
def test_hostile_queries_are_400_or_empty(api: Api, params: dict[str, str]) -> None:
    admin = api.admin()
    api.make_company(admin, agencyId="a")
    r = api.client.get("/companies", params=params, headers=admin)
    assert r.status_code in (200, 400), r.text
    if r.status_code == 200:
        assert r.json() == []
    else:
        assert_error(r, 400)


def test_send_email_queues_the_temporary_password(api: Api) -> None:
    import sqlalchemy as sa

    from crossdock.store.tables import OutboxEmail

    admin = api.admin()
    r = api.client.post(
        "/users",
        json={
            "username": "mail@x.test",
            "email": "mail@x.test",
            "name": "Mail",
            "role": "staff",
            "sendEmail": True,
            "temporaryPassword": "temp-456",
        },
        headers=admin,
    )
    assert r.status_code == 201
    with api.hub.engine.connect() as conn:
        rows = conn.execute(sa.select(OutboxEmail.recipient, OutboxEmail.body)).all()
    assert len(rows) == 1
    assert rows[0][0] == "mail@x.test"
    assert "temp-456" in rows[0][1]


def test_control_characters_in_input_never_break_the_error_headers(api: Api) -> None:
    admin = api.admin()
    r = api.client.get("/users/bad%09name%0Bwith%06controls%C3%A9", headers=admin)
    body = assert_error(r, 404)
    assert "\x0b" in body["detail"]
    assert r.headers["x-cresco-error"] == "username: User bad?name?with?controls? not found."
