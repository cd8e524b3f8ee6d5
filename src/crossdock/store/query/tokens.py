"""Page tokens: base64url of a small JSON, either a keyset position or a scroll cursor id.

Tokens are not signed: they only carry where the previous page ended, every value in them is
type-checked and bound as a parameter, and tenancy lives in the endpoint's own select.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from crossdock.store.query.declare import Kind, QueryError

_NOT_A_TOKEN = "is not a page token issued for this list; use the x-cresco-page header value"


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last row's sort value(s) and unique key."""

    fingerprint: str
    values: list[Any]


def encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(token: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise QueryError("page", _NOT_A_TOKEN) from exc
    if not isinstance(payload, dict):
        raise QueryError("page", _NOT_A_TOKEN)
    return payload


def keyset_token(position: Position) -> str:
    return encode({"f": position.fingerprint, "v": position.values})


def scroll_token(cursor_id: str) -> str:
    return encode({"s": cursor_id})


def parse_keyset(payload: dict[str, Any], fingerprint: str) -> Position:
    values, issued_for = payload.get("v"), payload.get("f")
    if not isinstance(values, list) or not isinstance(issued_for, str):
        raise QueryError("page", _NOT_A_TOKEN)
    if issued_for != fingerprint:
        raise QueryError(
            "page", "was issued for different filters or sort; keep them the same while paging"
        )
    return Position(issued_for, values)


def to_token_value(value: Any) -> Any:
    """A row's sort value as JSON; datetimes and decimals as text so they round-trip exactly."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def from_token_value(kind: Kind | Literal["json"], value: Any, *, asdecimal: bool = False) -> Any:
    """A token value back to what its sort expression compares with; else a bad token."""
    if kind == "json" or value is None:
        return value  # a JSON sort value may be anything JSON; NULLs are checked by the caller
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if isinstance(value, bool):
        raise QueryError("page", _NOT_A_TOKEN)
    if kind == "int" and isinstance(value, int):
        return value
    if kind == "number" and isinstance(value, int | float | str):
        try:
            return Decimal(str(value)) if asdecimal else float(value)
        except (ArithmeticError, ValueError):
            pass
    if kind == "datetime" and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    raise QueryError("page", _NOT_A_TOKEN)
