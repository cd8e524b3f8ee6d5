"""The CRO sandbox's whole world: tenants, access tokens and the control-API hooks.

Credentials: one bearer token (JWT-shaped, as CRO's OAuth server issues) assigned to the
configured tenant and to a second tenant, so a client can see that ``x-tenant-id`` selects
isolated data; a third tenant exists that the token may not use (403). Unless configured, the
token and tenant id are derived from the seed, and they survive ``reset`` and ``seed`` so a
running client keeps working. More tokens, with other tenants, roles or lifetimes, come from
the control API (``POST /_sandbox/credentials``).

Deviation: the real API obtains tokens through an interactive OAuth 2.0 authorization-code
(PKCE) login; the sandbox has no authorization server and hands tokens out directly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crossdock.sandboxes.base import Clock, SandboxConfig, VendorState
from crossdock.sandboxes.cro.auth import ALL_ROLES, DEFAULT_ROLES, TOKEN_SHAPE
from crossdock.sandboxes.cro.errors import injected_error
from crossdock.sandboxes.cro.seed import SEED_END_MS, build_tenant, new_customer, other_tenant_size
from crossdock.sandboxes.cro.tenant import Tenant

ISSUED_TOKEN_LIFETIME = 3600.0


@dataclass
class CroConfig(SandboxConfig):
    """``token``/``tenant_id`` None means "generate one from the seed" (printed at start)."""

    records: int = 504
    token: str | None = None
    tenant_id: int | None = None


@dataclass
class Grant:
    """What one access token may do."""

    token: str
    tenants: tuple[int, ...]
    roles: frozenset[str]
    expires_at: float | None = None
    revoked: bool = field(default=False)

    def expired(self, now: float) -> bool:
        return self.revoked or (self.expires_at is not None and now >= self.expires_at)


class CroState(VendorState):
    vendor = "cro"

    def __init__(self, config: CroConfig, clock: Clock) -> None:
        super().__init__(config, clock)
        self.secret = hashlib.sha256(f"cro-sandbox:{config.seed}".encode()).digest()
        rng = random.Random(f"cro-credentials:{config.seed}")
        if config.tenant_id is not None and not 1 <= config.tenant_id <= 2_147_483_645:
            raise ValueError("the CRO tenant id must be a positive 32-bit integer")
        self.tenant_id = config.tenant_id or rng.randint(1000, 9999)
        self.tenant_ids = (self.tenant_id, self.tenant_id + 1, self.tenant_id + 2)
        if config.token is not None and not TOKEN_SHAPE.match(config.token):
            raise ValueError("a CRO token is JWT-shaped: three base64url segments joined by dots")
        if config.token is not None and len(config.token) > 240:
            raise ValueError("a CRO token must fit the 256-character Authorization header")
        # Kept short (70 characters) so the launcher prints it on one 80-column line.
        self.token = config.token or self._sign({"sub": "crossdock"}, signature_bytes=16)
        self.tenants: dict[int, Tenant] = {}
        self.grants: dict[str, Grant] = {}
        self._issued = 0
        self._insert_rng = random.Random(0)

    # -- VendorState ---------------------------------------------------------------------

    def reset(self, *, seed: int, records: int) -> None:
        others = other_tenant_size(records)
        sizes = (records, others, others)
        self.tenants = {
            tenant_id: build_tenant(
                tenant_id=tenant_id, seed=seed, customers=size, primary=tenant_id == self.tenant_id
            )
            for tenant_id, size in zip(self.tenant_ids, sizes, strict=True)
        }
        self.grants = {self.token: Grant(self.token, self.tenant_ids[:2], frozenset(DEFAULT_ROLES))}
        self._issued = 0
        self._insert_rng = random.Random(f"cro-inserts:{seed}")

    def issue_credentials(self, params: dict[str, Any]) -> dict[str, Any]:
        """``{"tenants": [..], "role": ".." | "roles": [..], "expires_in": seconds | null}``."""
        unknown = set(params) - {"tenants", "role", "roles", "expires_in"}
        if unknown:
            raise ValueError(f"unknown credential parameters: {', '.join(sorted(unknown))}")
        tenants = params.get("tenants", [self.tenant_id])
        if not isinstance(tenants, list) or not all(
            isinstance(t, int) and not isinstance(t, bool) for t in tenants
        ):
            raise ValueError("tenants must be a list of tenant ids")
        missing = [t for t in tenants if t not in self.tenants]
        if missing:
            known = ", ".join(str(t) for t in self.tenant_ids)
            raise ValueError(f"no tenant {missing[0]}; the sandbox has tenants {known}")
        roles = _roles(params)
        expires_in = params.get("expires_in", ISSUED_TOKEN_LIFETIME)
        if expires_in is not None and (
            isinstance(expires_in, bool)
            or not isinstance(expires_in, int | float)
            or expires_in <= 0
        ):
            raise ValueError("expires_in must be a positive number of seconds, or null")
        now = self.clock.time()
        self._issued += 1
        claims: dict[str, Any] = {"sub": f"sandbox-user-{self._issued}", "iat": int(now)}
        if expires_in is not None:
            claims["exp"] = int(now + expires_in)
        claims["jti"] = self._issued
        token = self._sign(claims)
        expires_at = None if expires_in is None else now + float(expires_in)
        self.grants[token] = Grant(token, tuple(tenants), roles, expires_at)
        return {
            "token": token,
            "authorization": f"bearer {token}",
            "tenants": tenants,
            "roles": sorted(roles),
            "expires_in": expires_in,
            "expires_at": (
                None if expires_at is None else datetime.fromtimestamp(expires_at, UTC).isoformat()
            ),
        }

    def credentials(self) -> dict[str, str]:
        return {
            "token": self.token,
            "x-tenant-id": str(self.tenant_id),
            "second tenant, same token": str(self.tenant_ids[1]),
            "roles": ", ".join(DEFAULT_ROLES),
        }

    def expire_tokens(self) -> int:
        live = [g for g in self.grants.values() if not g.revoked]
        for grant in live:
            grant.revoked = True
        return len(live)

    def insert_records(self, count: int) -> int:
        """New customers in the primary tenant, at the position their names sort to."""
        tenant = self.tenants[self.tenant_id]
        location_ids = [loc.id for loc in tenant.locations.values() if loc.is_active]
        now_ms = max(self.now_ms(), SEED_END_MS)
        for _ in range(count):
            tenant.add(new_customer(tenant, self._insert_rng, location_ids, now_ms))
        return count

    def error_body(self, status: int) -> tuple[bytes, dict[str, str]]:
        return injected_error(status)

    def counts(self) -> dict[str, int]:
        counts = {f"tenant {t.id} customers": len(t.customers) for t in self.tenants.values()}
        counts["tokens"] = len(self.grants)
        return counts

    # -- used by the routes --------------------------------------------------------------

    def grant_for(self, token: str) -> Grant | None:
        return self.grants.get(token)

    def tenant(self, tenant_id: int) -> Tenant:
        return self.tenants[tenant_id]

    def now_ms(self) -> int:
        return int(self.clock.time() * 1000)

    def _sign(self, claims: dict[str, Any], signature_bytes: int = 32) -> str:
        header = _b64(json.dumps({"alg": "HS256"}, separators=(",", ":")).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256)
        return f"{header}.{payload}.{_b64(signature.digest()[:signature_bytes])}"


def _roles(params: dict[str, Any]) -> frozenset[str]:
    raw = params.get("roles", [params["role"]] if "role" in params else list(DEFAULT_ROLES))
    if not isinstance(raw, list) or not raw or not all(isinstance(r, str) for r in raw):
        raise ValueError("role must be a role name, or roles a non-empty list of role names")
    unknown = sorted(set(raw) - ALL_ROLES)
    if unknown:
        raise ValueError(
            f"unknown role {unknown[0]!r}; CRO roles are {', '.join(sorted(ALL_ROLES))}"
        )
    return frozenset(raw)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
