"""Another hub speaking the Commerce Connect API (a Crossdock, or the original platform) for
one user: the configured client, its login and refresh, and the connection test that
integration activation runs.

Every call carries the bare IdToken in ``Authorization``, as the API's documentation shows. The
IdToken comes from ``POST /auth/login`` ``{clientId, username, password}`` and lasts an hour
(``ExpiresIn``); it is renewed ahead of expiry, and on a 401, with
``POST /auth/token/refresh`` ``{clientId, refreshToken}``; a refused refresh token means
logging in again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
import httpx

from crossdock.connectors.catalog import CrescodataSettings
from crossdock.connectors.crescodata.errors import VENDOR, crescodata_error
from crossdock.connectors.http import (
    ConnectorClient,
    HttpOptions,
    RefreshTokenAuth,
    RetryPolicy,
    TokenCipher,
    TokenRecord,
    TokenStore,
    credential_key,
    validate_settings,
)
from crossdock.errors import FixCredentials, GiveUp

# Activation waits on the test: retry a blip, not an outage.
CONNECTION_TEST_RETRY = RetryPolicy(attempts=2, wait_initial=0.5, deadline=15.0)
CONNECTION_TEST_OPTIONS = HttpOptions(timeout=httpx.Timeout(10.0, connect=5.0))


class CrescodataClient(ConnectorClient):
    """One user of another hub. Close it, or use it as an async context manager.

    ``tokens`` is where the user's IdToken and refresh token live (sealed by ``cipher``): pass
    the same store to every client of the credential so that they log in once between them.
    """

    def __init__(
        self,
        settings: CrescodataSettings | Mapping[str, Any],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        options: HttpOptions | None = None,
        tokens: TokenStore | None = None,
        cipher: TokenCipher | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            vendor=VENDOR,
            errors=crescodata_error,
            transport=transport,
            retry=retry,
            options=options,
            sleep=sleep,
            clock=clock,
        )
        self.settings = validate_settings(CrescodataSettings, settings, f"{VENDOR} settings")
        self.base_url = self.settings.baseUrl.rstrip("/")
        self.key = credential_key(
            "crescodata", self.base_url, self.settings.clientId, self.settings.username
        )
        self._clock = clock
        self.auth = RefreshTokenAuth(
            self.key,
            login_request=self._login_request,
            refresh_request=self._refresh_request,
            read_token=self._read_token,
            scheme=None,  # the bare IdToken, as the API's documentation sends it
            store=tokens,
            cipher=cipher,
            clock=clock,
        )
        self.api = self.connect(self.base_url, auth=self.auth)

    # -- login and refresh, for RefreshTokenAuth ------------------------------------------------

    def _login_request(self) -> httpx.Request:
        body = {
            "clientId": self.settings.clientId,
            "username": self.settings.username,
            "password": self.settings.password,
        }
        return httpx.Request("POST", f"{self.base_url}/auth/login", json=body)

    def _refresh_request(self, refresh_token: str) -> httpx.Request:
        body = {"clientId": self.settings.clientId, "refreshToken": refresh_token}
        return httpx.Request("POST", f"{self.base_url}/auth/token/refresh", json=body)

    def _read_token(self, response: httpx.Response) -> TokenRecord:
        if not response.is_success:
            raise crescodata_error(response)
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise GiveUp(f"{VENDOR}: the answer to {response.request.url.path} is not JSON")
        challenge = body.get("ChallengeName")
        if challenge:
            raise FixCredentials(
                f"{VENDOR}: {self.settings.username} must choose a new password before "
                f"logging in ({challenge}); set it in the other hub, then update the password "
                "setting",
                field="password",
            )
        tokens = body.get("Tokens")
        id_token = tokens.get("IdToken") if isinstance(tokens, dict) else None
        if not isinstance(tokens, dict) or not isinstance(id_token, str) or not id_token:
            raise GiveUp(f"{VENDOR}: the answer to {response.request.url.path} has no IdToken")
        now = self._clock()
        expires_in = tokens.get("ExpiresIn")
        expires_at = now + float(expires_in) if isinstance(expires_in, int | float) else None
        refresh = tokens.get("RefreshToken")
        return TokenRecord(
            access_token=id_token,
            expires_at=expires_at,
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            obtained_at=now,
        )


async def connection_test(settings: Mapping[str, Any]) -> None:
    """Log in (client id, username, password) and list one integration (read rights).

    Raises the Crossdock error for the other hub's answer, with its own reason.
    """
    async with CrescodataClient(
        settings, retry=CONNECTION_TEST_RETRY, options=CONNECTION_TEST_OPTIONS
    ) as client:
        await client.api.request("GET", "/integrations", params={"limit": 1})
