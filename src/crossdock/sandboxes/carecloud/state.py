"""The CareCloud sandbox's world: its configuration, the catalog, customers and accounts.

Customers are kept in creation order (the default list order) with an id and an email index;
other orders are sorted on demand and cached until the next write. Each customer carries its
one customer source record; an index by external id is built when a list first filters by one.
All times are rendered in the project's time zone (``timezone``, default Europe/Prague) without
an offset, as CareCloud does.
"""

from __future__ import annotations

import hmac
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from crossdock.sandboxes.base import Clock, SandboxConfig, VendorState
from crossdock.sandboxes.carecloud import seed as seeding
from crossdock.sandboxes.carecloud.accounts import Accounts, ApiUser, DeviceToken
from crossdock.sandboxes.carecloud.errors import (
    CareCloudError,
    InvalidParam,
    invalid,
    not_found,
    status_error,
)
from crossdock.sandboxes.carecloud.listing import (
    CustomerFilter,
    CustomerQuery,
    SourceRecordQuery,
)
from crossdock.sandboxes.carecloud.models import (
    Agreement,
    Customer,
    Personal,
    Store,
    dumps,
    source_record_id,
)
from crossdock.sandboxes.carecloud.validation import (
    CustomerInput,
    Problems,
    Refs,
    customer_input,
    password,
    required_string,
    section,
    string,
)

WARM_LIMIT = 20_000


@dataclass
class CareCloudConfig(SandboxConfig):
    """Credentials default to None: generated at start and printed by the CLI."""

    records: int = 250
    application_id: str | None = None
    login: str | None = None
    password: str | None = None
    customer_password: str | None = None  # every seed customer's password
    # A second external application for the customer interface (a mobile app, say); that
    # interface accepts it besides ``application_id``.
    customer_application_id: str | None = None
    timezone: str = "Europe/Prague"
    token_lifetime: float = 7 * 3600


class CareCloudState(VendorState):
    vendor = "carecloud"

    def __init__(self, config: CareCloudConfig, clock: Clock) -> None:
        super().__init__(config, clock)
        self.settings = config
        self.zone = ZoneInfo(config.timezone)
        self.application_id = config.application_id or secrets.token_hex(12)
        self.login = config.login or f"api_{secrets.token_hex(3)}"
        self.password = config.password or secrets.token_urlsafe(12)
        self.customer_password = config.customer_password or f"Care{secrets.token_hex(4)}7"
        self.reset(seed=config.seed, records=config.records)

    # -- VendorState -----------------------------------------------------------------------

    def reset(self, *, seed: int, records: int) -> None:
        rng = random.Random(seed)
        self.seed = seed
        self.catalog = seeding.catalog(rng)
        self.stores: dict[str, Store] = {s.store_id: s for s in self.catalog.stores}
        self.agreements: dict[str, Agreement] = {a.agreement_id: a for a in self.catalog.agreements}
        self.seed_password_hash = seeding.hash_password(self.customer_password)
        self.customer_list = seeding.customers(rng, self.catalog, records, self.seed_password_hash)
        if records <= WARM_LIMIT:
            # Serialize up front what takes under half a second, so even the first pass of a
            # client is served from cache; larger worlds serialize each record on first read.
            for customer in self.customer_list:
                customer.json(self.catalog.system_consents)
        self.customers = {c.customer_id: c for c in self.customer_list}
        self.by_email = {c.personal.email: c for c in self.customer_list if c.personal.email}
        self.next_seq = records
        self.write_rng = random.Random(f"{seed}:writes")
        self.orders: dict[tuple[str | None, bool], list[Customer]] = {}
        self.source_orders: dict[tuple[str | None, bool], list[Customer]] = {}
        self.by_external_id: dict[str, list[Customer]] | None = None  # built on first use
        user = ApiUser(
            user_id=seeding.ident(rng),
            login=self.login,
            password=self.password,
            first_name="Crossdock",
            last_name="Integration",
            email="integration@example.com",
            phone="420777000111",
            store_id=self.catalog.stores[0].store_id,
            role_ids=[seeding.ident(rng)],
        )
        self.accounts = Accounts(
            self.clock,
            self.local_time,
            self.application_id,
            self.settings.customer_application_id,
            self.settings.token_lifetime,
            user,
        )

    def issue_credentials(self, params: dict[str, Any]) -> dict[str, Any]:
        """``kind``: ``user`` (default, a new API user), ``bearer_token`` or ``customer_token``."""
        kind = params.get("kind", "user")
        if kind == "user":
            login = str(params.get("login") or f"api_{secrets.token_hex(3)}")
            secret = str(params.get("password") or secrets.token_urlsafe(12))
            users = self.accounts.users
            if login in users:
                raise ValueError(f"API user {login!r} already exists")
            base = users[self.login]
            users[login] = ApiUser(
                seeding.ident(self.write_rng), login, secret, "API", "User", base.email,
                base.phone, base.store_id, list(base.role_ids),
            )  # fmt: skip
            return {
                "kind": kind,
                "user_external_application_id": self.application_id,
                "login": login,
                "password": secret,
            }
        if kind == "bearer_token":
            user = self.accounts.users.get(str(params.get("login") or self.login))
            if user is None:
                raise ValueError("no API user with that login")
            session = self.accounts.new_session(user)
            return {"kind": kind, "bearer_token": session.token, "valid_to": session.valid_to}
        if kind == "customer_token":
            customer_id = params.get("customer_id")
            if customer_id is not None and customer_id not in self.customers:
                raise ValueError(f"no customer {customer_id!r}")
            device = {
                "device_id": str(params.get("device_id") or secrets.token_hex(8)),
                "device_system": "sandbox",
                "device_name": "Crossdock control API",
                "device_type": "sandbox",
            }
            setup = {"language_id": "en", "allowed_gps": False, "allowed_notifications": False}
            token = self.accounts.new_device_token(self.application_id, device, setup, None)
            token.customer_id = customer_id
            return {"kind": kind, "token_id": token.token_id, "customer_id": customer_id}
        raise ValueError("kind must be user, bearer_token or customer_token")

    def credentials(self) -> dict[str, str]:
        found = {
            "application_id": self.application_id,
            "login": self.login,
            "password": self.password,
            "customer_password": self.customer_password,
            "customer_source_id": next(iter(self.catalog.sources)),
            "timezone": self.settings.timezone,
        }
        if self.settings.customer_application_id:
            found["customer_application_id"] = self.settings.customer_application_id
        demo = next((c for c in self.customer_list if c.state == 1 and c.personal.email), None)
        if demo is not None and demo.personal.email:
            found["customer_email"] = demo.personal.email
        return found

    def expire_tokens(self) -> int:
        return self.accounts.expire()

    def insert_records(self, count: int) -> int:
        shared = seeding.Shared(self.catalog)
        now = self.now()
        for _ in range(count):
            customer = seeding.make_customer(
                self.write_rng, shared, self.next_seq, self.seed_password_hash, now
            )
            customer.state = 1
            self._add(customer)
        return count

    def error_body(self, status: int) -> tuple[bytes, dict[str, str]]:
        body = status_error(status).body("en")
        return dumps(body), {"content-language": "en"}

    def counts(self) -> dict[str, int]:
        return {
            "customers": len(self.customer_list),
            "stores": len(self.stores),
            "agreements": len(self.agreements),
            "api_users": len(self.accounts.users),
            "bearer_tokens": len(self.accounts.sessions),
            "customer_tokens": len(self.accounts.device_tokens),
        }

    # -- time --------------------------------------------------------------------------------

    def local_time(self, epoch: float) -> str:
        return seeding.timestamp(datetime.fromtimestamp(epoch, self.zone))

    def now(self) -> str:
        return self.local_time(self.clock.time())

    # -- customer interface ------------------------------------------------------------------

    def customer_login(self, token: DeviceToken, body: dict[str, Any]) -> str:
        """Log the customer the body names in to ``token``; 401 for bad credentials."""
        problems = Problems()
        login_type = required_string(problems, body, "login_type", "login_type")
        if login_type and login_type not in ("email", "phone", "card"):
            problems.add("login_type", "not_allowed_value", login_type)
        value = required_string(problems, body, "login_value", "login_value")
        secret = required_string(problems, body, "password", "password")
        problems.raise_if_any()
        customer: Customer | None = None
        if login_type == "email":
            customer = self.by_email.get(value.strip().lower())
        elif login_type == "phone":
            customer = next((c for c in self.customer_list if c.personal.phone == value), None)
        # login_type "card": the sandbox keeps no cards, so no card ever matches.
        if (
            customer is None
            or customer.state != 1
            or customer.password_hash is None
            or not hmac.compare_digest(customer.password_hash, seeding.hash_password(secret))
        ):
            raise CareCloudError(401, "invalid_customer_credentials")
        token.customer_id = customer.customer_id
        return customer.customer_id

    # -- customers ---------------------------------------------------------------------------

    def refs(self) -> Refs:
        def owner(email: str) -> str | None:
            found = self.by_email.get(email)
            return found.customer_id if found else None

        return Refs(
            frozenset(self.stores), frozenset(self.agreements), self.catalog.system_consents, owner
        )

    def customer(self, customer_id: str) -> Customer:
        found = self.customers.get(customer_id)
        if found is None:
            raise not_found("customers", customer_id)
        return found

    def select(self, query: CustomerQuery) -> tuple[list[Customer], int]:
        """One page of customers and the number matching, in the requested order."""
        paging = query.paging
        if query.ids is not None or query.emails is not None:
            rows = self._indexed(query)
            rows.sort(key=_sort_key(paging.sort_field), reverse=paging.descending)
        else:
            ordered = self._ordered(paging.sort_field, paging.descending)
            if query.filters:
                rows = [c for c in ordered if all(f(c) for f in query.filters)]
            else:
                rows = ordered
        return rows[paging.offset : paging.offset + paging.count], len(rows)

    def _indexed(self, query: CustomerQuery) -> list[Customer]:
        found: dict[str, Customer] = {}
        if query.ids is not None:
            found = {i: self.customers[i] for i in query.ids if i in self.customers}
        if query.emails is not None:
            by_email = {
                c.customer_id: c for e in query.emails if (c := self.by_email.get(e)) is not None
            }
            found = by_email if query.ids is None else {k: found[k] for k in found if k in by_email}
        return [c for c in found.values() if all(f(c) for f in query.filters)]

    def _ordered(self, sort_field: str | None, descending: bool) -> list[Customer]:
        key = (sort_field, descending)
        cached = self.orders.get(key)
        if cached is None:
            if sort_field is None:
                cached = self.customer_list[::-1] if descending else self.customer_list
            else:
                cached = sorted(self.customer_list, key=_sort_key(sort_field), reverse=descending)
            self.orders[key] = cached
        return cached

    # -- customer source records -------------------------------------------------------------

    def select_source_records(
        self, query: SourceRecordQuery, within: Customer | None = None
    ) -> tuple[list[Customer], int]:
        """One page of the customers whose source record matches, and how many match, in the
        requested order; ``within``: only that customer's record is listed."""
        paging = query.paging
        candidates: list[Customer] | None = None
        if within is not None:
            candidates = [within]
        elif query.customer_id is not None:
            found = self.customers.get(query.customer_id)
            candidates = [found] if found is not None else []
        elif query.external_ids is not None:
            index = self._external_index()
            candidates = [c for e in query.external_ids for c in index.get(e, ())]
        if candidates is None:
            rows = self._source_ordered(paging.sort_field, paging.descending)
        else:
            rows = sorted(
                candidates, key=_source_sort_key(paging.sort_field), reverse=paging.descending
            )
        checks = _source_checks(query)
        if checks:
            rows = [c for c in rows if all(check(c) for check in checks)]
        return rows[paging.offset : paging.offset + paging.count], len(rows)

    def _external_index(self) -> dict[str, list[Customer]]:
        index = self.by_external_id
        if index is None:
            index = {}
            for customer in self.customer_list:
                if customer.external_id is not None:
                    index.setdefault(customer.external_id, []).append(customer)
            self.by_external_id = index
        return index

    def _source_ordered(self, sort_field: str | None, descending: bool) -> list[Customer]:
        key = (sort_field, descending)
        cached = self.source_orders.get(key)
        if cached is None:
            if sort_field is None:
                cached = self.customer_list[::-1] if descending else self.customer_list
            else:
                cached = sorted(
                    self.customer_list, key=_source_sort_key(sort_field), reverse=descending
                )
            self.source_orders[key] = cached
        return cached

    # -- customers ---------------------------------------------------------------------------

    def create_customer(self, body: dict[str, Any]) -> tuple[Customer, bool]:
        """The new customer, and whether the client asked for ``autologin``."""
        problems = Problems()
        data = customer_input(problems, body, self.refs(), None)
        if body.get("customer_source") is None:
            problems.add("customer_source", "required")
        source = section(problems, body, "customer_source", "customer_source")
        source_id = ""
        if source:
            path = "customer_source.customer_source_id"
            source_id = required_string(problems, source, "customer_source_id", path)
            if source_id and source_id not in self.catalog.sources:
                problems.add(path, "not_found", source_id)
        external_id = string(problems, source, "external_id", "customer_source.external_id")
        autologin = body.get("autologin")
        if autologin is None:
            problems.add("autologin", "required")
        elif not isinstance(autologin, bool):
            problems.add("autologin", "invalid_value_format", autologin)
        secret = password(problems, body, required=autologin is True)
        problems.raise_if_any()
        now = self.now()
        customer = Customer(
            seq=self.next_seq,
            customer_id=self._new_id(),
            personal=self._personal(data, {}, now, keep_store=None),
            source_id=source_id,
            external_id=external_id,
            password_hash=seeding.hash_password(secret) if secret else None,
            state=1,
            last_change=now,
        )
        self._add(customer)
        return customer, autologin is True

    def replace_customer(self, customer_id: str, body: dict[str, Any]) -> None:
        """PUT: the body replaces the whole record (password and store_id excepted)."""
        customer = self.customer(customer_id)
        if customer.state == 0:
            raise invalid(InvalidParam("customer_id", "deleted", customer_id))
        problems = Problems()
        data = customer_input(problems, body, self.refs(), customer_id)
        secret = password(problems, body, required=False)
        problems.raise_if_any()
        now = self.now()
        previous = {
            cid: (value, changed or customer.last_change)
            for cid, value, changed in customer.personal.consents
        }
        old_email = customer.personal.email
        customer.personal = self._personal(
            data, previous, now, keep_store=customer.personal.store_id
        )
        if old_email and self.by_email.get(old_email) is customer:
            del self.by_email[old_email]
        if customer.personal.email:
            self.by_email[customer.personal.email] = customer
        if secret:
            customer.password_hash = seeding.hash_password(secret)
        self._touch(customer, now)

    def set_state(self, customer_id: str, state: int) -> Customer:
        """Control API only: CareCloud has no API call that deletes or deactivates customers."""
        customer = self.customer(customer_id)
        customer.state = state
        self._touch(customer, self.now())
        return customer

    def _personal(
        self,
        data: CustomerInput,
        previous: dict[str, tuple[int, str]],
        now: str,
        keep_store: str | None,
    ) -> Personal:
        consents = tuple(
            (cid, value, previous[cid][1] if previous.get(cid, (None,))[0] == value else now)
            for cid, value in data.consents.items()
        )
        fields = dict(data.personal)
        # "In case of customer update, the value can only be updated, not removed."
        fields["store_id"] = fields.get("store_id") or keep_store
        return Personal(address=data.address, consents=consents, **fields)

    def _new_id(self) -> str:
        while True:
            candidate = seeding.ident(self.write_rng)
            if candidate not in self.customers:
                return candidate

    def _add(self, customer: Customer) -> None:
        if customer.customer_id in self.customers:
            customer.customer_id = self._new_id()
        self.next_seq = max(self.next_seq, customer.seq) + 1
        self.customer_list.append(customer)
        self.customers[customer.customer_id] = customer
        email = customer.personal.email
        if email and email not in self.by_email:
            self.by_email[email] = customer
        if self.by_external_id is not None and customer.external_id is not None:
            self.by_external_id.setdefault(customer.external_id, []).append(customer)
        self.orders.clear()
        self.source_orders.clear()

    def _touch(self, customer: Customer, now: str) -> None:
        customer.last_change = now
        customer.changed()
        self.orders.clear()


def _sort_key(sort_field: str | None) -> Any:
    if sort_field is None:
        return lambda c: c.seq
    if sort_field == "state":
        return lambda c: (c.state, c.seq)
    return lambda c: (getattr(c, sort_field) or "", c.seq)


# What orders source records by each field of theirs; ties, and no external id, by creation.
_SOURCE_FIELDS: dict[str, Callable[[Customer], str]] = {
    "customer_source_record_id": lambda c: source_record_id(c.customer_id),
    "customer_source_id": lambda c: c.source_id,
    "customer_id": lambda c: c.customer_id,
    "external_id": lambda c: c.external_id or "",
    "last_change": lambda c: c.source_changed,
}


def _source_sort_key(sort_field: str | None) -> Any:
    if sort_field is None:
        return lambda c: c.seq
    field = _SOURCE_FIELDS[sort_field]
    return lambda c: (field(c), c.seq)


def _source_checks(query: SourceRecordQuery) -> list[CustomerFilter]:
    checks: list[CustomerFilter] = []
    if query.external_ids is not None:
        wanted = query.external_ids
        checks.append(lambda c: c.external_id in wanted)
    if query.source_id is not None:
        source = query.source_id
        checks.append(lambda c: c.source_id == source)
    if query.customer_id is not None:
        customer_id = query.customer_id
        checks.append(lambda c: c.customer_id == customer_id)
    return checks
