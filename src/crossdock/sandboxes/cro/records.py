"""CRO's records (customers, their location records, addresses, contacts, locations) and how
they render as JSON.

The real service answers with ``json.dumps(body, sort_keys=True)``: keys sorted, ``", "`` and
``": "`` separators, no trailing newline (the documented ``Content-Length`` of 1031 bytes for
the sample customer matches that encoding exactly), so the sandbox encodes the same way.

Deviation: a real CRO customer can be registered at several locations, each with its own
location record. Here every customer has exactly one location record, at the location it was
created at, so ``CustomerModel.locations`` always holds one entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

EPOCH = datetime(1970, 1, 1)
API_VERSIONS = ("2019/02/08", "2021/04/07", "2021/05/07", "2021/08/02", "2021/11/04", "2023/04/19")
DEFAULT_API_VERSION = API_VERSIONS[0]
# In 2021/04/07 DispatchCustomerLocationModel renamed ``customer_id`` to ``id``.
ID_RENAMED_IN = "2021/04/07"

# Fields of a customer's location record that only full-view roles receive (see auth.py).
RESTRICTED_FIELDS = ("account_number_1", "account_number_2", "note", "sales_rep", "sales_rep_id")

T = TypeVar("T")
PAGE_TEMPLATE = (
    b'{"current_limit": %d, "current_page": %d, "results": [%s], '
    b'"total_count": %d, "total_pages": %d}'
)


def format_ms(ms: int) -> str:
    """Milliseconds since the epoch as CRO writes timestamps: naive UTC with microseconds."""
    return (EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="microseconds")


def to_ms(moment: datetime) -> int:
    """An aware or naive (taken as UTC) datetime as whole milliseconds since the epoch."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - EPOCH) // timedelta(milliseconds=1)


def id_key(api_version: str) -> str:
    return "id" if api_version >= ID_RENAMED_IN else "customer_id"


class Detail:
    """The parts of a customer that no list filter needs, generated on first use.

    Seed data only materialises these when a customer is first rendered or changed, which is
    what keeps a million-customer sandbox quick to start.
    """

    __slots__ = (
        "account_number_1",
        "account_number_2",
        "addresses",
        "contacts",
        "note",
        "reference_number",
        "renewal_date",
        "sales_rep",
        "sales_rep_id",
        "suspension_id",
    )

    def __init__(
        self,
        *,
        addresses: list[dict[str, Any]],
        contacts: list[dict[str, Any]],
        account_number_1: str | None = None,
        account_number_2: str | None = None,
        note: str | None = None,
        reference_number: str | None = None,
        renewal_date: str | None = None,
        sales_rep: str | None = None,
        sales_rep_id: str | None = None,
        suspension_id: int | None = None,
    ) -> None:
        self.addresses = addresses
        self.contacts = contacts
        self.account_number_1 = account_number_1
        self.account_number_2 = account_number_2
        self.note = note
        self.reference_number = reference_number
        self.renewal_date = renewal_date
        self.sales_rep = sales_rep
        self.sales_rep_id = sales_rep_id
        self.suspension_id = suspension_id


class Customer:
    """One customer and its (single) location record; what list filters read is kept eagerly.

    ``created_ms`` is when the location record was created (the ``created_on`` of list rows);
    the customer itself was created a moment earlier (``customer_created_ms``), as in CRO's
    own sample where the two differ by a fraction of a second.
    """

    __slots__ = (
        "address_count",
        "contact_count",
        "created_ms",
        "detail",
        "encoded",
        "first_address_id",
        "first_contact_id",
        "id",
        "is_active",
        "is_commercial",
        "location_id",
        "name",
        "parent_id",
        "seed",
        "updated_ms",
    )

    def __init__(
        self,
        *,
        id: int,
        name: str,
        location_id: int,
        created_ms: int,
        updated_ms: int,
        seed: int = 0,
        parent_id: int | None = None,
        is_active: bool = True,
        is_commercial: bool = False,
        first_address_id: int = 0,
        address_count: int = 0,
        first_contact_id: int = 0,
        contact_count: int = 0,
        detail: Detail | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.location_id = location_id
        self.created_ms = created_ms
        self.updated_ms = updated_ms
        self.seed = seed
        self.parent_id = parent_id
        self.is_active = is_active
        self.is_commercial = is_commercial
        self.first_address_id = first_address_id
        self.address_count = address_count
        self.first_contact_id = first_contact_id
        self.contact_count = contact_count
        self.detail = detail
        # Rendered list rows, by (full view, id key); dropped whenever the customer changes.
        self.encoded: dict[tuple[bool, str], bytes] | None = None

    @property
    def customer_created_ms(self) -> int:
        return self.created_ms - 50 - self.seed % 850

    def sort_key(self) -> tuple[str, int]:
        """Listings are ordered by name (case-insensitively), then id."""
        return (self.name.casefold(), self.id)

    def touch(self, now_ms: int) -> None:
        """Record a change: bump ``last_updated_on`` and drop cached renderings."""
        self.updated_ms = max(now_ms, self.updated_ms)
        self.encoded = None

    def cached_row(self, full: bool, key: str, render: Callable[[], bytes]) -> bytes:
        cache = self.encoded
        if cache is None:
            cache = self.encoded = {}
        found = cache.get((full, key))
        if found is None:
            found = cache[(full, key)] = render()
        return found


class Location:
    """One of the tenant's depots; rendered once, since the API cannot change locations."""

    __slots__ = ("body", "id", "is_active", "name", "place_index")

    def __init__(self, *, id: int, name: str, is_active: bool, place_index: int, body: bytes):
        self.id = id
        self.name = name
        self.is_active = is_active
        self.place_index = place_index
        self.body = body


def dumps(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True).encode()


def location_row(customer: Customer, detail: Detail, *, full: bool, key: str) -> dict[str, Any]:
    """DispatchCustomerLocationModel: a customer as seen at its location (list rows)."""
    row: dict[str, Any] = {
        "account_number_1": detail.account_number_1,
        "account_number_2": detail.account_number_2,
        "addresses": detail.addresses,
        "contacts": detail.contacts,
        "created_on": format_ms(customer.created_ms),
        key: customer.id,
        "is_active": customer.is_active,
        "is_commercial": customer.is_commercial,
        "last_updated_on": format_ms(customer.updated_ms),
        "location_id": customer.location_id,
        "name": customer.name,
        "note": detail.note,
        "parent_id": customer.parent_id,
        "reference_number": detail.reference_number,
        "renewal_date": detail.renewal_date,
        "sales_rep": detail.sales_rep,
        "sales_rep_id": detail.sales_rep_id,
        "suspension_id": detail.suspension_id,
    }
    if not full:
        for name in RESTRICTED_FIELDS:
            del row[name]
    return row


def customer_model(customer: Customer, detail: Detail, *, full: bool) -> dict[str, Any]:
    """CustomerModel: the customer with its location records (``GET /customers/{id}``)."""
    location: dict[str, Any] = {
        "created_on": format_ms(customer.created_ms),
        "customer_id": customer.id,
        "is_active": customer.is_active,
        "is_commercial": customer.is_commercial,
        "location_id": customer.location_id,
        "note": detail.note,
        "reference_number": detail.reference_number,
        "renewal_date": detail.renewal_date,
        "sales_rep": detail.sales_rep,
        "sales_rep_id": detail.sales_rep_id,
        "suspension_id": detail.suspension_id,
    }
    if not full:
        for name in RESTRICTED_FIELDS:
            location.pop(name, None)
    return {
        "addresses": detail.addresses,
        "contacts": detail.contacts,
        "created_on": format_ms(customer.customer_created_ms),
        "id": customer.id,
        "last_updated_on": format_ms(customer.updated_ms),
        "locations": [location],
        "name": customer.name,
        "parent_id": customer.parent_id,
    }


def page_body(
    items: Sequence[T],
    page_index: int,
    page_limit: int,
    render: Callable[[Sequence[T]], list[bytes]],
) -> bytes:
    """The paged envelope every CRO list shares, encoded exactly as ``json.dumps`` would.

    ``render`` turns the page's items into their JSON encodings, all at once so list routes
    can serve cached encodings without a call per record.
    """
    total = len(items)
    start = (page_index - 1) * page_limit
    results = b", ".join(render(items[start : start + page_limit]))
    return PAGE_TEMPLATE % (page_limit, page_index, results, total, -(-total // page_limit))


def render_each(items: Sequence[Any]) -> list[bytes]:
    return [dumps(item) for item in items]
