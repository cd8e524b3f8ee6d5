"""Deterministic seed data for the CRO sandbox: tenants (roll-off and waste haulers, CRO's
customers), their locations (depots) and their customers.

What list filters read (name, parent, location, activity, timestamps) is generated up front;
addresses, contacts and the location record's free-text fields come from a per-customer seed
when first needed (``customer_detail``), so a million customers are generated in seconds and
the same seed always yields the same records, whatever order they are read in.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from crossdock.sandboxes.base import seeddata
from crossdock.sandboxes.cro.records import Customer, Detail, Location, dumps, format_ms, to_ms
from crossdock.sandboxes.cro.tenant import Tenant

SEED_START_MS = to_ms(datetime(2018, 6, 1))
SEED_END_MS = to_ms(datetime(2024, 12, 31))
HAULER_WORDS = ("Harbor", "Summit", "Cedar", "Granite", "Pioneer", "Evergreen", "Keystone")
HAULER_KINDS = ("Roll-Offs", "Disposal", "Dumpsters", "Waste Services", "Containers")
LEGAL_SUFFIXES = ("", "", "", " LLC", " Inc.", " Co.", " & Sons", " Group")
NOTES = (
    "Gate code 4411.",
    "Call before delivery.",
    "Exempt from billing.",
    "Prefers morning service.",
    "Place container on the gravel pad, not the lawn.",
    "Billing contact changes every quarter; confirm before invoicing.",
    "Net 30 terms approved.",
)


def other_tenant_size(records: int) -> int:
    """Customers in each tenant besides the primary one: a tenth, within sensible bounds."""
    return min(records // 10 + 5, 5000)


def build_tenant(*, tenant_id: int, seed: int, customers: int, primary: bool) -> Tenant:
    rng = random.Random(f"cro:{seed}:{tenant_id}")
    word = rng.choice(HAULER_WORDS)
    tenant = Tenant(
        id=tenant_id, name=f"{word} {rng.choice(HAULER_KINDS)}", make_detail=customer_detail
    )
    # The primary tenant starts where CRO's own samples are set: Sequim, WA.
    home = 0 if primary else rng.randrange(len(seeddata.PLACES))
    places = [home, *rng.sample(range(len(seeddata.PLACES)), 4)]
    for location_id, place_index in enumerate(places[: 3 + rng.randint(0, 2)], start=1):
        tenant.locations[location_id] = _location(rng, word, location_id, place_index)
    _generate_customers(tenant, rng, customers)
    return tenant


def _location(rng: random.Random, word: str, location_id: int, place_index: int) -> Location:
    place = seeddata.PLACES[place_index]
    metric = place.country != "US"
    is_active = location_id == 1 or rng.random() < 0.9
    name = f"{word} {place.city}"
    body: dict[str, Any] = {
        "address": {
            "id": None,
            "latitude": round(place.latitude + rng.uniform(-0.02, 0.02), 7),
            "line_1": seeddata.street(rng),
            "line_2": None,
            "line_3": None,
            "line_4": None,
            "locality": place.city,
            "longitude": round(place.longitude + rng.uniform(-0.02, 0.02), 7),
            "postcode": place.postcode,
            "region": place.region,
        },
        "allow_new_asset_numbers": rng.random() < 0.3,
        "asset_number_required": rng.random() < 0.2,
        "auto_billing_setup": rng.random() < 0.5,
        "auto_complete_dumps": rng.random() < 0.3,
        "auto_rollover_enabled": rng.random() < 0.7,
        "bar_code_type": rng.choice(("code_39", "code_128", "qr")),
        "billing_accounts_global": rng.random() < 0.2,
        "contact": {
            "email": f"dispatch.{location_id}@{word.lower()}-hauling.example.com",
            "id": None,
            "name": None,
            "number": _phone(rng, place.country),
        },
        "delivery_hidden": False,
        "delivery_name": "LiveLoad",
        "distance_factor": 1.0 if metric else 0.621371,
        "distance_label": "km" if metric else "mi",
        "do_share_drivers": rng.random() < 0.6,
        "driver_self_assignment": rng.random() < 0.3,
        "dropoff_hidden": False,
        "dropoff_name": "Delivery",
        "dtt_enabled": False,
        "exchange_hidden": False,
        "exchange_name": "Swap",
        "id": location_id,
        "is_active": is_active,
        "leed_enabled": None,
        "main_inventory_name": f"{word} {place.city} Yard",
        "name": name,
        "notify_on_acknowledged_job": False,
        "notify_on_completed_job": rng.random() < 0.5,
        "notify_on_dispatched_job": True,
        "notify_on_failed_job": True,
        "pickup_hidden": False,
        "pickup_name": "Pickup",
        "require_reason_fail_delay": True,
        "require_reference_number": rng.random() < 0.2,
    }
    return Location(
        id=location_id, name=name, is_active=is_active, place_index=place_index, body=dumps(body)
    )


def _generate_customers(tenant: Tenant, rng: random.Random, count: int) -> None:
    location_ids = [loc.id for loc in tenant.locations.values() if loc.is_active]
    span = SEED_END_MS - SEED_START_MS
    roots: list[int] = []
    customers: list[Customer] = []
    random_ = rng.random
    for index in range(count):
        created = SEED_START_MS + (span * index + int(span * random_())) // max(count, 1)
        customer = new_customer(tenant, rng, location_ids, created)
        if random_() < 0.35:
            customer.updated_ms = created
        else:
            customer.updated_ms = created + int((SEED_END_MS - created) * random_())
        if roots and random_() < 0.12:
            customer.parent_id = roots[int(random_() * len(roots))]
        else:
            roots.append(customer.id)
        customer.is_active = random_() < 0.93
        customers.append(customer)
        tenant.customers[customer.id] = customer
    customers.sort(key=Customer.sort_key)
    tenant.order = customers


def new_customer(
    tenant: Tenant, rng: random.Random, location_ids: list[int], created_ms: int
) -> Customer:
    """A generated customer (name, location, id runs); its detail comes later, lazily."""
    random_ = rng.random
    if random_() < 0.55:
        name = (
            f"{seeddata.COMPANY_WORDS[int(random_() * len(seeddata.COMPANY_WORDS))]} "
            f"{seeddata.COMPANY_SUFFIXES[int(random_() * len(seeddata.COMPANY_SUFFIXES))]}"
            f"{LEGAL_SUFFIXES[int(random_() * len(LEGAL_SUFFIXES))]}"
        )
        commercial = random_() < 0.9
    else:
        name = (
            f"{seeddata.FIRST_NAMES[int(random_() * len(seeddata.FIRST_NAMES))]} "
            f"{seeddata.LAST_NAMES[int(random_() * len(seeddata.LAST_NAMES))]}"
        )
        commercial = random_() < 0.1
    spread = random_()
    addresses = 1 if spread < 0.55 else 2 if spread < 0.9 else 3
    contacts = 1 + int(random_() * 3)
    customer_id, address_id, contact_id = tenant.allocate(addresses, contacts)
    return Customer(
        id=customer_id,
        name=name,
        location_id=location_ids[int(random_() * len(location_ids))] if location_ids else 1,
        created_ms=created_ms,
        updated_ms=created_ms,
        seed=rng.getrandbits(48),
        is_commercial=commercial,
        first_address_id=address_id,
        address_count=addresses,
        first_contact_id=contact_id,
        contact_count=contacts,
    )


def customer_detail(customer: Customer, tenant: Tenant) -> Detail:
    """Addresses, contacts and free-text fields of a generated customer, from its own seed."""
    rng = random.Random(customer.seed)
    location = tenant.locations.get(customer.location_id)
    home = seeddata.PLACES[location.place_index if location else 0]
    addresses = []
    for n in range(customer.address_count):
        place = home if rng.random() < 0.8 else seeddata.place(rng)
        single = customer.address_count == 1
        addresses.append(
            {
                "country": place.country if rng.random() < 0.85 else None,
                "id": customer.first_address_id + n,
                "is_active": n < 2 or rng.random() < 0.6,
                "is_billing": n == 0 or (n == 1 and rng.random() < 0.2),
                "is_physical": rng.random() < 0.8,
                "is_shipping": single or n == 1 or (n == 2 and rng.random() < 0.5),
                "latitude": round(place.latitude + rng.uniform(-0.05, 0.05), 7),
                "line_1": seeddata.street(rng),
                "line_2": f"Suite {rng.randint(100, 450)}" if rng.random() < 0.15 else None,
                "line_3": None,
                "line_4": None,
                "locality": place.city,
                "longitude": round(place.longitude + rng.uniform(-0.05, 0.05), 7),
                "postcode": place.postcode,
                "region": place.region,
            }
        )
    contacts = []
    for n in range(customer.contact_count):
        first, last = seeddata.person(rng)
        contact_id = customer.first_contact_id + n
        roll = rng.random()
        contacts.append(
            {
                "email": seeddata.email(first, last, contact_id) if roll < 0.8 else "",
                "fax": _phone(rng, home.country) if rng.random() < 0.05 else None,
                "id": contact_id,
                "name": f"{first} {last}" if rng.random() < 0.7 else first,
                "notify_on_acknowledged_request": rng.random() < 0.3,
                "notify_on_completed_request": rng.random() < 0.6,
                "notify_on_dispatched_request": rng.random() < 0.6,
                "notify_on_failed_request": rng.random() < 0.6,
                "notify_on_new_request": rng.random() < 0.6,
                "number": _phone(rng, home.country) if rng.random() < 0.85 else None,
            }
        )
    rep_first, rep_last = seeddata.person(rng)
    return Detail(
        addresses=addresses,
        contacts=contacts,
        account_number_1=f"A{rng.randint(10000, 99999)}" if rng.random() < 0.3 else None,
        account_number_2=f"B{rng.randint(1000, 9999)}" if rng.random() < 0.05 else None,
        note=rng.choice(NOTES) if rng.random() < 0.25 else None,
        reference_number=str(rng.randint(1000, 99999)) if rng.random() < 0.4 else None,
        renewal_date=(
            format_ms(customer.created_ms + rng.randint(180, 720) * 86_400_000)
            if rng.random() < 0.2
            else None
        ),
        sales_rep=f"{rep_first} {rep_last}" if rng.random() < 0.6 else None,
        sales_rep_id=str(rng.randint(100, 999)) if rng.random() < 0.1 else None,
        suspension_id=rng.randint(1, 5) if rng.random() < 0.03 else None,
    )


def _phone(rng: random.Random, country: str) -> str:
    if country == "US":
        return f"{rng.randint(200, 999)}-555-{rng.randint(1000, 9999)}"
    return seeddata.phone(rng, country)
