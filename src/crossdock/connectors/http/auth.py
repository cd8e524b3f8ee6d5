"""Fixed-credential auth flows: a static bearer token with vendor headers, and API keys.

Each is an ``httpx.Auth`` holding one credential; nothing is global. Their ``repr`` names the
headers they set, never the values.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping

import httpx


class StaticAuth(httpx.Auth):
    """Sets the same headers on every request."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = dict(headers)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self._headers)
        yield request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(headers={sorted(self._headers)})"


class BearerAuth(StaticAuth):
    """A long-lived bearer token, plus headers the vendor wants beside it (CRO's x-tenant-id)."""

    def __init__(
        self, token: str, *, scheme: str = "Bearer", headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__({**(headers or {}), "Authorization": f"{scheme} {token}"})


class ApiKeyAuth(StaticAuth):
    """An API key in a header: ``Authorization: Bearer <key>`` or e.g. ``X-API-Key: <key>``."""

    def __init__(
        self, key: str, *, header: str = "Authorization", scheme: str | None = "Bearer"
    ) -> None:
        super().__init__({header: f"{scheme} {key}" if scheme else key})
