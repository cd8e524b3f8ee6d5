"""Stored responses for ``Idempotency-Key`` retries: per company and endpoint, kept 24 hours.

A repeat of a key answers the stored response (``X-Idempotency-Cached: true``) without acting
again. The sandbox stores only successful (2xx) responses, so a request refused with a 4xx can
be corrected and retried under the same key; a repeat whose query or body differs from the
stored request is refused with 422, as Stripe does, rather than answered with a response that
belongs to another request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

RETENTION_MS = 24 * 3600 * 1000
MAX_KEY_LENGTH = 255
_SWEEP_EVERY = 1000

Scope = tuple[str, str, str, str]  # company, method, path, key


@dataclass(frozen=True)
class Stored:
    fingerprint: str
    status: int
    body: bytes
    stored_ms: int


def fingerprint(query: str, body: bytes) -> str:
    """What makes two requests "the same": the query and the body, as JSON when it parses
    (so key order and whitespace do not matter), else byte for byte."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True).encode() if body else b""
    except (ValueError, RecursionError):
        canonical = body
    return hashlib.sha256(query.encode() + b"\x00" + canonical).hexdigest()


class IdempotencyStore:
    def __init__(self) -> None:
        self._entries: dict[Scope, Stored] = {}
        self._writes = 0

    def lookup(self, scope: Scope, now_ms: int) -> Stored | None:
        entry = self._entries.get(scope)
        if entry is not None and now_ms - entry.stored_ms >= RETENTION_MS:
            del self._entries[scope]
            return None
        return entry

    def store(self, scope: Scope, entry: Stored) -> None:
        self._entries[scope] = entry
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            self._sweep(entry.stored_ms)

    def _sweep(self, now_ms: int) -> None:
        expired = [k for k, e in self._entries.items() if now_ms - e.stored_ms >= RETENTION_MS]
        for key in expired:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
