"""CareCloud sandbox: logins, token lifetimes, the two interfaces and Accept-Language."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crossdock.sandboxes.carecloud.i18n import negotiate
from tests.sandboxes.test_carecloud_support import (
    APP_ID,
    CUSTOMER_PASSWORD,
    EN,
    LOGIN,
    PASSWORD,
    C,
    E,
    assert_spec,
    client,
    customer_login,
    device_token,
    first_active,
    login,
    make_app,
)

pytestmark = pytest.mark.anyio
LOGIN_OP = "POST /users/actions/login"


async def test_login_gives_a_bearer_token_valid_seven_hours_in_project_time() -> None:
    async with client(make_app()) as c:
        r = await c.post(
            f"{E}/users/actions/login",
            headers={"Accept-Language": "cs, en-gb;q=0.8"},
            json={"user_external_application_id": APP_ID, "login": LOGIN, "password": PASSWORD},
        )
        data = assert_spec(LOGIN_OP, r)["data"]
        assert r.status_code == 200
        assert len(data["bearer_token"]) == 40
        assert data["user"]["login"] == LOGIN
        valid_to = datetime.strptime(data["valid_to"], "%Y-%m-%d %H:%M:%S")
        expected = datetime.now(ZoneInfo("Europe/Prague")).replace(tzinfo=None) + timedelta(hours=7)
        assert abs((valid_to - expected).total_seconds()) < 5
        r = await c.get(
            f"{E}/customers", headers={"Authorization": f"Bearer {data['bearer_token']}"}
        )
        assert r.status_code == 200


@pytest.mark.parametrize(
    ("body", "name", "reason"),
    [
        ({"user_external_application_id": APP_ID, "login": LOGIN, "password": "bad"},
         ["login", "password"], "not_allowed_value"),
        ({"user_external_application_id": "nope", "login": LOGIN, "password": PASSWORD},
         "user_external_application_id", "not_found"),
        ({"user_external_application_id": APP_ID, "login": LOGIN}, "password", "required"),
        ({"user_external_application_id": APP_ID, "login": 5, "password": PASSWORD},
         "login", "invalid_value_format"),
    ],
)  # fmt: skip
async def test_login_failures_are_400_with_invalid_params(
    body: dict[str, object], name: object, reason: str
) -> None:
    async with client(make_app()) as c:
        r = await c.post(f"{E}/users/actions/login", headers=EN, json=body)
        error = assert_spec(LOGIN_OP, r)["error"]
        assert r.status_code == 400
        assert error["type"] == "invalid_parameters_exception"
        assert error["error_data"]["invalid_params"][0]["name"] == name
        assert error["error_data"]["invalid_params"][0]["reason"] == reason


async def test_missing_invalid_and_expired_tokens_get_401() -> None:
    async with client(make_app()) as c:
        r = await c.get(f"{E}/customers", headers=EN)
        assert assert_spec("GET /customers", r)["error"]["type"] == "unauthorized_exception"
        assert r.status_code == 401
        r = await c.get(f"{E}/customers", headers={"Authorization": "Bearer nope", **EN})
        assert r.status_code == 401
        r = await c.get(f"{E}/customers", headers={"Authorization": "Basic dTpw", **EN})
        assert r.status_code == 401
        headers = await login(c)
        await c.post("/_sandbox/clock/advance", json={"seconds": 7 * 3600 - 60})
        assert (await c.get(f"{E}/customers", headers=headers)).status_code == 200
        await c.post("/_sandbox/clock/advance", json={"seconds": 61})
        r = await c.get(f"{E}/customers", headers=headers)
        error = assert_spec("GET /customers", r)["error"]
        assert r.status_code == 401
        assert error["type"] == "token_expired_exception"
        assert "expired" in error["detail"]


async def test_control_api_expires_tokens_and_a_new_login_works() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        r = await c.post("/_sandbox/tokens/expire")
        assert r.json() == {"expired": 1}
        assert (await c.get(f"{E}/customers", headers=headers)).status_code == 401
        assert (await c.get(f"{E}/customers", headers=await login(c))).status_code == 200


async def test_logout_ends_the_token() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        token = headers["Authorization"].removeprefix("Bearer ")
        body = {"user_external_application_id": APP_ID, "bearer_token": token}
        r = await c.post(f"{E}/users/actions/logout", headers=headers, json=body)
        assert_spec("POST /users/actions/logout", r)
        assert r.status_code == 204
        assert (await c.get(f"{E}/customers", headers=headers)).status_code == 401


async def test_control_api_issues_users_and_tokens() -> None:
    async with client(make_app()) as c:
        r = await c.post("/_sandbox/credentials", json={"login": "second", "password": "Pw123456"})
        assert r.status_code == 201
        body = {"user_external_application_id": APP_ID, "login": "second", "password": "Pw123456"}
        assert (await c.post(f"{E}/users/actions/login", json=body)).status_code == 200
        r = await c.post("/_sandbox/credentials", json={"kind": "bearer_token"})
        headers = {"Authorization": f"Bearer {r.json()['bearer_token']}"}
        assert (await c.get(f"{E}/customers", headers=headers)).status_code == 200
        r = await c.post("/_sandbox/credentials", json={"kind": "bogus"})
        assert r.status_code == 400


async def test_customer_interface_token_login_and_own_record() -> None:
    async with client(make_app()) as c:
        someone = await first_active(c, await login(c))
        email = someone["personal_information"]["email"]
        token = await device_token(c)
        headers = {"Authorization": f"Bearer {token}", **EN}
        r = await c.get(f"{C}/customers", headers=headers)
        assert (
            assert_spec("GET /customers", r)["error"]["type"] == "customer_not_logged_in_exception"
        )
        assert r.status_code == 403
        r = await c.post(
            f"{C}/tokens/{token}/actions/login",
            headers=headers,
            json={"login_type": "email", "login_value": email, "password": CUSTOMER_PASSWORD},
        )
        assert assert_spec("POST /tokens/{token_id}/actions/login", r) == {
            "data": {"customer_id": someone["customer_id"]}
        }
        r = await c.get(f"{C}/customers", headers=headers)
        data = assert_spec("GET /customers", r)["data"]
        assert data["total_items"] == 1
        assert data["customers"] == [someone]
        r = await c.get(f"{C}/customers/{someone['customer_id']}", headers=headers)
        assert assert_spec("GET /customers/{customer_id}", r)["data"] == someone
        # The customer interface's tokens never expire with time.
        await c.post("/_sandbox/clock/advance", json={"seconds": 400 * 86400})
        assert (await c.get(f"{C}/customers", headers=headers)).status_code == 200


async def test_customer_reaches_only_their_own_record() -> None:
    async with client(make_app()) as c:
        enterprise = await login(c)
        rows = (await c.get(f"{E}/customers", headers=enterprise)).json()["data"]["customers"]
        mine = next(x for x in rows if x["state"] == 1 and "email" in x["personal_information"])
        other = next(x for x in rows if x["customer_id"] != mine["customer_id"])
        _, headers = await customer_login(c, mine["personal_information"]["email"])
        r = await c.get(f"{C}/customers/{other['customer_id']}", headers=headers)
        error = assert_spec("GET /customers/{customer_id}", r)["error"]
        assert r.status_code == 400
        assert error["error_data"]["invalid_params"][0]["reason"] == (
            "not_belong_to_logged_in_customer"
        )
        r = await c.put(f"{C}/customers/{other['customer_id']}", headers=headers, json={})
        assert r.status_code == 400


async def test_customer_login_failures() -> None:
    async with client(make_app()) as c:
        someone = await first_active(c, await login(c))
        token = await device_token(c)
        headers = {"Authorization": f"Bearer {token}", **EN}
        url = f"{C}/tokens/{token}/actions/login"
        op = "POST /tokens/{token_id}/actions/login"
        wrong = {
            "login_type": "email",
            "login_value": someone["personal_information"]["email"],
            "password": "Wrong1234",
        }
        r = await c.post(url, headers=headers, json=wrong)
        assert assert_spec(op, r)["error"]["type"] == "invalid_credentials_exception"
        assert r.status_code == 401
        r = await c.post(url, headers=headers, json={"login_type": "fax", "login_value": "x"})
        params = assert_spec(op, r)["error"]["error_data"]["invalid_params"]
        assert {(p["name"], p["reason"]) for p in params} == {
            ("login_type", "not_allowed_value"),
            ("password", "required"),
        }
        r = await c.post(f"{C}/tokens/unknown/actions/login", headers=headers, json=wrong)
        assert assert_spec(op, r)["error"]["error_data"] == {
            "resource_name": "tokens",
            "resource_id": "unknown",
        }
        other = await device_token(c, device_id="another-device")
        r = await c.post(f"{C}/tokens/{other}/actions/login", headers=headers, json=wrong)
        assert assert_spec(op, r)["error"]["type"] == "forbidden_exception"
        assert r.status_code == 403


async def test_new_token_for_same_device_and_app_replaces_the_old_one() -> None:
    async with client(make_app()) as c:
        old = await device_token(c, "dev-1")
        other_device = await device_token(c, "dev-2")
        new = await device_token(c, "dev-1")
        assert new != old
        for token, status in ((old, 401), (new, 403), (other_device, 403)):
            r = await c.get(f"{C}/customers", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == status  # 403: valid but no customer logged in


async def test_logout_keeps_the_token_but_drops_the_customer() -> None:
    async with client(make_app()) as c:
        someone = await first_active(c, await login(c))
        token, headers = await customer_login(c, someone["personal_information"]["email"])
        r = await c.post(f"{C}/tokens/{token}/actions/logout", headers=headers)
        assert_spec("POST /tokens/{token_id}/actions/logout", r)
        assert r.status_code == 204
        assert (await c.get(f"{C}/customers", headers=headers)).status_code == 403
        assert (await c.get(f"{C}/stores", headers=headers)).status_code == 200


async def test_token_creation_validates_its_body() -> None:
    async with client(make_app()) as c:
        r = await c.post(f"{C}/tokens", headers=EN, json={"device": {"device_id": "1"}})
        params = assert_spec("POST /tokens", r)["error"]["error_data"]["invalid_params"]
        names = {p["name"] for p in params}
        assert {"device.device_system", "setup", "external_application_id"} <= names
        body = {
            "device": {
                "device_id": "1",
                "device_system": "a",
                "device_name": "b",
                "device_type": "c",
            },
            "setup": {"language_id": "en", "allowed_gps": "yes", "allowed_notifications": False},
            "external_application_id": "someone-else",
        }
        r = await c.post(f"{C}/tokens", headers=EN, json=body)
        assert assert_spec("POST /tokens", r)["error"]["error_data"]["invalid_params"] == [
            {
                "name": "setup.allowed_gps",
                "reason": "invalid_value_format",
                "value": "yes",
                "message": "The value has an invalid format.",
            }
        ]
        body["setup"]["allowed_gps"] = True  # type: ignore[index]
        r = await c.post(f"{C}/tokens", headers=EN, json=body)
        assert r.json()["error"]["error_data"]["invalid_params"][0]["reason"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "interface", "resource"),
    [
        ("POST", f"{E}/tokens", "Enterprise", "tokens"),
        ("GET", f"{E}/tokens/abc/actions/auth-token", "Enterprise", "tokens"),
        ("POST", f"{C}/users/actions/login", "Customer", "users"),
        ("GET", f"{C}/customers/actions/search-customers", "Customer", "customers"),
    ],
)
async def test_resource_on_the_wrong_interface_is_403(
    method: str, path: str, interface: str, resource: str
) -> None:
    async with client(make_app()) as c:
        r = await c.request(method, path, headers=EN, json={})
        assert r.status_code == 403
        error = assert_spec("POST /tokens", r)["error"]
        assert error["type"] == "interface_not_allowed_exception"
        assert error["title"] == f"{interface} API is not allowed for this resource"
        assert error["detail"] == f'Resource name "{resource}" is not allowed in {interface} API'
        assert error["error_data"] == {"interface": interface, "invalid_resource_name": resource}


async def test_error_language_follows_accept_language() -> None:
    async with client(make_app()) as c:
        titles = {}
        for header in (
            None,
            "cs, en-gb;q=0.8",
            "en-gb",
            "en;q=0.4, cs;q=0.9",
            "de",
            "fr, en;q=0.1",
        ):
            headers = {} if header is None else {"Accept-Language": header}
            r = await c.get(f"{E}/customers", headers=headers)
            titles[header] = (r.json()["error"]["title"], r.headers["content-language"])
        czech = ("Neautorizovaný přístup", "cs")
        english = ("Unauthorized", "en")
        assert titles == {
            None: czech,  # the spec's default header value is "cs, en-gb;q=0.8"
            "cs, en-gb;q=0.8": czech,
            "en-gb": english,
            "en;q=0.4, cs;q=0.9": czech,
            "de": english,
            "fr, en;q=0.1": english,
        }


def test_negotiation_edge_cases() -> None:
    assert negotiate("en-GB;q=0.8, cs;q=0") == "en"
    assert negotiate("*") == "cs"
    assert negotiate("en;q=abc, cs") == "cs"
    assert negotiate(" , ;;, en-us") == "en"
    assert negotiate("cs;q=0.5, en;q=0.5") == "cs"
