"""Login, tokens, refresh, the new-password challenge and throttling, as the seed describes."""

from __future__ import annotations

import pytest

from tests.api.conftest import ADMIN, CLIENT_ID, Api


def test_login_returns_the_seed_token_shape(api: Api) -> None:
    body = api.login(*ADMIN)
    tokens = body["Tokens"]
    assert set(tokens) == {"AccessToken", "ExpiresIn", "IdToken", "RefreshToken", "TokenType"}
    assert tokens["ExpiresIn"] == 3600
    assert tokens["TokenType"] == "Bearer"
    assert body["ChallengeName"] is None


@pytest.mark.parametrize("scheme", ["", "Bearer ", "bearer "])
def test_id_token_accepted_raw_or_as_bearer(api: Api, scheme: str) -> None:
    token = api.token(*ADMIN)
    r = api.client.get("/companies", headers={"Authorization": scheme + token})
    assert r.status_code == 200


def test_access_token_and_garbage_are_refused_with_the_error_schema(api: Api) -> None:
    access = api.login(*ADMIN)["Tokens"]["AccessToken"]
    for header in (access, "garbage", "Bearer "):
        r = api.client.get("/companies", headers={"Authorization": header})
        assert r.status_code == 401
        body = r.json()
        assert body["field"] == "Authorization"
        assert body["detail"]
        assert body["explanation"]
        assert body["requestId"]
    r = api.client.get("/companies")
    assert r.status_code == 401
    assert r.json()["detail"] == "The Authorization header is missing."


def test_expired_token_gets_401_and_refresh_gives_a_working_one(api: Api) -> None:
    tokens = api.login(*ADMIN)["Tokens"]
    api.clock.advance(3601)
    r = api.client.get("/companies", headers={"Authorization": tokens["IdToken"]})
    assert r.status_code == 401
    assert r.json()["detail"] == "The token has expired."
    r = api.client.post(
        "/auth/token/refresh", json={"clientId": CLIENT_ID, "refreshToken": tokens["RefreshToken"]}
    )
    assert r.status_code == 200
    fresh = r.json()["Tokens"]
    assert fresh["RefreshToken"] == tokens["RefreshToken"]
    assert (
        api.client.get("/companies", headers={"Authorization": fresh["IdToken"]}).status_code == 200
    )


def test_refresh_refuses_unknown_tokens_and_clients(api: Api) -> None:
    tokens = api.login(*ADMIN)["Tokens"]
    r = api.client.post("/auth/token/refresh", json={"clientId": CLIENT_ID, "refreshToken": "nope"})
    assert r.status_code == 401
    assert r.json()["field"] == "refreshToken"
    r = api.client.post(
        "/auth/token/refresh", json={"clientId": "other", "refreshToken": tokens["RefreshToken"]}
    )
    assert r.status_code == 400
    assert r.json()["field"] == "clientId"


def test_wrong_password_and_unknown_user_look_the_same(api: Api) -> None:
    a = api.client.post(
        "/auth/login", json={"clientId": CLIENT_ID, "username": ADMIN[0], "password": "x"}
    )
    b = api.client.post(
        "/auth/login", json={"clientId": CLIENT_ID, "username": "ghost", "password": "x"}
    )
    assert a.status_code == b.status_code == 401
    assert a.json()["detail"] == b.json()["detail"] == "Incorrect username or password."


def test_repeated_failures_lock_the_username_then_unlock(api: Api) -> None:
    for _ in range(5):
        r = api.client.post(
            "/auth/login", json={"clientId": CLIENT_ID, "username": ADMIN[0], "password": "bad"}
        )
        assert r.status_code == 401
    r = api.client.post(
        "/auth/login", json={"clientId": CLIENT_ID, "username": ADMIN[0], "password": ADMIN[1]}
    )
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    api.clock.advance(901)
    assert api.login(*ADMIN)["Tokens"]["IdToken"]


def test_temporary_password_requires_a_new_one(api: Api) -> None:
    admin = api.admin()
    r = api.client.post(
        "/users",
        json={
            "username": "new@x.test",
            "email": "new@x.test",
            "name": "New",
            "role": "staff",
            "sendEmail": False,
            "temporaryPassword": "abc123",
        },
        headers=admin,
    )
    assert r.status_code == 201
    body = api.login("new@x.test", "abc123")
    assert body["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert body["Tokens"] is None
    assert body["Session"]
    answer = {"clientId": CLIENT_ID, "username": "new@x.test", "session": body["Session"]}
    weak = api.client.post("/auth/challenge", json={**answer, "newPassword": "short"})
    assert weak.status_code == 400
    assert weak.json()["field"] == "newPassword"
    wrong = api.client.post(
        "/auth/challenge", json={**answer, "session": "forged", "newPassword": "Better-Pass-1"}
    )
    assert wrong.status_code == 401
    ok = api.client.post("/auth/challenge", json={**answer, "newPassword": "Better-Pass-1"})
    assert ok.status_code == 200
    assert ok.json()["Tokens"]["IdToken"]
    assert api.login("new@x.test", "Better-Pass-1")["ChallengeName"] is None


def test_password_expiry_brings_the_challenge_back(api: Api) -> None:
    admin = api.admin()
    api.make_user(
        admin, "exp@x.test", "staff", password="Expiring-Pass-1", passwordExpiresIn="7776000"
    )
    assert api.login("exp@x.test", "Expiring-Pass-1")["ChallengeName"] is None
    api.clock.advance(7776001)
    assert api.login("exp@x.test", "Expiring-Pass-1")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_disabling_a_user_blocks_login_tokens_and_refresh(api: Api) -> None:
    admin = api.admin()
    headers = api.make_user(admin, "dis@x.test", "staff", password="Disabled-Pass-1")
    refresh = api.login("dis@x.test", "Disabled-Pass-1")["Tokens"]["RefreshToken"]
    r = api.client.put(
        "/users/dis@x.test", json={"username": "dis@x.test", "enabled": False}, headers=admin
    )
    assert r.status_code == 200
    assert r.json()["enabled"] is False
    assert api.client.get("/companies", headers=headers).status_code == 401
    r = api.client.post(
        "/auth/login",
        json={"clientId": CLIENT_ID, "username": "dis@x.test", "password": "Disabled-Pass-1"},
    )
    assert r.status_code == 401
    r = api.client.post(
        "/auth/token/refresh", json={"clientId": CLIENT_ID, "refreshToken": refresh}
    )
    assert r.status_code == 401


def test_password_reset_revokes_and_issues_a_temporary_password(api: Api) -> None:
    admin = api.admin()
    headers = api.make_user(admin, "reset@x.test", "staff", password="Reset-Pass-1")
    api.clock.advance(5)
    r = api.client.post("/users/reset@x.test/password/reset", headers=admin)
    assert r.status_code == 200
    temporary = r.json()["temporaryPassword"]
    assert api.client.get("/companies", headers=headers).status_code == 401
    assert api.login("reset@x.test", temporary)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_tokens_follow_the_hub_clock_even_when_it_runs_ahead(api: Api) -> None:
    api.clock.advance(10 * 365 * 24 * 3600)  # the hub's clock years ahead of the machine's
    token = api.token(*ADMIN)
    assert api.client.get("/companies", headers={"Authorization": token}).status_code == 200
    api.clock.advance(3601)
    assert api.client.get("/companies", headers={"Authorization": token}).status_code == 401
