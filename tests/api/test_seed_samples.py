"""The Commerce Connect docs' own Python samples, run unchanged but for the base URL against
``crossdock serve`` (a real uvicorn on a free port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import uvicorn

from crossdock.api import create_app
from crossdock.serving import ReasonPhraseH11Protocol
from crossdock.settings import load_settings
from tests.api.conftest import CLIENT_ID


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    sqlite_url = f"sqlite:///{tmp_path / 'served-hub.db'}"
    settings = load_settings(
        {},
        database_url=sqlite_url,
        secret_key="seed-sample-secret",
        bootstrap_admin="john.doe:$MyGreatPassword1#",
        client_id=CLIENT_ID,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        http=ReasonPhraseH11Protocol,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_login_refresh_and_calls_as_the_docs_write_them(base_url: str) -> None:
    # POST /auth/login, as in the docs
    body = {"clientId": CLIENT_ID, "password": "$MyGreatPassword1#", "username": "john.doe"}
    headers = None
    params = None
    response = requests.post(f"{base_url}/auth/login", params=params, headers=headers, json=body)
    login_response = response.json()
    assert response.status_code == 200
    request_headers = {"Authorization": login_response["Tokens"]["IdToken"]}

    # POST /companies
    body = {
        "agencyData": {"anything": 123},
        "agencyId": "11111111-2222-3333-4444-555555555555",
        "country": "SG",
        "name": "Cresco Data",
    }
    response = requests.post(
        f"{base_url}/companies", params=None, headers=request_headers, json=body
    )
    assert response.status_code == 201
    company_id = response.json()["companyId"]

    # GET /companies with params={}
    response = requests.get(f"{base_url}/companies", params={}, headers=request_headers, json=None)
    assert [c["companyId"] for c in response.json()] == [company_id]
    assert response.headers["x-cresco-total"] == "1"
    assert "x-cresco-page" not in response.headers

    # POST /integrations, the docs' body with a real company and the built-in api system
    body = {
        "active": False,
        "add": False,
        "agencyId": "11111111-2222-3333-4444-555555555555",
        "companyId": company_id,
        "delete": False,
        "get": True,
        "meta": {},
        "syncType": "products",
        "systemId": "api",
        "systemSettings": {},
        "update": False,
    }
    response = requests.post(
        f"{base_url}/integrations", params=None, headers=request_headers, json=body
    )
    assert response.status_code == 201
    integration_id = response.json()["integrationId"]
    response = requests.get(
        f"{base_url}/integrations/{integration_id}/history",
        params=None,
        headers=request_headers,
        json=None,
    )
    assert response.json()[0]["action"] == "create"

    # POST /users, the docs' sample
    body = {
        "agencyId": "11111111-2222-3333-4444-555555555555",
        "email": "test@crescodata.com",
        "name": "Test User",
        "passwordExpiresIn": "7776000",
        "role": "manager",
        "sendEmail": False,
        "syncs": ["products", "prices", "stock", "orders"],
        "temporaryPassword": "abc123",
        "username": "test@crescodata.com",
    }
    response = requests.post(f"{base_url}/users", params=None, headers=request_headers, json=body)
    assert response.status_code == 201
    body = {
        "enabled": True,
        "name": "Test User Update",
        "role": "admin",
        "syncs": ["prices", "stock"],
        "username": "test@crescodata.com",
    }
    response = requests.put(
        f"{base_url}/users/test@crescodata.com", params=None, headers=request_headers, json=body
    )
    assert response.status_code == 200
    assert response.json()["role"] == "admin"

    # POST /auth/token/refresh
    body = {"clientId": CLIENT_ID, "refreshToken": login_response["Tokens"]["RefreshToken"]}
    response = requests.post(f"{base_url}/auth/token/refresh", params=None, headers=None, json=body)
    assert response.status_code == 200
    assert response.json()["Tokens"]["IdToken"]


def test_errors_have_a_human_readable_status_line(base_url: str) -> None:
    body = {"clientId": CLIENT_ID, "password": "$MyGreatPassword1#", "username": "john.doe"}
    token = requests.post(f"{base_url}/auth/login", json=body).json()["Tokens"]["IdToken"]
    body = {"agencyId": "a", "country": "SG", "name": "Cresco Data", "user_id": 1}
    response = requests.post(f"{base_url}/companies", headers={"Authorization": token}, json=body)
    assert response.status_code == 400
    assert response.reason == "CreateCompanyModel.user_id: Unknown field."
    assert "x-reason-phrase" not in response.headers
    assert response.json()["field"] == "CreateCompanyModel.user_id"
