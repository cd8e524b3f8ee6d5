"""Access tokens and where they are kept: ``TokenRecord``, the ``TokenStore`` seam with its
in-memory twin, and the cipher that seals records before a store sees them.

A store holds one opaque record per credential key plus a lock per key. Workers that share a
credential share a store (a database-backed one belongs to the sync engine, outside
connectors), so a token refreshed by one worker is used by all, and a rotated refresh token
is written under the same lock that read the old one.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import anyio
from cryptography.fernet import Fernet, InvalidToken

from crossdock.crypto import derive_key


@dataclass(frozen=True)
class TokenRecord:
    """An access token and what is needed to renew it. ``repr`` never shows a secret."""

    access_token: str = field(repr=False)
    expires_at: float | None = None
    refresh_token: str | None = field(default=None, repr=False)
    obtained_at: float | None = None

    @property
    def lifetime(self) -> float | None:
        if self.expires_at is None or self.obtained_at is None:
            return None
        return self.expires_at - self.obtained_at

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> TokenRecord:
        loaded: dict[str, Any] = json.loads(data)
        return cls(
            access_token=str(loaded["access_token"]),
            expires_at=None if loaded.get("expires_at") is None else float(loaded["expires_at"]),
            refresh_token=loaded.get("refresh_token"),
            obtained_at=None if loaded.get("obtained_at") is None else float(loaded["obtained_at"]),
        )


class TokenStore(Protocol):
    """One sealed token record per credential key, and a lock per key.

    ``lock`` must exclude every other holder of the same key that shares the store: other
    tasks for an in-memory store, other processes for a database one (an advisory lock).
    """

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, value: bytes) -> None: ...

    def lock(self, key: str) -> AbstractAsyncContextManager[None]: ...


class MemoryTokenStore:
    """Records and locks in this process's memory; every client given it shares them."""

    def __init__(self) -> None:
        self._values: dict[str, bytes] = {}
        self._locks: dict[str, anyio.Lock] = {}

    async def get(self, key: str) -> bytes | None:
        return self._values.get(key)

    async def put(self, key: str, value: bytes) -> None:
        self._values[key] = value

    @asynccontextmanager
    async def _locked(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.get(key) or self._locks.setdefault(key, anyio.Lock())
        async with lock:
            yield

    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        return self._locked(key)


class TokenCipher(Protocol):
    """Seals token records before they reach a store; a store only ever sees ciphertext."""

    def seal(self, data: bytes) -> bytes: ...

    def open(self, data: bytes) -> bytes:
        """Raises ``ValueError`` when ``data`` was not sealed with this key."""
        ...


class PlainCipher:
    """No encryption: for stores that never leave the process (the in-memory one)."""

    def seal(self, data: bytes) -> bytes:
        return data

    def open(self, data: bytes) -> bytes:
        return data


class FernetTokenCipher:
    """Fernet (AES-128-CBC with HMAC), keyed from Crossdock's secret key for this one purpose."""

    def __init__(self, secret_key: str) -> None:
        key = derive_key(secret_key, "crossdock-connector-tokens")
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def open(self, data: bytes) -> bytes:
        try:
            return self._fernet.decrypt(data)
        except InvalidToken as exc:
            raise ValueError("the token record was sealed with another key") from exc


def credential_key(vendor: str, *identity: str) -> str:
    """The store key of one credential: the vendor and who logs in (base URL, login, client id).

    Secrets are left out on purpose: a hash of a password must not sit beside the token, and
    a changed password still names the same account.
    """
    digest = hashlib.sha256("\x1f".join((vendor, *identity)).encode()).hexdigest()
    return f"{vendor}:{digest[:32]}"
