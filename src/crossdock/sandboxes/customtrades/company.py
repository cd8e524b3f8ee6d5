"""One company account: its records, users, estimate templates and document numbering.

Every API key belongs to exactly one company and sees nothing else, so the company is the unit
of isolation: a record of another company is simply not in this one's collections (404).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from crossdock.sandboxes.base import Clock
from crossdock.sandboxes.customtrades.store import Collection, Row, dumps
from crossdock.sandboxes.customtrades.timefmt import iso_ms

KINDS = ("customers", "locations", "jobs", "estimates", "invoices", "payments", "photos")

# Related records the vendor's examples show nested in each record: (field, via, collection).
EMBEDS: dict[str, tuple[bytes, str, str]] = {
    "jobs": (b"customer", "customer_uuid", "customers"),
    "estimates": (b"customer", "customer_uuid", "customers"),
    "invoices": (b"customer", "customer_uuid", "customers"),
    "payments": (b"invoice", "invoice_uuid", "invoices"),
    "photos": (b"user", "user_id", "users"),
}


class Stamper:
    """The one source of ``updated_at`` for every write, never moving backwards.

    It reads the sandbox clock, so moving the clock forward moves timestamps with it; the
    floor keeps writes after the seed data even if the host clock were set in the past.
    """

    def __init__(self, clock: Clock, floor_ms: int) -> None:
        self.clock = clock
        self.last_ms = floor_ms
        self.seq = 0
        self.pinned: int | None = None

    def now(self) -> int:
        if self.pinned is not None:
            return self.pinned
        self.last_ms = max(self.last_ms, int(self.clock.time() * 1000))
        return self.last_ms

    @contextmanager
    def moment(self) -> Iterator[int]:
        """One instant for one write: every stamp it sets (``updated_at``, ``responded_at``,
        the invoice a payment settles) reads the same millisecond."""
        if self.pinned is not None:
            yield self.pinned
            return
        self.pinned = self.now()
        try:
            yield self.pinned
        finally:
            self.pinned = None

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def reserve(self, count: int) -> int:
        """The first of ``count`` consecutive sequence numbers (for loading seed data)."""
        first = self.seq + 1
        self.seq += count
        return first


class Sequence:
    """Invoice or estimate numbering: prefix, zero padding, a counter and a one-time override."""

    def __init__(self, prefix: str, padding: int = 4, next_number: int = 1) -> None:
        self.prefix = prefix
        self.padding = padding
        self.counter = next_number
        self.override: int | None = None
        self.used: set[str] = set()

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.padding}d}"

    def peek(self) -> int:
        """The number the next document will get; numbers already in use are skipped."""
        number = self.counter if self.override is None else self.override
        while self.format(number) in self.used:
            number += 1
        return number

    def take(self) -> str:
        number = self.peek()
        formatted = self.format(number)
        self.used.add(formatted)
        self.counter = number + 1
        self.override = None
        return formatted

    def describe(self) -> dict[str, Any]:
        number = self.peek()
        return {
            "prefix": self.prefix,
            "padding": self.padding,
            "next_number": number,
            "next_number_formatted": self.format(number),
            "has_override": self.override is not None,
        }


@dataclass
class Company:
    uuid: str
    profile: dict[str, Any]
    stamper: Stamper
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    collections: dict[str, Collection] = field(
        default_factory=lambda: {kind: Collection() for kind in KINDS}
    )
    numbering: dict[str, Sequence] = field(
        default_factory=lambda: {"invoice": Sequence("INV-"), "estimate": Sequence("EST-")}
    )
    job_numbers: int = 0
    payment_numbers: int = 0
    photos_by_job: dict[str, list[str]] = field(default_factory=dict)
    payments_by_invoice: dict[str, list[str]] = field(default_factory=dict)
    _user_json: dict[str, bytes] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.profile["name"])

    @property
    def owner_id(self) -> str:
        """The user API writes are attributed to (``created_by_user_id``, photo ``user_id``)."""
        return next(iter(self.users))

    def save(self, kind: str, row: Row, *, created: bool = False, deleted: bool = False) -> None:
        """Persist a write: stamp ``updated_at`` (and ``created_at`` or ``deleted_at``), move
        the record to the newest end of its listings."""
        ms = self.stamper.now()
        stamp = iso_ms(ms)
        row.data["updated_at"] = stamp
        if created:
            row.data["created_at"] = stamp
        if deleted:
            row.data["deleted_at"] = stamp
        self.collections[kind].write(row, ms, self.stamper.next_seq())

    def render(self, kind: str, row: Row) -> bytes:
        """A record's JSON with its nested summary (``customer``, ``invoice`` or ``user``).

        The result is cached with the summary it embeds: a write to the embedded record makes
        a new summary object, so the identity check notices and the record is rendered again.
        """
        embed = EMBEDS.get(kind)
        if embed is None:
            return row.json()
        name, via, target = embed
        summary = self._summary(target, row.data[via])
        cached = row.rendered
        if cached is not None and cached[0] is summary:
            return cached[1]
        blob = row.blob or dumps(row.data)  # not kept: the rendered form replaces it
        rendered = b"".join((blob[:-1], b',"', name, b'":', summary, b"}"))
        row.rendered = (summary, rendered)
        return rendered

    def _summary(self, target: str, key: str | None) -> bytes:
        if key is None:
            return b"null"
        if target == "users":
            cached = self._user_json.get(key)
            if cached is None:
                user = self.users.get(key)
                if user is None:
                    return b"null"
                fields = ("id", "first_name", "last_name")
                cached = self._user_json[key] = dumps({k: user[k] for k in fields})
            return cached
        row = self.collections[target].rows.get(key)
        if row is None:
            return b"null"
        if row.summary is None:
            data = row.data
            if target == "customers":
                picked = {k: data[k] for k in ("uuid", "first_name", "last_name", "company_name")}
            else:
                picked = {"uuid": data["uuid"], "invoice_number": data["invoice_number"]}
            row.summary = dumps(picked)
        return row.summary
