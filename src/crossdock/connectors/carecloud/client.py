"""CareCloud for one API user: the configured client of both interfaces, the enterprise login
(a bearer token until ``valid_to``, logged in again when it runs out), the customer-interface
flow for one customer, and the connection test that integration activation runs.

``baseUrl`` is the project URL (``https://sandbox.crmcarecloud.com``; a bare domain, as
CareCloud's docs give it, means https); the client appends
``/webservice/rest-api/enterprise-interface/v1.0`` and ``.../customer-interface/v1.0``. Every
request asks for English (``Accept-Language: en``), so CareCloud's reasons in Crossdock's errors
and logs are English whatever the project's default language (Czech, per CareCloud's spec).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
import httpx
import structlog

from crossdock.connectors.carecloud.errors import VENDOR, carecloud_error, login_error
from crossdock.connectors.carecloud.times import project_zone, to_epoch
from crossdock.connectors.catalog import CareCloudSettings
from crossdock.connectors.http import (
    ConnectorClient,
    HttpOptions,
    LoginTokenAuth,
    Record,
    RetryPolicy,
    TokenCipher,
    TokenRecord,
    TokenStore,
    credential_key,
    dig,
    validate_settings,
)
from crossdock.errors import CrossdockError, FixRequest, GiveUp

log = structlog.get_logger("crossdock.connectors.carecloud")

API_ROOT = "/webservice/rest-api"
ENTERPRISE_PATH = f"{API_ROOT}/enterprise-interface/v1.0"
CUSTOMER_PATH = f"{API_ROOT}/customer-interface/v1.0"
LANGUAGE = "en"
# valid_to is read in the project's time zone; a reading outside this window means the zone
# setting is wrong, and the token is then kept until CareCloud answers 401.
MAX_TOKEN_LIFETIME = 48 * 3600.0

# Activation waits on the test: retry a blip, not an outage.
CONNECTION_TEST_RETRY = RetryPolicy(attempts=2, wait_initial=0.5, deadline=15.0)
CONNECTION_TEST_OPTIONS = HttpOptions(timeout=httpx.Timeout(10.0, connect=5.0))


def project_url(base_url: str) -> str:
    """The project URL from ``baseUrl``: https for a bare domain, and an interface path that
    was pasted in with it dropped (the client adds both interfaces' paths itself)."""
    url = base_url.strip()
    if "://" not in url:
        url = f"https://{url}"
    url = url.rstrip("/")
    for suffix in (ENTERPRISE_PATH, CUSTOMER_PATH, API_ROOT):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise FixRequest(f"CareCloud settings: baseUrl: {base_url!r} is no URL", field="baseUrl")
    return url


class CareCloudClient(ConnectorClient):
    """One CareCloud API user (``applicationId``, ``login``, ``password``) of one project.

    ``api`` sends to the enterprise interface with the user's bearer token; ``customer_api``
    to the customer interface, where each call brings its own device token. Tokens are kept
    in ``token_store`` (sealed by ``token_cipher``), so workers that share a store share one
    login. Close the client, or use it as an async context manager.
    """

    def __init__(
        self,
        settings: CareCloudSettings | Mapping[str, Any],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        options: HttpOptions | None = None,
        token_store: TokenStore | None = None,
        token_cipher: TokenCipher | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            vendor=VENDOR,
            errors=carecloud_error,
            transport=transport,
            retry=retry,
            options=options,
            sleep=sleep,
            clock=clock,
        )
        self.settings = validate_settings(CareCloudSettings, settings, "CareCloud settings")
        self.zone = project_zone(self.settings.timezone)
        self.project_url = project_url(self.settings.baseUrl)
        self.enterprise_url = self.project_url + ENTERPRISE_PATH
        self.customer_url = self.project_url + CUSTOMER_PATH
        self.clock = clock
        headers = {"Accept-Language": LANGUAGE}
        key = credential_key(
            "carecloud", self.project_url, self.settings.applicationId, self.settings.login
        )
        self.auth = LoginTokenAuth(
            key,
            login_request=self._login_request,
            read_token=self._read_token,
            store=token_store,
            cipher=token_cipher,
            clock=clock,
        )
        self.api = self.connect(self.enterprise_url, auth=self.auth, headers=headers)
        self.customer_api = self.connect(self.customer_url, headers=headers, observe_clock=False)

    # -- the enterprise login ----------------------------------------------------------------

    def _login_request(self) -> httpx.Request:
        # Sent by the auth flow as it is: the client's default headers are not added to it.
        return httpx.Request(
            "POST",
            f"{self.enterprise_url}/users/actions/login",
            json={
                "user_external_application_id": self.settings.applicationId,
                "login": self.settings.login,
                "password": self.settings.password,
            },
            headers={"Accept": "application/json", "Accept-Language": LANGUAGE},
        )

    def _read_token(self, response: httpx.Response) -> TokenRecord:
        if not response.is_success:
            raise login_error(response)
        try:
            data = json.loads(response.content)["data"]
            token = data["bearer_token"]
        except (ValueError, KeyError, TypeError):
            raise GiveUp(f"{VENDOR}: the login answer carries no bearer_token") from None
        if not isinstance(token, str) or not token:
            raise GiveUp(f"{VENDOR}: the login answer carries no bearer_token")
        now = self.clock()
        valid_to = data.get("valid_to")
        expires_at = to_epoch(valid_to, self.zone) if isinstance(valid_to, str) else None
        if expires_at is not None and not now < expires_at <= now + MAX_TOKEN_LIFETIME:
            log.warning(
                "valid_to does not fit the project time zone; renewing on 401 only",
                valid_to=valid_to,
                timezone=self.settings.timezone,
            )
            expires_at = None
        return TokenRecord(access_token=token, expires_at=expires_at, obtained_at=now)

    # -- the customer interface --------------------------------------------------------------

    async def read_as_customer(
        self,
        login_value: str,
        password: str,
        *,
        login_type: str = "email",
        application_id: str | None = None,
        device_id: str | None = None,
    ) -> Record:
        """One customer's own record, as the customer interface shows it once they log in.

        CareCloud's customer flow: ``POST /tokens`` makes a device token (for
        ``application_id``, default the ``applicationId`` setting), ``POST
        /tokens/{token_id}/actions/login`` logs the customer in to it (``login_type`` email,
        phone or card), ``GET /customers`` reads the customer, and the customer is logged out
        again. Each call uses a device of its own (``device_id``, default a new random one),
        because a second token for one device replaces the first. A wrong login is
        ``FixCredentials`` with CareCloud's reason.
        """
        created = await self.customer_api.request(
            "POST",
            "/tokens",
            json={
                "device": {
                    "device_id": device_id or f"crossdock-{secrets.token_hex(8)}",
                    "device_system": "Crossdock",
                    "device_name": "Crossdock integration",
                    "device_type": "server",
                },
                "setup": {
                    "language_id": LANGUAGE,
                    "allowed_gps": False,
                    "allowed_notifications": False,
                },
                "external_application_id": application_id or self.settings.applicationId,
            },
            # A repeated POST for the same device replaces the token: one live token remains.
            idempotent=True,
        )
        token = dig(self.customer_api.decode(created), "data.token_id")
        if not isinstance(token, str) or not token:
            raise GiveUp(f"{VENDOR}: POST /tokens answered without a token_id")
        bearer = {"Authorization": f"Bearer {token}"}
        try:
            await self.customer_api.request(
                "POST",
                f"/tokens/{token}/actions/login",
                json={"login_type": login_type, "login_value": login_value, "password": password},
                headers=bearer,
                idempotent=True,  # the same customer logged in to the same token twice: once
            )
            listed = await self.customer_api.request("GET", "/customers", headers=bearer)
            customers = dig(self.customer_api.decode(listed), "data.customers")
            if not isinstance(customers, list) or not customers:
                raise GiveUp(f"{VENDOR}: the customer interface listed no logged-in customer")
            return dict(customers[0])
        finally:
            with anyio.CancelScope(shield=True):
                await self._logout_customer(token, bearer)

    async def _logout_customer(self, token: str, bearer: dict[str, str]) -> None:
        try:
            await self.customer_api.request(
                "POST", f"/tokens/{token}/actions/logout", headers=bearer, idempotent=True
            )
        except CrossdockError as exc:
            # The record was read (or the login failed); a session left open ends with the
            # device token, which nothing else uses.
            log.warning("customer logout failed", vendor=VENDOR, reason=exc.detail)


async def connection_test(settings: Mapping[str, Any]) -> None:
    """Log in (application id, login, password) and read one customer (read rights).

    Raises the Crossdock error for CareCloud's answer, with CareCloud's own reason.
    """
    async with CareCloudClient(
        settings, retry=CONNECTION_TEST_RETRY, options=CONNECTION_TEST_OPTIONS
    ) as client:
        await client.api.request("GET", "/customers", params={"count": 1})
