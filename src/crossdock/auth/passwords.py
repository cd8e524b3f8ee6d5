"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crossdock.errors import ValidationFailed

MIN_TEMPORARY_LENGTH = 6
MIN_LENGTH = 8


class Passwords:
    """Argon2id hashing with the hub's cost settings (lower only in tests)."""

    def __init__(self, *, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def check_new_password(password: str, *, username: str, field: str) -> None:
    """A password a user chooses: 8+ characters, three character classes, not the username."""
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if len(password) < MIN_LENGTH or classes < 3:
        raise ValidationFailed(
            f"Passwords need at least {MIN_LENGTH} characters and three of: lower case, "
            "upper case, digits, symbols.",
            field=field,
        )
    if password.lower() == username.lower():
        raise ValidationFailed("The password must differ from the username.", field=field)


def check_temporary_password(password: str, *, field: str) -> None:
    if len(password) < MIN_TEMPORARY_LENGTH:
        raise ValidationFailed(
            f"Temporary passwords need at least {MIN_TEMPORARY_LENGTH} characters.", field=field
        )
