"""One CRO tenant's data and the business rules that change it.

Tenants are isolated from each other as separate CRO databases would be: each has its own
locations and customers, and its own id sequences (customer 1 exists in every tenant).
Listings are ordered by customer name, case-insensitively, then by id; a new customer
therefore lands wherever its name sorts, which is what makes page-number paging drift when
customers are added between two page requests.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Sequence
from typing import Any

from crossdock.sandboxes.cro.errors import CroError
from crossdock.sandboxes.cro.records import (
    Customer,
    Detail,
    Location,
    dumps,
    location_row,
)

DetailFactory = Callable[[Customer, "Tenant"], Detail]

ADDRESS_DEFAULTS: dict[str, Any] = {
    "country": None,
    "is_active": True,
    "is_billing": False,
    "is_physical": True,
    "is_shipping": False,
    "latitude": None,
    "line_2": None,
    "line_3": None,
    "line_4": None,
    "longitude": None,
}
CONTACT_DEFAULTS: dict[str, Any] = {
    "email": None,
    "fax": None,
    "name": None,
    "notify_on_acknowledged_request": False,
    "notify_on_completed_request": False,
    "notify_on_dispatched_request": False,
    "notify_on_failed_request": False,
    "notify_on_new_request": False,
    "number": None,
}
DETAIL_FIELDS = frozenset(Detail.__slots__) - {"addresses", "contacts"}


class Tenant:
    def __init__(self, *, id: int, name: str, make_detail: DetailFactory) -> None:
        self.id = id
        self.name = name
        self.make_detail = make_detail
        self.locations: dict[int, Location] = {}
        self.customers: dict[int, Customer] = {}
        self.order: list[Customer] = []
        self.next_customer_id = 1
        self.next_address_id = 1
        self.next_contact_id = 1

    # -- reading -------------------------------------------------------------------------

    def location(self, location_id: int) -> Location:
        found = self.locations.get(location_id)
        if found is None:
            raise CroError(404, f"Location {location_id} not found.", "location_id")
        return found

    def customer(self, customer_id: int) -> Customer:
        found = self.customers.get(customer_id)
        if found is None:
            raise CroError(404, f"Customer {customer_id} not found.", "customer_id")
        return found

    def detail(self, customer: Customer) -> Detail:
        if customer.detail is None:
            customer.detail = self.make_detail(customer, self)
        return customer.detail

    def row_bytes(self, customer: Customer, full: bool, key: str) -> bytes:
        return customer.cached_row(
            full,
            key,
            lambda: dumps(location_row(customer, self.detail(customer), full=full, key=key)),
        )

    def rows_bytes(self, customers: Sequence[Customer], full: bool, key: str) -> list[bytes]:
        """List rows for a page of customers, from each one's cache where it has one."""
        cache_key = (full, key)
        parts = []
        for customer in customers:
            cache = customer.encoded
            encoded = cache.get(cache_key) if cache else None
            parts.append(encoded or self.row_bytes(customer, full, key))
        return parts

    def select(
        self,
        *,
        location_id: int | None = None,
        name: str | None = None,
        active: bool | None = None,
        is_parent: bool | None = None,
        parent_id: int | None = None,
        last_updated_gte: int | None = None,
        created_on_gte: int | None = None,
    ) -> Sequence[Customer]:
        rows: Sequence[Customer] = self.order
        if location_id is not None:
            rows = [c for c in rows if c.location_id == location_id]
        if name is not None:
            needle = name.casefold()
            rows = [c for c in rows if needle in c.name.casefold()]
        if active is not None:
            rows = [c for c in rows if c.is_active is active]
        if is_parent is not None:
            rows = [c for c in rows if (c.parent_id is None) is is_parent]
        if parent_id is not None:
            rows = [c for c in rows if c.parent_id == parent_id]
        if last_updated_gte is not None:
            rows = [c for c in rows if c.updated_ms >= last_updated_gte]
        if created_on_gte is not None:
            rows = [c for c in rows if c.created_ms >= created_on_gte]
        return rows

    # -- storage -------------------------------------------------------------------------

    def add(self, customer: Customer) -> None:
        self.customers[customer.id] = customer
        insort(self.order, customer, key=Customer.sort_key)

    def _unlink(self, customer: Customer) -> None:
        index = bisect_left(self.order, customer.sort_key(), key=Customer.sort_key)
        if index < len(self.order) and self.order[index] is customer:
            del self.order[index]
        else:  # an invariant broke; keep the tenant usable rather than fail every list
            self.order.remove(customer)

    def allocate(self, addresses: int, contacts: int) -> tuple[int, int, int]:
        """Reserve a customer id and runs of address and contact ids."""
        ids = (self.next_customer_id, self.next_address_id, self.next_contact_id)
        self.next_customer_id += 1
        self.next_address_id += addresses
        self.next_contact_id += contacts
        return ids

    # -- business rules ------------------------------------------------------------------

    def create_customer(self, location_id: int, data: dict[str, Any], now_ms: int) -> Customer:
        """``POST /locations/{location_id}/customers`` with a validated CreateCustomerModel."""
        self.location(location_id)
        model = "CreateCustomerModel"
        if data.get("parent_id") is not None:
            self._check_parent(data["parent_id"], None, f"{model}.parent_id")
        active = [a for a in data["addresses"] if a.get("is_active", True)]
        if not any(a.get("is_billing") for a in active) or not any(
            a.get("is_shipping") for a in active
        ):
            raise CroError(
                400,
                "Customer must have a billing and a shipping address.",
                f"{model}.addresses",
            )
        duplicate = self._duplicate_of(data["name"], data["addresses"])
        if duplicate is not None:
            raise CroError(
                409,
                f"A customer with this name and address already exists (id {duplicate.id}).",
                f"{model}.name",
            )
        customer_id, address_id, contact_id = self.allocate(
            len(data["addresses"]), len(data["contacts"])
        )
        addresses = [
            {**ADDRESS_DEFAULTS, **address, "id": address_id + n}
            for n, address in enumerate(data["addresses"])
        ]
        contacts = [
            {**CONTACT_DEFAULTS, **contact, "id": contact_id + n}
            for n, contact in enumerate(data["contacts"])
        ]
        detail = Detail(
            addresses=addresses,
            contacts=contacts,
            **{k: v for k, v in data.items() if k in DETAIL_FIELDS},
        )
        customer = Customer(
            id=customer_id,
            name=data["name"],
            location_id=location_id,
            created_ms=now_ms,
            updated_ms=now_ms,
            parent_id=data.get("parent_id"),
            is_commercial=bool(data.get("is_commercial", False)),
            detail=detail,
        )
        self.add(customer)
        return customer

    def update_customer(self, customer: Customer, data: dict[str, Any], now_ms: int) -> None:
        """``PATCH /customers/{id}``: name, parent and (sandbox extension) is_active."""
        if "parent_id" in data:
            if data["parent_id"] is not None:
                self._check_parent(data["parent_id"], customer, "UpdateCustomerModel.parent_id")
            customer.parent_id = data["parent_id"]
        if "name" in data and data["name"] != customer.name:
            self._unlink(customer)
            customer.name = data["name"]
            self.add(customer)
        if "is_active" in data:
            customer.is_active = data["is_active"]
        if data:
            customer.touch(now_ms)

    def update_location_record(self, customer: Customer, data: dict[str, Any], now_ms: int) -> None:
        """``PATCH /customers/{id}/locations/{location_id}``: the location record's fields."""
        detail = self.detail(customer)
        for key, value in data.items():
            if key == "is_active":
                customer.is_active = value
            elif key == "is_commercial":
                customer.is_commercial = value
            else:
                setattr(detail, key, value)
        if data:
            customer.touch(now_ms)

    def add_address(self, customer: Customer, data: dict[str, Any], now_ms: int) -> dict[str, Any]:
        address_id = self.next_address_id
        self.next_address_id += 1
        address = {**ADDRESS_DEFAULTS, **data, "id": address_id}
        self.detail(customer).addresses.append(address)
        customer.touch(now_ms)
        return address

    def add_contact(self, customer: Customer, data: dict[str, Any], now_ms: int) -> dict[str, Any]:
        contact_id = self.next_contact_id
        self.next_contact_id += 1
        contact = {**CONTACT_DEFAULTS, **data, "id": contact_id}
        self.detail(customer).contacts.append(contact)
        customer.touch(now_ms)
        return contact

    def address(self, customer: Customer, address_id: int) -> dict[str, Any]:
        for address in self.detail(customer).addresses:
            if address["id"] == address_id:
                return address
        raise CroError(
            404,
            f"Address {address_id} not found for customer {customer.id}.",
            "customer_address_id",
        )

    def contact(self, customer: Customer, contact_id: int) -> dict[str, Any]:
        for contact in self.detail(customer).contacts:
            if contact["id"] == contact_id:
                return contact
        raise CroError(
            404,
            f"Contact {contact_id} not found for customer {customer.id}.",
            "customer_contact_id",
        )

    def remove_contact(self, customer: Customer, contact_id: int, now_ms: int) -> dict[str, Any]:
        contact = self.contact(customer, contact_id)
        self.detail(customer).contacts.remove(contact)
        customer.touch(now_ms)
        return contact

    def _check_parent(self, parent_id: int, child: Customer | None, field: str) -> None:
        parent = self.customers.get(parent_id)
        if parent is None:
            raise CroError(400, f"Parent customer {parent_id} not found.", field)
        ancestor: Customer | None = parent
        while ancestor is not None and child is not None:
            if ancestor is child:
                raise CroError(400, "A customer cannot be its own ancestor.", field)
            ancestor = self.customers.get(ancestor.parent_id) if ancestor.parent_id else None

    def _duplicate_of(self, name: str, addresses: list[dict[str, Any]]) -> Customer | None:
        """An existing customer with the same name and one of the same street addresses."""
        wanted = {_address_key(a) for a in addresses}
        key = name.casefold()
        index = bisect_left(self.order, (key, 0), key=Customer.sort_key)
        while index < len(self.order) and self.order[index].name.casefold() == key:
            candidate = self.order[index]
            if any(_address_key(a) in wanted for a in self.detail(candidate).addresses):
                return candidate
            index += 1
        return None


def _address_key(address: dict[str, Any]) -> tuple[str, str]:
    line = " ".join(str(address.get("line_1") or "").casefold().split())
    postcode = "".join(str(address.get("postcode") or "").casefold().split())
    return line, postcode
