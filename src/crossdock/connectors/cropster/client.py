"""Cropster for one service account: the configured client (OAuth 2.0 client credentials, the
rate limit of the credential, the vendor's clock), RPC calls, and the connection test that
integration activation runs.

Every Cropster method is ``POST {baseUrl}/rpc/v1/{domain}.{subdomain}.{operation}`` with a JSON
body; answers are ``{"ok": true, "result": ..., "meta": ...}``. The token comes from
``{baseUrl}/oauth2/token`` (the sandbox), or ``tokenUrl`` where the vendor serves it from
another host: Cropster's own ``https://auth.cropster.com/oauth2/token`` is the default when
``baseUrl`` is ``https://api.cropster.com``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx

from crossdock.connectors.catalog import CropsterSettings
from crossdock.connectors.cropster.errors import VENDOR, cropster_error
from crossdock.connectors.http import (
    ClientCredentialsAuth,
    ConnectorClient,
    HttpOptions,
    Landed,
    MemoryRateLimitBackend,
    RateLimit,
    RateLimitBackend,
    RateLimiter,
    RetryPolicy,
    TokenCipher,
    TokenStore,
    credential_key,
    validate_settings,
)

RPC_PATH = "/rpc/v1"
CROPSTER_API_HOST = "api.cropster.com"
CROPSTER_TOKEN_URL = "https://auth.cropster.com/oauth2/token"

# Cropster allows 5 requests a second, bursts of 10, counted as requests arrive; network
# jitter can bunch ours, so the connector keeps just under (docs/connectors.md).
RATE_LIMIT = RateLimit(rate=4.9, burst=9)
MAX_PAGE_LIMIT = 100  # pagination.limit is 1 to 100

# The listing that proves each scope works, for the connection test.
SCOPE_LISTINGS = {
    "inventory.green": "inventory.green.listGreenLots",
    "inventory.roast": "inventory.roast.listRoastedLots",
    "inventory.blend": "inventory.blend.listBlendedLots",
}

# Activation waits on the test: retry a blip, not an outage.
CONNECTION_TEST_RETRY = RetryPolicy(attempts=2, wait_initial=0.5, deadline=15.0)
CONNECTION_TEST_OPTIONS = HttpOptions(timeout=httpx.Timeout(10.0, connect=5.0))


def cropster_time(epoch: float) -> str:
    """A moment as Cropster's filters take it: ISO 8601 UTC with milliseconds and ``Z``."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> float | None:
    """Seconds since the epoch of one of Cropster's ISO 8601 stamps; None if it is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def endpoints(settings: CropsterSettings) -> tuple[str, str]:
    """The RPC base URL and the token URL of ``settings``.

    ``baseUrl`` may be the host (``http://127.0.0.1:8104``) or, as Cropster's reference
    writes it, the RPC base (``https://api.cropster.com/rpc/v1``).
    """
    base = settings.baseUrl.rstrip("/")
    base = base.removesuffix(RPC_PATH)
    if settings.tokenUrl:
        token_url = settings.tokenUrl
    elif httpx.URL(base).host == CROPSTER_API_HOST:
        token_url = CROPSTER_TOKEN_URL
    else:
        token_url = base + "/oauth2/token"
    return base + RPC_PATH, token_url


class CropsterClient(ConnectorClient):
    """One Cropster service account. Close it, or use it as an async context manager.

    ``tokens`` and ``rate_limits`` are where the credential's token and its request bucket
    live: pass the same ones to every client of a process (and a shared store and backend
    to workers) so that they log in once and keep to one rate between them. Left out, this
    client has its own. ``rate_limit=None`` switches the bucket off (tests against a sandbox
    whose own limit is off).
    """

    def __init__(
        self,
        settings: CropsterSettings | Mapping[str, Any],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        options: HttpOptions | None = None,
        tokens: TokenStore | None = None,
        cipher: TokenCipher | None = None,
        rate_limits: RateLimitBackend | None = None,
        rate_limit: RateLimit | None = RATE_LIMIT,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            vendor=VENDOR,
            errors=cropster_error,
            transport=transport,
            retry=retry,
            options=options,
            sleep=sleep,
            clock=clock,
        )
        self.settings = validate_settings(CropsterSettings, settings, "Cropster settings")
        rpc_url, token_url = endpoints(self.settings)
        self.key = credential_key("cropster", rpc_url, self.settings.clientId)
        self.sleep = sleep
        self.auth = ClientCredentialsAuth(
            self.key,
            token_url=token_url,
            client_id=self.settings.clientId,
            client_secret=self.settings.clientSecret,
            scopes=self.settings.scopes,
            vendor=VENDOR,
            store=tokens,
            cipher=cipher,
            clock=clock,
        )
        limiter = None
        if rate_limit is not None:
            backend = rate_limits if rate_limits is not None else MemoryRateLimitBackend()
            limiter = RateLimiter(self.key, rate_limit, backend)
        self.api = self.connect(rpc_url, auth=self.auth, rate_limiter=limiter)

    async def call(
        self,
        method: str,
        body: Mapping[str, Any],
        *,
        idempotent: bool,
        landed: Landed | None = None,
    ) -> dict[str, Any]:
        """``POST /rpc/v1/<method>``; the answer's ``result`` (empty for a bare ``ok``).

        Queries are ``idempotent``; a command is only when sending it twice does no harm.
        """
        response = await self.api.request(
            "POST", method, json=dict(body), idempotent=idempotent, landed=landed
        )
        return self.result(response)

    def result(self, response: httpx.Response) -> dict[str, Any]:
        body = self.api.decode(response)
        if not isinstance(body, dict) or body.get("ok") is False:
            raise cropster_error(response)  # an error answered as a success: give up
        result = body.get("result")
        return result if isinstance(result, dict) else {}


async def connection_test(settings: Mapping[str, Any]) -> None:
    """Obtain a token for the configured scopes and read one lot of each scope's listing.

    Raises the Crossdock error for Cropster's answer, with Cropster's own reason in the
    message: ``invalid_client`` for a wrong id or secret, ``invalid_scope`` for a scope the
    service account was not granted, ``access_denied`` for a listing it may not read.
    """
    async with CropsterClient(
        settings, retry=CONNECTION_TEST_RETRY, options=CONNECTION_TEST_OPTIONS
    ) as client:
        scopes = client.settings.scopes or ["inventory.green"]
        for scope in scopes:
            listing = SCOPE_LISTINGS.get(scope)
            if listing is not None:
                query = {"params": {"pagination": {"limit": 1}}}
                await client.call(listing, query, idempotent=True)
