"""Auth flows that obtain their token: the ``TokenAuth`` base and one subclass per mechanism.

``TokenAuth`` owns what every such flow shares: it refreshes a token ahead of its expiry,
again once when the vendor answers 401, and it refreshes in a single flight: however many
requests find the token stale at once, one of them logs in while the others wait and then
use its token. The lock is taken twice, in this object (one task per process goes to the
store) and in the ``TokenStore`` (one worker per credential logs in), and the token is read
again under the lock, so whoever waited uses what the winner stored, rotated refresh token
included.

Subclasses only say how to log in, as a generator that yields the login request(s) and
returns a ``TokenRecord``: the requests travel through the same client (its transport, pool
and rate limit) as part of the flow, the way httpx's own flows do.
"""

from __future__ import annotations

import abc
import base64
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import structlog

from crossdock.connectors.http.errors import http_error, json_object
from crossdock.connectors.http.tokens import (
    MemoryTokenStore,
    PlainCipher,
    TokenCipher,
    TokenRecord,
    TokenStore,
)
from crossdock.errors import FixCredentials, GiveUp

log = structlog.get_logger("crossdock.connectors.auth")

LoginFlow = Generator[httpx.Request, httpx.Response, TokenRecord]
"""Yields login requests, receives their (read) responses, returns the new token."""


class TokenAuth(httpx.Auth, abc.ABC):
    """A token obtained by logging in, kept fresh, shared through a ``TokenStore``.

    ``key`` names the credential in the store (see ``credential_key``). ``refresh_ahead`` is
    how long before expiry a token counts as stale, at most half its lifetime so short-lived
    tokens are not renewed on every request. ``scheme`` prefixes the token in
    ``Authorization`` (None sends the bare token, as Commerce Connect wants).
    """

    reauth_statuses: frozenset[int] = frozenset({401})

    def __init__(
        self,
        key: str,
        *,
        store: TokenStore | None = None,
        cipher: TokenCipher | None = None,
        refresh_ahead: float = 60.0,
        scheme: str | None = "Bearer",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = key
        self.store: TokenStore = store if store is not None else MemoryTokenStore()
        self.cipher: TokenCipher = cipher if cipher is not None else PlainCipher()
        self.refresh_ahead = refresh_ahead
        self.scheme = scheme
        self.clock = clock
        self.logins = 0
        self._record: TokenRecord | None = None
        self._lock = anyio.Lock()

    @abc.abstractmethod
    def login(self, previous: TokenRecord | None) -> LoginFlow:
        """Obtain a new token; ``previous`` (stale or rejected) may carry a refresh token.

        Raise a Crossdock error with the vendor's reason when the vendor refuses.
        """

    def apply(self, request: httpx.Request, record: TokenRecord) -> None:
        value = record.access_token
        request.headers["Authorization"] = f"{self.scheme} {value}" if self.scheme else value

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        rejected: TokenRecord | None = None
        while True:
            record = await self._usable(rejected)
            if record is None:
                async with self._refreshing():
                    record = await self._usable(rejected)
                    if record is None:
                        # Our latest record, perhaps just read from the store: its refresh
                        # token is the newest one, where another worker may have rotated it.
                        flow = self.login(self._record or rejected)
                        step = _start(flow)
                        while isinstance(step, httpx.Request):
                            login_response = yield step
                            await login_response.aread()
                            step = _send(flow, login_response)
                        record = step
                        await self._save(record)
            self.apply(request, record)
            response = yield request
            if rejected is not None or response.status_code not in self.reauth_statuses:
                return
            rejected = record  # once: a fresh token that is refused too is the vendor's answer

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise GiveUp("token auth flows need an httpx.AsyncClient")
        yield request  # pragma: no cover - makes this a generator

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={self.key!r})"

    # -- the token and the store -----------------------------------------------------------

    def _fresh(self, record: TokenRecord) -> bool:
        if record.expires_at is None:
            return True
        ahead = self.refresh_ahead
        lifetime = record.lifetime
        if lifetime is not None:
            ahead = min(ahead, lifetime / 2)
        return self.clock() < record.expires_at - ahead

    def _acceptable(self, record: TokenRecord | None, rejected: TokenRecord | None) -> bool:
        if record is None or not self._fresh(record):
            return False
        return rejected is None or record.access_token != rejected.access_token

    async def _usable(self, rejected: TokenRecord | None) -> TokenRecord | None:
        """A token to send: ours if still good, else the store's (another worker's refresh)."""
        if self._acceptable(self._record, rejected):
            return self._record
        stored = await self._load()
        if stored is not None and (self._record is None or stored != self._record):
            self._record = stored
        return stored if self._acceptable(stored, rejected) else None

    async def _load(self) -> TokenRecord | None:
        sealed = await self.store.get(self.key)
        if sealed is None:
            return None
        try:
            return TokenRecord.from_bytes(self.cipher.open(sealed))
        except (ValueError, KeyError, TypeError):
            log.warning("stored token unreadable; logging in again", credential=self.key)
            return None

    async def _save(self, record: TokenRecord) -> None:
        self._record = record
        self.logins += 1
        await self.store.put(self.key, self.cipher.seal(record.to_bytes()))
        log.info("token obtained", credential=self.key, expires_at=record.expires_at)

    @asynccontextmanager
    async def _refreshing(self) -> AsyncIterator[None]:
        async with self._lock, self.store.lock(self.key):
            yield


def _start(flow: LoginFlow) -> httpx.Request | TokenRecord:
    try:
        return next(flow)
    except StopIteration as done:
        return _record(done.value)


def _send(flow: LoginFlow, response: httpx.Response) -> httpx.Request | TokenRecord:
    try:
        return flow.send(response)
    except StopIteration as done:
        return _record(done.value)


def _record(value: object) -> TokenRecord:
    if not isinstance(value, TokenRecord):
        raise GiveUp("a login flow ended without a token")
    return value


class LoginTokenAuth(TokenAuth):
    """Log in with one request for a bearer token that expires; log in again when it does.

    The vendor supplies the login request and how to read its answer (CareCloud:
    ``POST /users/actions/login``, ``bearer_token`` and ``valid_to``).
    """

    def __init__(
        self,
        key: str,
        *,
        login_request: Callable[[], httpx.Request],
        read_token: Callable[[httpx.Response], TokenRecord],
        **options: Any,
    ) -> None:
        super().__init__(key, **options)
        self._login_request = login_request
        self._read_token = read_token

    def login(self, previous: TokenRecord | None) -> LoginFlow:
        response = yield self._login_request()
        return self._read_token(response)


class RefreshTokenAuth(TokenAuth):
    """Log in for an ID token and a refresh token; renew with the refresh token, and log in
    again when the vendor refuses it (Commerce Connect's ``/auth/token/refresh``).

    A refresh answered with a status in ``relogin_statuses`` means the refresh token is spent
    or revoked; anything else unexpected is the vendor's error, raised by ``read_token``. A
    refresh answer without a new refresh token keeps the old one.
    """

    def __init__(
        self,
        key: str,
        *,
        login_request: Callable[[], httpx.Request],
        refresh_request: Callable[[str], httpx.Request],
        read_token: Callable[[httpx.Response], TokenRecord],
        relogin_statuses: Sequence[int] = (400, 401, 403),
        **options: Any,
    ) -> None:
        super().__init__(key, **options)
        self._login_request = login_request
        self._refresh_request = refresh_request
        self._read_token = read_token
        self._relogin_statuses = frozenset(relogin_statuses)

    def login(self, previous: TokenRecord | None) -> LoginFlow:
        if previous is not None and previous.refresh_token:
            response = yield self._refresh_request(previous.refresh_token)
            if response.status_code not in self._relogin_statuses:
                record = self._read_token(response)
                if record.refresh_token is None:
                    record = TokenRecord(
                        access_token=record.access_token,
                        expires_at=record.expires_at,
                        refresh_token=previous.refresh_token,
                        obtained_at=record.obtained_at,
                    )
                return record
            log.info("refresh token refused; logging in again", credential=self.key)
        response = yield self._login_request()
        return self._read_token(response)


# RFC 6749 5.2 errors that mean the client's credentials or grant are wrong.
_CREDENTIAL_ERRORS = frozenset(
    {"invalid_client", "invalid_grant", "unauthorized_client", "invalid_scope", "access_denied"}
)


class ClientCredentialsAuth(TokenAuth):
    """OAuth 2.0 client credentials (RFC 6749 4.4), the token cached until shortly before its
    ``expires_in`` runs out (Cropster). The client authenticates with form fields, or with
    HTTP Basic when ``basic_auth`` is set (RFC 6749 2.3.1).
    """

    def __init__(
        self,
        key: str,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        scopes: Sequence[str] = (),
        basic_auth: bool = False,
        vendor: str = "OAuth server",
        **options: Any,
    ) -> None:
        super().__init__(key, **options)
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self.scopes = tuple(scopes)
        self.basic_auth = basic_auth
        self.vendor = vendor

    def login(self, previous: TokenRecord | None) -> LoginFlow:
        form = {"grant_type": "client_credentials"}
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        headers = {"Accept": "application/json"}
        if self.basic_auth:
            pair = f"{self._client_id}:{self._client_secret}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
        else:
            form |= {"client_id": self._client_id, "client_secret": self._client_secret}
        response = yield httpx.Request("POST", self.token_url, data=form, headers=headers)
        return self.read_token(response)

    def read_token(self, response: httpx.Response) -> TokenRecord:
        body = json_object(response)
        if not response.is_success:
            code = str(body.get("error") or "")
            described = str(body.get("error_description") or "")
            reason = ": ".join(part for part in (code, described) if part) or "token refused"
            error = http_error(self.vendor, response, reason)
            if code in _CREDENTIAL_ERRORS and not isinstance(error, FixCredentials):
                raise FixCredentials(error.detail)
            raise error
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise GiveUp(f"{self.vendor}: the token response has no access_token")
        now = self.clock()
        expires_in = body.get("expires_in")
        expires_at = now + float(expires_in) if isinstance(expires_in, int | float) else None
        return TokenRecord(access_token=token, expires_at=expires_at, obtained_at=now)
