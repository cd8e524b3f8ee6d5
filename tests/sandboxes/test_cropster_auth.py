"""Cropster sandbox: the token endpoint, bearer tokens, scopes, the rate limit and faults."""

from __future__ import annotations

import base64

import httpx
import jwt
import pytest

from tests.sandboxes.test_cropster_support import (
    ALL_SCOPES,
    CLIENT_ID,
    CLIENT_SECRET,
    error_of,
    open_api,
)

pytestmark = pytest.mark.anyio

LIST_GREEN = "inventory.green.listGreenLots"
LIST_ROASTED = "inventory.roast.listRoastedLots"
LIST_BLENDED = "inventory.blend.listBlendedLots"


async def test_token_response_is_the_documented_one() -> None:
    async with open_api() as api:
        form = {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": ALL_SCOPES,
        }
        r = await api.http.post("/oauth2/token", data=form)
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
        assert body["expires_in"] == 28799
        assert body["scope"] == "inventory.green%20inventory.roast%20inventory.blend"
        assert body["token_type"] == "bearer"
        assert r.headers["cache-control"] == "no-store"
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 8 * 3600
        assert claims["sub"] == CLIENT_ID


async def test_token_without_scope_gets_the_whole_grant_and_basic_auth_works() -> None:
    async with open_api() as api:
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        r = await api.http.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        assert r.json()["scope"] == "inventory.green%20inventory.roast%20inventory.blend"
        for method in (LIST_GREEN, LIST_ROASTED, LIST_BLENDED):
            assert (await api.call(method, token=token)).status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, 400, "invalid_request"),
        (
            {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            400,
            "unsupported_grant_type",
        ),
        (
            {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "no"},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "who", "client_secret": "no"},
            401,
            "invalid_client",
        ),
        ({"grant_type": "client_credentials"}, 401, "invalid_client"),
        (
            {
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "scope": "inventory.green inventory.everything",
            },
            400,
            "invalid_scope",
        ),
    ],
)
async def test_token_errors_are_rfc_6749_bodies(
    form: dict[str, str], status: int, error: str
) -> None:
    async with open_api() as api:
        r = await api.http.post("/oauth2/token", data=form)
        assert r.status_code == status
        assert r.json()["error"] == error
        assert r.json()["error_description"]
        if status == 401:
            assert r.headers["www-authenticate"].startswith("Basic")


async def test_token_endpoint_takes_only_a_form_posted_once() -> None:
    async with open_api() as api:
        form = {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        r = await api.http.post("/oauth2/token", json=form)
        assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
        twice = "grant_type=client_credentials&grant_type=client_credentials"
        r = await api.http.post(
            "/oauth2/token",
            content=f"{twice}&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
        r = await api.http.get("/oauth2/token")
        assert (r.status_code, r.json()["error"]) == (405, "invalid_request")


async def test_narrower_service_account_gets_403_outside_its_namespace() -> None:
    async with open_api() as api:
        account = await api.control("credentials", {"scopes": ["inventory.green"]})
        assert account["scopes"] == ["inventory.green"]
        r = await api.http.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": account["client_id"],
                "client_secret": account["client_secret"],
                "scope": "inventory.green inventory.roast",
            },
        )
        assert (r.status_code, r.json()["error"]) == (400, "invalid_scope")
        token = await api.fetch_token(
            "inventory.green", account["client_id"], account["client_secret"]
        )
        assert (await api.call(LIST_GREEN, token=token)).status_code == 200
        assert error_of(await api.call(LIST_ROASTED, token=token)) == (403, "access_denied")
        assert error_of(await api.call(LIST_BLENDED, token=token)) == (403, "access_denied")
        # A token asked for fewer scopes than granted carries only those.
        roast_only = await api.fetch_token("inventory.roast")
        assert error_of(await api.call(LIST_GREEN, token=roast_only)) == (403, "access_denied")
        r = await api.http.post("/_sandbox/credentials", json={"scopes": ["inventory.coffee"]})
        assert r.status_code == 400


@pytest.mark.parametrize(
    "authorization", [None, "Basic Zm9vOmJhcg==", "Bearer", "Bearer not-a-token"]
)
async def test_missing_or_unknown_token_is_401(authorization: str | None) -> None:
    async with open_api() as api:
        headers = {} if authorization is None else {"Authorization": authorization}
        r = await api.http.post(f"/rpc/v1/{LIST_GREEN}", json={}, headers=headers)
        assert error_of(r) == (401, "invalid_authentication")
        assert r.headers["www-authenticate"].startswith("Bearer")


async def test_token_lasts_eight_hours_of_sandbox_clock() -> None:
    async with open_api() as api:
        await api.control("clock/advance", {"seconds": 8 * 3600 - 5})
        assert (await api.call(LIST_GREEN)).status_code == 200
        await api.control("clock/advance", {"seconds": 5})
        r = await api.call(LIST_GREEN)
        assert error_of(r) == (401, "invalid_authentication")
        assert "expired" in r.json()["error"]["message"]


async def test_control_api_expires_tokens() -> None:
    async with open_api() as api:
        assert (await api.control("tokens/expire"))["expired"] == 1
        assert error_of(await api.call(LIST_GREEN)) == (401, "invalid_authentication")
        api.token = await api.fetch_token()
        assert (await api.call(LIST_GREEN)).status_code == 200


async def test_token_expiring_mid_paging_resumes_from_the_cursor() -> None:
    async with open_api() as api:
        await api.control("faults", {"kind": "expire_tokens", "after": 1, "count": 1})
        first = await api.ok(LIST_GREEN, {"params": {"pagination": {"limit": 100}}})
        cursor = first["meta"]["pagination"]["endCursor"]
        second = {"params": {"pagination": {"limit": 100, "after": cursor}}}
        assert error_of(await api.call(LIST_GREEN, second)) == (401, "invalid_authentication")
        api.token = await api.fetch_token()
        rest = await api.ok(LIST_GREEN, second)
        ids = [lot["id"] for lot in first["result"]["greenLots"] + rest["result"]["greenLots"]]
        assert len(ids) == len(set(ids)) == 150
        assert rest["meta"]["pagination"]["endCursor"] is None


async def test_rate_limit_allows_a_burst_then_429_with_retry_after() -> None:
    # A trickle of 0.01 request/s keeps real time passing from refilling the bucket.
    async with open_api(rate_limit=0.01, rate_burst=10) as api:
        statuses = [(await api.call(LIST_GREEN)).status_code for _ in range(10)]
        assert statuses == [200] * 10
        r = await api.call(LIST_GREEN)
        assert error_of(r) == (429, "too_many_requests")
        assert int(r.headers["retry-after"]) >= 99
        await api.control("clock/advance", {"seconds": 100})
        assert (await api.call(LIST_GREEN)).status_code == 200
        assert (await api.call(LIST_GREEN)).status_code == 429


async def test_default_rate_limit_is_5_per_second_with_bursts_of_10() -> None:
    async with open_api(rate_limit=5.0) as api:
        statuses = [(await api.call(LIST_GREEN)).status_code for _ in range(20)]
        assert statuses[:10] == [200] * 10
        assert 429 in statuses[10:]
        r = await api.call(LIST_GREEN)
        assert r.headers["retry-after"] == "1"
        # Two seconds at 5/s refill the whole burst of 10, and no more.
        await api.control("clock/advance", {"seconds": 2})
        statuses = [(await api.call(LIST_GREEN)).status_code for _ in range(10)]
        assert statuses == [200] * 10


async def test_rate_limit_is_per_client_and_can_be_switched_off() -> None:
    async with open_api(rate_limit=0.01, rate_burst=2) as api:
        account = await api.control("credentials", {})
        other = await api.fetch_token(None, account["client_id"], account["client_secret"])
        assert [(await api.call(LIST_GREEN)).status_code for _ in range(3)] == [200, 200, 429]
        assert (await api.call(LIST_GREEN, token=other)).status_code == 200
    async with open_api(rate_limit=None) as api:
        assert {(await api.call(LIST_GREEN)).status_code for _ in range(30)} == {200}


async def test_injected_503_uses_cropster_error_body() -> None:
    async with open_api() as api:
        await api.control("faults", {"kind": "error", "status": 503, "count": 1})
        r = await api.call(LIST_GREEN)
        assert error_of(r) == (503, "server_error")
        assert (await api.call(LIST_GREEN)).status_code == 200


async def test_injected_rate_limit_has_retry_after_and_cropster_body() -> None:
    async with open_api() as api:
        await api.control("faults", {"kind": "rate_limit", "retry_after": 2, "count": 1})
        r = await api.call(LIST_GREEN)
        assert error_of(r) == (429, "too_many_requests")
        assert r.headers["retry-after"] == "2"
        assert (await api.call(LIST_GREEN)).status_code == 200


async def test_credentials_survive_reset_but_issued_ones_do_not() -> None:
    async with open_api() as api:
        account = await api.control("credentials", {"scopes": ["inventory.blend"]})
        await api.control("reset")
        status = (await api.http.get("/_sandbox/")).json()
        assert status["credentials"]["client_id"] == CLIENT_ID
        assert status["credentials"]["client_secret"] == CLIENT_SECRET
        r = await api.http.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": account["client_id"],
                "client_secret": account["client_secret"],
            },
        )
        assert r.status_code == 401
        # Tokens do not survive a reset either.
        assert error_of(await api.call(LIST_GREEN)) == (401, "invalid_authentication")


async def test_generated_credentials_are_printed_and_work() -> None:
    from crossdock.sandboxes.cropster import CropsterConfig, create_app

    app = create_app(CropsterConfig())
    credentials = app.state.sandbox.state.credentials()
    assert credentials["client_id"]
    assert len(credentials["client_secret"]) >= 32
    assert credentials["scopes"] == ALL_SCOPES
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cropster.test") as http:
        r = await http.post(
            credentials["token_url"],
            data={
                "grant_type": "client_credentials",
                "client_id": credentials["client_id"],
                "client_secret": credentials["client_secret"],
            },
        )
        assert r.status_code == 200
