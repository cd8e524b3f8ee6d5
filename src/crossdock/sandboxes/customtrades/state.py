"""The Custom Trades sandbox's whole world: companies, API keys, usage and idempotency.

Deviations from the real service, on purpose:

- API keys are kept as SHA-256 hashes as the vendor describes, but the sandbox also remembers
  the primary and secondary keys in clear to print them at start and keep them across resets.
- "Expiring tokens" (the control API's ``tokens/expire`` and the ``expire_tokens`` fault)
  disables every key, as disabling a key in Settings would: requests then answer 401
  ``Invalid API key.`` until a new key is issued (``POST /_sandbox/credentials``) or the
  sandbox is reset.
- There are no IP restrictions and no add-on subscription: every key has API access.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers

from crossdock.sandboxes.base import Clock, VendorState
from crossdock.sandboxes.customtrades import records
from crossdock.sandboxes.customtrades.company import KINDS, Company, Stamper
from crossdock.sandboxes.customtrades.config import CustomTradesConfig
from crossdock.sandboxes.customtrades.errors import (
    INVALID_API_KEY,
    ApiError,
    error_bytes,
    message_for,
)
from crossdock.sandboxes.customtrades.idempotency import IdempotencyStore
from crossdock.sandboxes.customtrades.resources import RULES
from crossdock.sandboxes.customtrades.seed import build_company, collector_paused
from crossdock.sandboxes.customtrades.seedkit import SEED_ANCHOR_MS, fake_customer
from crossdock.sandboxes.customtrades.usage import UsageMeter

KEY_PREFIX = "ctc_live_"
MAX_KEYS_PER_COMPANY = 5


def generate_key() -> str:
    """``ctc_live_`` and a base64url-encoded 32-byte secret, as the vendor issues them."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class ApiKey:
    company: str
    name: str
    disabled: bool = False


class CustomTradesState(VendorState):
    vendor = "customtrades"
    config: CustomTradesConfig

    def __init__(self, config: CustomTradesConfig, clock: Clock) -> None:
        super().__init__(config, clock)
        self.primary_key = config.api_key or generate_key()
        self.secondary_key = generate_key()
        self.companies: dict[str, Company] = {}
        self.keys: dict[str, ApiKey] = {}
        self.usage = UsageMeter(config.usage_limit)
        self.idempotency = IdempotencyStore()
        self.stamper = Stamper(clock, SEED_ANCHOR_MS)
        self.seed = config.seed
        self.inserted = 0

    @property
    def primary(self) -> Company:
        return next(iter(self.companies.values()))

    @property
    def secondary(self) -> Company:
        return list(self.companies.values())[1]

    def now_ms(self) -> int:
        return int(self.clock.time() * 1000)

    # -- the VendorState contract -------------------------------------------------------------

    def reset(self, *, seed: int, records: int) -> None:
        """Two seeded companies: the primary one (``records`` customers, the CLI's key) and a
        smaller second one with its own key, so that isolation between companies is testable."""
        self.seed = seed
        self.stamper = Stamper(self.clock, SEED_ANCHOR_MS)
        other = 0 if records <= 0 else min(1000, max(3, records // 10))
        self.companies = {}  # the old world is freed before the new one is built
        with collector_paused(records):
            companies = [
                build_company(seed, 0, records, self.stamper),
                build_company(seed, 1, other, self.stamper),
            ]
        self.companies = {co.uuid: co for co in companies}
        self.keys = {
            _hash(self.primary_key): ApiKey(companies[0].uuid, "Primary key"),
            _hash(self.secondary_key): ApiKey(companies[1].uuid, "Primary key"),
        }
        self.usage.clear()
        self.idempotency.clear()
        self.inserted = 0

    def issue_credentials(self, params: dict[str, Any]) -> dict[str, Any]:
        """A new API key: ``{"company": "<uuid or name>"}`` for an existing company (the
        primary one when omitted), or ``{"new_company": "<name>"}`` for a new, empty company.
        ``{"name": ...}`` names the key. At most five enabled keys per company, as the vendor."""
        company = self._company_for(params)
        name = params.get("name", "Sandbox key")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        enabled = sum(1 for k in self.keys.values() if k.company == company.uuid and not k.disabled)
        if enabled >= MAX_KEYS_PER_COMPANY:
            raise ValueError(
                f"{company.name} already has {MAX_KEYS_PER_COMPANY} API keys (the vendor's limit)"
            )
        key = generate_key()
        self.keys[_hash(key)] = ApiKey(company.uuid, name.strip())
        return {
            "api_key": key,
            "key_name": name.strip(),
            "company": {"uuid": company.uuid, "name": company.name},
            "estimate_templates": [
                {
                    "uuid": t["uuid"],
                    "name": t["name"],
                    "pricing_type": t["pricing_type"],
                    "tiers": t["tiers"],
                    "base_price": t["base_price"],
                    "addons": t["addons"],
                    "tax_rate": t["tax_rate"],
                }
                for t in company.templates.values()
            ],
        }

    def _company_for(self, params: dict[str, Any]) -> Company:
        if "new_company" in params:
            name = params["new_company"]
            if not isinstance(name, str) or not name.strip():
                raise ValueError("new_company must be the new company's name")
            index = len(self.companies)
            co = build_company(self.seed, index, 0, self.stamper, name=name.strip())
            self.companies[co.uuid] = co
            return co
        wanted = params.get("company")
        if wanted is None:
            return self.primary
        if not isinstance(wanted, str):
            raise ValueError("company must be a company UUID or name")
        for co in self.companies.values():
            if wanted in (co.uuid, co.name) or wanted.lower() == co.name.lower():
                return co
        known = ", ".join(f"{co.name} ({co.uuid})" for co in self.companies.values())
        raise ValueError(f"no company {wanted!r}; the sandbox has {known}")

    def credentials(self) -> dict[str, str]:
        return {
            "api_key": self.primary_key,
            "company": f"{self.primary.name} ({self.primary.uuid})",
            "other_api_key": self.secondary_key,
            "other_company": f"{self.secondary.name} ({self.secondary.uuid})",
            "base_url": "/api/v1",
        }

    def expire_tokens(self) -> int:
        count = 0
        for key in self.keys.values():
            if not key.disabled:
                key.disabled = True
                count += 1
        return count

    def insert_records(self, count: int) -> int:
        """New customers in the primary company, written now, so they list first."""
        co = self.primary
        locations = [row.uuid for row in co.collections["locations"].live]
        rules = RULES["customers"]
        for _ in range(count):
            self.inserted += 1
            rng = random.Random(f"{self.seed}:insert:{self.inserted}")
            records.create(co, rules, fake_customer(rng, 1_000_000 + self.inserted, locations))
        return count

    def error_body(self, status: int) -> tuple[bytes, dict[str, str]]:
        return error_bytes(message_for(status)), {}

    def counts(self) -> dict[str, int]:
        counts = {"companies": len(self.companies), "api_keys": len(self.keys)}
        for kind in KINDS:
            counts[kind] = sum(len(co.collections[kind]) for co in self.companies.values())
        return counts

    # -- requests ---------------------------------------------------------------------------

    def authenticate(self, headers: Headers) -> Company:
        """The company of the request's key (``Authorization: Bearer`` or ``X-API-Key``)."""
        raw = headers.get("authorization", "")
        scheme, _, token = raw.partition(" ")
        key = token.strip() if scheme.lower() == "bearer" else ""
        key = key or headers.get("x-api-key", "").strip()
        found = self.keys.get(_hash(key)) if key.startswith(KEY_PREFIX) else None
        if found is None or found.disabled:
            raise ApiError(401, INVALID_API_KEY)
        return self.companies[found.company]
