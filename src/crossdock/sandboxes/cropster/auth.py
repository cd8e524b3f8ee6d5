"""Service accounts, the OAuth client credentials grant, bearer tokens and the rate limit.

Access tokens are HS256 JWTs (the vendor's docs call them JWTs) signed with a key made at start;
the sandbox still looks every token up in its own table, so the control API can expire them
all at once. Each token is valid for 8 hours of the sandbox clock; ``expires_in`` is 28799, as
in the vendor's sample, so a client that trusts it renews a second early.
"""

from __future__ import annotations

import hmac
import math
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import jwt

from crossdock.sandboxes.base import Clock
from crossdock.sandboxes.cropster.errors import CropsterError, OAuthError

SCOPES = ("inventory.green", "inventory.roast", "inventory.blend")
TOKEN_LIFETIME = 8 * 3600
EXPIRES_IN = TOKEN_LIFETIME - 1


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]


@dataclass(slots=True)
class AccessToken:
    client_id: str
    scopes: frozenset[str]
    expires_at: float


class TokenBucket:
    """``rate`` requests a second on average, up to ``burst`` at once."""

    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.last = now

    def take(self, now: float) -> float:
        """Spend one token; 0 when allowed, else the seconds until one is available."""
        if now > self.last:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def parse_scopes(names: Iterable[object]) -> tuple[str, ...]:
    """Validate scope names (ValueError on an unknown one), keeping order, without repeats."""
    scopes: list[str] = []
    for name in names:
        if name not in SCOPES:
            raise ValueError(f"unknown scope {name!r}; the scopes are {', '.join(SCOPES)}")
        assert isinstance(name, str)
        if name not in scopes:
            scopes.append(name)
    return tuple(scopes)


class Credentials:
    """Who may call the sandbox: service accounts, their tokens and their rate buckets."""

    def __init__(self, clock: Clock, main: ServiceAccount, rate: float | None, burst: int) -> None:
        self.clock = clock
        self.main = main
        self.rate = rate
        self.burst = burst
        self._key = secrets.token_bytes(64)
        self.accounts: dict[str, ServiceAccount] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.buckets: dict[str, TokenBucket] = {}
        self.reset()

    def reset(self) -> None:
        """Only the configured account remains; every token and rate bucket is gone."""
        self.accounts = {self.main.client_id: self.main}
        self.tokens.clear()
        self.buckets.clear()

    def add_account(
        self,
        scopes: tuple[str, ...],
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> ServiceAccount:
        client_id = client_id or new_client_id()
        if client_id in self.accounts:
            raise ValueError(f"a service account {client_id!r} already exists")
        account = ServiceAccount(client_id, client_secret or new_client_secret(), scopes)
        self.accounts[client_id] = account
        return account

    def grant(
        self, grant_type: str | None, client_id: str, client_secret: str, scope: str | None
    ) -> dict[str, object]:
        """The client credentials grant: a token response, or an ``OAuthError``."""
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        if grant_type != "client_credentials":
            raise OAuthError("unsupported_grant_type", "the grant type must be client_credentials")
        account = self.accounts.get(client_id)
        if account is None or not hmac.compare_digest(
            account.client_secret.encode(), client_secret.encode()
        ):
            raise OAuthError("invalid_client", "client authentication failed", 401)
        if scope is None or not scope.strip():
            # RFC 6749 3.3 lets the server pick a default: everything the account was granted.
            scopes = account.scopes
        else:
            try:
                scopes = parse_scopes(scope.split())
            except ValueError as exc:
                raise OAuthError("invalid_scope", str(exc)) from exc
            refused = [s for s in scopes if s not in account.scopes]
            if refused:
                raise OAuthError(
                    "invalid_scope",
                    f"scope not granted to this service account: {' '.join(refused)}",
                )
        now = self.clock.time()
        token = jwt.encode(
            {
                "iss": "cropster-sandbox",
                "sub": account.client_id,
                "scope": " ".join(scopes),
                "iat": int(now),
                "exp": int(now + TOKEN_LIFETIME),
                "jti": str(uuid.uuid4()),
            },
            self._key,
            algorithm="HS256",
        )
        self._forget_expired(now)
        self.tokens[token] = AccessToken(account.client_id, frozenset(scopes), now + TOKEN_LIFETIME)
        return {
            "access_token": token,
            "expires_in": EXPIRES_IN,
            # The vendor's sample joins scopes with a URL-encoded space, literally.
            "scope": "%20".join(scopes),
            "token_type": "bearer",
        }

    def authenticate(self, authorization: str | None) -> AccessToken:
        """The token behind an ``Authorization: Bearer`` header, or a 401."""
        if not authorization:
            raise _unauthenticated("the Authorization header with a bearer token is missing")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthenticated("the Authorization header must be 'Bearer <ACCESS_TOKEN>'")
        access = self.tokens.get(token.strip())
        if access is None:
            raise _unauthenticated("the access token is invalid")
        if self.clock.time() >= access.expires_at:
            raise _unauthenticated("the access token has expired")
        return access

    def throttle(self, client_id: str) -> None:
        """Spend one request of ``client_id``'s rate budget, or raise a 429."""
        if self.rate is None:
            return
        now = self.clock.monotonic()
        bucket = self.buckets.get(client_id)
        if bucket is None:
            bucket = self.buckets[client_id] = TokenBucket(self.rate, self.burst, now)
        wait = bucket.take(now)
        if wait > 0:
            raise CropsterError(
                429,
                "too_many_requests",
                f"rate limit of {self.rate:g} requests per second exceeded",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )

    def expire_all(self) -> int:
        now = self.clock.time()
        live = [t for t in self.tokens.values() if t.expires_at > now]
        for access in live:
            access.expires_at = now
        return len(live)

    def _forget_expired(self, now: float) -> None:
        if len(self.tokens) > 1000:
            self.tokens = {k: t for k, t in self.tokens.items() if t.expires_at > now}


def _unauthenticated(message: str) -> CropsterError:
    return CropsterError(
        401,
        "invalid_authentication",
        message,
        {"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def new_client_id() -> str:
    return f"sandbox-{secrets.token_hex(8)}"


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)
