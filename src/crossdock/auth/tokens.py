"""ID, access and refresh tokens.

ID and access tokens are JWTs (HS256, key derived from the secret key); the API accepts the
ID token in ``Authorization``, raw or as ``Bearer <token>``. Refresh tokens and challenge
sessions are random strings stored only as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from crossdock.crypto import derive_key
from crossdock.errors import FixCredentials

ISSUER = "crossdock"


@dataclass(frozen=True)
class IssuedTokens:
    id_token: str
    access_token: str
    expires_in: int


class TokenSigner:
    def __init__(self, secret_key: str, ttl: int) -> None:
        self._key = derive_key(secret_key, "crossdock-tokens")
        self.ttl = ttl

    def issue(
        self, *, username: str, client_id: str, claims: dict[str, Any], now: datetime
    ) -> IssuedTokens:
        exp = now + timedelta(seconds=self.ttl)
        base = {"iss": ISSUER, "sub": username, "aud": client_id, "iat": now, "exp": exp}
        id_token = jwt.encode(
            {**base, **claims, "token_use": "id", "jti": uuid.uuid4().hex}, self._key, "HS256"
        )
        access_token = jwt.encode(
            {**base, "token_use": "access", "jti": uuid.uuid4().hex}, self._key, "HS256"
        )
        return IssuedTokens(id_token=id_token, access_token=access_token, expires_in=self.ttl)

    def verify_id_token(self, token: str, *, now: datetime) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                issuer=ISSUER,
                # Expiry is checked below against the hub's clock, not the library's.
                options={
                    "verify_aud": False,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "sub"],
                },
            )
        except jwt.PyJWTError as exc:
            raise FixCredentials("The token is invalid.", field="Authorization") from exc
        if claims.get("token_use") != "id":
            raise FixCredentials("Send the IdToken, not the AccessToken.", field="Authorization")
        if claims["exp"] <= now.timestamp():
            raise FixCredentials("The token has expired.", field="Authorization")
        return claims


def new_opaque_token() -> str:
    return secrets.token_urlsafe(48)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_value(header: str | None) -> str:
    """The token in an ``Authorization`` header: the raw ID token, or ``Bearer <token>``."""
    if not header:
        raise FixCredentials("The Authorization header is missing.", field="Authorization")
    value = header.strip()
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "bearer":
        value = rest.strip()
    if not value:
        raise FixCredentials("The Authorization header is empty.", field="Authorization")
    return value
