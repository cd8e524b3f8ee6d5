"""What the Cropster sandbox tests share: a client for the sandbox app and its RPC calls.

It holds no tests; the test_cropster_* modules import from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from crossdock.sandboxes.cropster import CropsterConfig, create_app

CLIENT_ID = "crossdock-test"
CLIENT_SECRET = "s3cret-for-tests"
ALL_SCOPES = "inventory.green inventory.roast inventory.blend"


class Api:
    """A Crossdock-shaped client of one sandbox: token handling and RPC calls."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def fetch_token(
        self,
        scope: str | None = ALL_SCOPES,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
    ) -> str:
        form = {"grant_type": "client_credentials", "client_id": client_id}
        form["client_secret"] = client_secret
        if scope is not None:
            form["scope"] = scope
        r = await self.http.post("/oauth2/token", data=form)
        assert r.status_code == 200, r.text
        token: str = r.json()["access_token"]
        return token

    async def call(
        self, method: str, body: dict[str, Any] | None = None, *, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token if token is None else token}"}
        return await self.http.post(f"/rpc/v1/{method}", json=body or {}, headers=headers)

    async def ok(self, method: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = await self.call(method, body)
        assert r.status_code == 200, r.text
        payload: dict[str, Any] = r.json()
        assert payload["ok"] is True
        return payload

    async def list_all(
        self, method: str, key: str, filter: dict[str, Any] | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Every record of a listing, following endCursor to the end."""
        records: list[dict[str, Any]] = []
        cursors: set[str] = set()
        after = None
        while True:
            params = {"filter": filter or {}, "pagination": {"limit": limit, "after": after}}
            page = await self.ok(method, {"params": params})
            records.extend(page["result"][key])
            after = page["meta"]["pagination"]["endCursor"]
            if after is None:
                return records
            assert after not in cursors, "the cursor went round in a loop"
            cursors.add(after)

    async def control(self, path: str, json: Any = None) -> dict[str, Any]:
        r = await self.http.post(f"/_sandbox/{path}", json=json)
        assert r.status_code in (200, 201), r.text
        payload: dict[str, Any] = r.json()
        return payload


@asynccontextmanager
async def open_api(**config: Any) -> AsyncIterator[Api]:
    """A fresh sandbox (rate limit off unless asked for) and a client holding a token."""
    config.setdefault("rate_limit", None)
    app = create_app(CropsterConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **config))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cropster.test") as http:
        api = Api(http)
        api.token = await api.fetch_token()
        yield api


def error_of(r: httpx.Response) -> tuple[int, str]:
    """Status and code of an RPC error, checking the body has Cropster's error shape."""
    body = r.json()
    assert body["ok"] is False
    assert set(body) == {"ok", "error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    return r.status_code, body["error"]["code"]
