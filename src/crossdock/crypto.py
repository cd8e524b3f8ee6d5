"""Secrets at rest: integration credentials are encrypted with a key derived from the secret key.

Encrypted values are stored in place as ``{"$encrypted": "<fernet token>"}`` so the surrounding
JSON keeps its shape; the API never returns them (see ``redact``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crossdock.errors import GiveUp

ENCRYPTED = "$encrypted"
REDACTED = "********"


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose (token signing, secret encryption) from the master key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
    return hkdf.derive(secret_key.encode())


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret_key, "crossdock-secrets")))

    def encrypt(self, value: Any) -> dict[str, str]:
        token = self._fernet.encrypt(json.dumps(value).encode()).decode()
        return {ENCRYPTED: token}

    def decrypt(self, stored: Any) -> Any:
        if not is_encrypted(stored):
            return stored
        try:
            return json.loads(self._fernet.decrypt(stored[ENCRYPTED].encode()))
        except InvalidToken as exc:
            raise GiveUp(
                "a stored secret cannot be decrypted: CROSSDOCK_SECRET_KEY or the key file changed"
            ) from exc

    def seal(self, settings: dict[str, Any], secret_fields: frozenset[str]) -> dict[str, Any]:
        """Encrypt the named top-level fields of ``settings`` that are not encrypted yet."""
        return {
            key: self.encrypt(value)
            if key in secret_fields and value is not None and not is_encrypted(value)
            else value
            for key, value in settings.items()
        }

    def open(self, settings: dict[str, Any]) -> dict[str, Any]:
        return {key: self.decrypt(value) for key, value in settings.items()}


def is_encrypted(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {ENCRYPTED}


def redact(settings: dict[str, Any], secret_fields: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Replace every secret (encrypted or named) with a fixed mask, for API output and history."""
    return {
        key: REDACTED
        if is_encrypted(value) or (key in secret_fields and value is not None)
        else value
        for key, value in settings.items()
    }
