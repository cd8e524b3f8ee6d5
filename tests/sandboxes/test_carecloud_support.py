"""Helpers for the CareCloud sandbox tests: clients, logins, a real server, spec validation.

The spec check validates bodies with ``jsonschema`` against the response schemas of
CareCloud's own OpenAPI spec (the extract the package ships, itself checked against the full
spec in ``test_carecloud_spec``). OpenAPI 3.0's ``nullable`` becomes a JSON Schema type union,
and success bodies are checked with closed objects (``additionalProperties: false``) so that a
field the spec does not define fails the check instead of slipping through.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import jsonschema
import uvicorn
from fastapi import FastAPI

from crossdock.sandboxes.carecloud import CareCloudConfig, create_app
from crossdock.sandboxes.carecloud.specdata import load_extract

E = "/webservice/rest-api/enterprise-interface/v1.0"
C = "/webservice/rest-api/customer-interface/v1.0"
APP_ID = "89d1a6111b3fb6e74665d948"
LOGIN = "fabulous_user"
PASSWORD = "password_example"
CUSTOMER_PASSWORD = "Sandbox123"
EN = {"Accept-Language": "en"}


def make_app(**overrides: Any) -> FastAPI:
    settings: dict[str, Any] = {
        "application_id": APP_ID,
        "login": LOGIN,
        "password": PASSWORD,
        "customer_password": CUSTOMER_PASSWORD,
    }
    settings.update(overrides)
    return create_app(CareCloudConfig(**settings))


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")


async def login(c: httpx.AsyncClient) -> dict[str, str]:
    """Enterprise headers with a fresh bearer token (English errors)."""
    r = await c.post(
        f"{E}/users/actions/login",
        json={"user_external_application_id": APP_ID, "login": LOGIN, "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['data']['bearer_token']}", **EN}


async def device_token(c: httpx.AsyncClient, device_id: str = "123456") -> str:
    r = await c.post(
        f"{C}/tokens",
        json={
            "device": {
                "device_id": device_id,
                "device_system": "OSX",
                "device_name": "Test device",
                "device_type": "iPhone",
            },
            "setup": {"language_id": "en", "allowed_gps": True, "allowed_notifications": False},
            "external_application_id": APP_ID,
        },
    )
    assert r.status_code == 201, r.text
    token: str = r.json()["data"]["token_id"]
    return token


async def customer_login(c: httpx.AsyncClient, email: str) -> tuple[str, dict[str, str]]:
    """A customer-interface token logged in as ``email``, and headers that use it."""
    token = await device_token(c)
    headers = {"Authorization": f"Bearer {token}", **EN}
    r = await c.post(
        f"{C}/tokens/{token}/actions/login",
        headers=headers,
        json={"login_type": "email", "login_value": email, "password": CUSTOMER_PASSWORD},
    )
    assert r.status_code == 200, r.text
    return token, headers


async def first_active(c: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    r = await c.get(f"{E}/customers", headers=headers, params={"count": 50})
    return next(
        x
        for x in r.json()["data"]["customers"]
        if x["state"] == 1 and "email" in x["personal_information"]
    )


async def source_id(c: httpx.AsyncClient) -> str:
    """The sandbox's first customer source (its ids are generated per seed)."""
    found: str = (await c.get("/_sandbox/")).json()["credentials"]["customer_source_id"]
    return found


def new_customer(source: str, email: str = "new.customer@example.com", **personal: Any) -> Any:
    """A POST /customers body in the spec's shape."""
    info: dict[str, Any] = {
        "gender": 2,
        "first_name": "Jana",
        "last_name": "Novak",
        "birthdate": "1990-04-01",
        "email": email,
        "phone": "420777123456",
        "language_id": "cs",
        "address": {"address1": "Národní", "address2": "12", "zip": "11000", "city": "Prague 1"},
    }
    info.update(personal)
    return {
        "customer": {"personal_information": info},
        "customer_source": {"customer_source_id": source, "external_id": "WEB-1"},
        "autologin": False,
    }


# -- a real server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# -- the spec ----------------------------------------------------------------------------------


def _convert(node: Any, *, close: bool) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: nullable as a type union, objects closed."""
    if isinstance(node, list):
        return [_convert(item, close=close) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _convert(sub, close=close) for name, sub in value.items()}
        elif key == "allOf":
            # Members of allOf see each other's properties as extra: leave them open.
            out[key] = [_convert(sub, close=False) for sub in value]
        elif key != "nullable":
            out[key] = _convert(value, close=close)
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if close and "properties" in out and "allOf" not in out:
        out.setdefault("additionalProperties", False)
    return out


def spec_schema(operation: str, status: int) -> dict[str, Any] | None:
    """The JSON Schema of ``operation``'s ``status`` body; None when the spec gives no body."""
    extract = load_extract()
    responses = extract["operations"][operation]["responses"]
    assert str(status) in responses, f"{operation} documents no {status} response"
    schema = responses[str(status)]
    if schema is None:
        return None
    # Success bodies are checked closed. Error schemas stay as the spec has them, open: the
    # spec's own error schemas disagree on their fields (Forbidden omits BasicError's
    # ``exception``), and every error body carries the same five.
    close = status < 400
    components = {
        name: _convert(s, close=close) for name, s in extract["components"]["schemas"].items()
    }
    return {**_convert(schema, close=close), "components": {"schemas": components}}


def assert_spec(operation: str, response: httpx.Response) -> Any:
    """Check ``response`` against the spec (status documented, body valid); returns its JSON."""
    schema = spec_schema(operation, response.status_code)
    if response.status_code == 204:
        assert response.content == b""
        return None
    body = response.json()
    if schema is None:
        # 429 and 503 have no body schema in the spec; ours still has the error shape.
        schema = spec_schema("GET /customers", 500)
    assert schema is not None
    jsonschema.validate(body, schema, cls=jsonschema.Draft7Validator)
    if response.status_code >= 400:
        error = body["error"]
        assert set(error) == {"type", "exception", "title", "detail", "error_data"}
    return body
