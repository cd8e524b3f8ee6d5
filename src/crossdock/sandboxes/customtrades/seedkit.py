"""Building blocks of the seed data: vocabularies, ids, instants and customers.

Everything draws from a ``random.Random`` the caller owns (see ``base/seeddata.py``), so the
same seed gives the same records on every machine.
"""

from __future__ import annotations

import functools
import random
from bisect import bisect_right
from datetime import UTC, datetime
from typing import Any

from crossdock.sandboxes.base import seeddata
from crossdock.sandboxes.customtrades.timefmt import DAY_MS, to_ms

SEED_ANCHOR_MS = to_ms(datetime(2025, 6, 1, tzinfo=UTC))
WINDOW_MS = 730 * DAY_MS
HOUR_MS = 3_600_000

US_PLACES = tuple(p for p in seeddata.PLACES if p.country == "US")
TIMEZONES = {
    "WA": "America/Los_Angeles",
    "OR": "America/Los_Angeles",
    "CO": "America/Denver",
    "TX": "America/Chicago",
}
LOCATION_NAMES = ("Main Office", "North Warehouse", "South Yard", "East Branch", "West Branch")
NOTES = (
    "Gate code 4412. Dog in backyard.",
    "Prefers morning appointments.",
    "Call before arriving.",
    "Tenant-occupied; landlord approves work over $500.",
)
JOB_KINDS = (
    ("Water heater replacement", "Replace 50 gal gas water heater; check venting."),
    ("Leaky faucet repair", "Kitchen faucet drips; replace cartridge."),
    ("Panel upgrade", "Upgrade 100A panel to 200A service."),
    ("AC tune-up", "Seasonal maintenance on split system."),
    ("Drain cleaning", "Main line backs up after heavy rain."),
    ("Roof leak inspection", "Water stain on upstairs ceiling."),
    ("Outlet installation", "Add two GFCI outlets in garage."),
    ("Furnace repair", "Furnace short-cycles; inspect igniter and flame sensor."),
)
# Job statuses weighted by how common they are, with whether the job has started.
JOB_STATUSES = (
    ("New", 10),
    ("Contacted", 8),
    ("Scheduled", 16),
    ("In Progress", 10),
    ("Needs Approval", 4),
    ("Ready to Invoice", 6),
    ("Invoiced", 14),
    ("Complete", 24),
    ("Estimate Sent", 5),
    ("Estimate Approved", 3),
)
STARTED = frozenset({"In Progress", "Needs Approval", "Ready to Invoice", "Invoiced", "Complete"})
CATALOGUE = (
    ("Service call", 89, 0),
    ("Labor (per hour)", 115, 0),
    ("Copper fittings kit", 42.5, 8.25),
    ("50 gal water heater", 1189, 8.25),
    ("GFCI outlet", 24.99, 8.25),
    ("Refrigerant R-410A (lb)", 65, 8.25),
    ("Drain snake, main line", 249, 0),
    ("Permit fee", 150, 0),
)
Addon = tuple[str, str, float]
# (name, pricing type, tier prices, flat price, add-ons, tax rate in percent)
Template = tuple[str, str, dict[str, float] | None, float | None, tuple[Addon, ...], float]
TEMPLATES: tuple[Template, ...] = (
    (
        "Water Heater Replacement",
        "tiered",
        {"good": 1450, "better": 1890, "best": 2650},
        None,
        (("expansion-tank", "Expansion tank", 185), ("haul-away", "Haul away old unit", 95)),
        8.25,
    ),
    ("Drain Cleaning", "flat", None, 189, (("camera", "Camera inspection", 149),), 0),
    (
        "Panel Upgrade",
        "tiered",
        {"good": 2200, "better": 2900, "best": 3800},
        None,
        (("surge", "Whole-home surge protector", 325), ("permit", "Permit filing", 150)),
        6.5,
    ),
    ("AC Tune-Up", "flat", None, 129, (("filter", "Filter replacement", 35),), 8.25),
)  # fmt: skip


_VERSION_MASK = ~((0xF << 76) | (0xC << 60))
_VERSION_BITS = (0x4 << 76) | (0x8 << 60)


def make_uuid(rng: random.Random) -> str:
    """A UUID4 from ``rng`` (as ``seeddata.uuid_from``, minus the cost of a ``uuid.UUID``)."""
    h = "%032x" % (rng.getrandbits(128) & _VERSION_MASK | _VERSION_BITS)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_VARIANTS = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def make_uuids(rng: random.Random, count: int) -> list[str]:
    """``count`` UUID4s from ``rng`` at once: one draw of random bytes, sliced (seeding many
    records spends a noticeable share of its time making ids one by one)."""
    digits = rng.randbytes(16 * count).hex()
    made = []
    for at in range(0, 32 * count, 32):
        h = digits[at : at + 32]
        made.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANTS[h[16]]}{h[17:20]}-{h[20:]}")
    return made


def spread_times(rng: random.Random, count: int, lo: int, hi: int) -> list[int]:
    """``count`` strictly increasing instants spread over ``[lo, hi)`` with some jitter."""
    step = max((hi - lo) // (count + 1), 2)
    r = rng.random
    return [lo + (i + 1) * step + int(r() * step * 0.8) for i in range(count)]


def existed_by(times: list[int], moment: int) -> int:
    """How many of the records last updated at ``times`` existed at ``moment`` (at least one)."""
    return max(1, bisect_right(times, moment))


def phone_number(r: Any) -> str:
    return f"{int(r() * 800) + 200}-{int(r() * 800) + 200}-{int(r() * 10000):04d}"


@functools.lru_cache(maxsize=1024)
def _local_part(first: str, last: str) -> str:
    # seeddata.email's local part, computed once per name pair.
    return seeddata.email(first, last, 0).split("0@", 1)[0]


def fake_customer(
    rng: random.Random, n: int, locations: list[str], key: str | None = None
) -> dict[str, Any]:
    """A customer in the vendor's field order: ``uuid`` (``key``) and the writable fields.

    Seeding adds the timestamps; inserted records post it as a body, where ``uuid`` (``None``)
    is ignored like any read-only field."""
    r = rng.random
    first = seeddata.FIRST_NAMES[int(r() * len(seeddata.FIRST_NAMES))]
    last = seeddata.LAST_NAMES[int(r() * len(seeddata.LAST_NAMES))]
    commercial = r() < 0.2
    place = US_PLACES[int(r() * len(US_PLACES))]
    street = f"{int(r() * 9999) + 1} {seeddata.STREETS[int(r() * len(seeddata.STREETS))]}"
    billed = r() < 0.3
    return {
        "uuid": key,
        "first_name": first,
        "last_name": last,
        "company_name": seeddata.company_name(rng) if commercial else None,
        "email": f"{_local_part(first, last)}{n}@example.com" if r() < 0.9 else None,
        "phone": phone_number(r),
        "customer_type": "Commercial" if commercial else "Residential",
        "is_vip": r() < 0.08,
        "physical_address1": street,
        "physical_address2": "Suite 200" if commercial and r() < 0.5 else None,
        "physical_city": place.city,
        "physical_state": place.region,
        "physical_zip": place.postcode,
        "billing_address1": f"PO Box {int(r() * 9000) + 100}" if billed else None,
        "billing_address2": None,
        "billing_city": place.city if billed else None,
        "billing_state": place.region if billed else None,
        "billing_zip": place.postcode if billed else None,
        "primary_service_location_uuid": locations[int(r() * len(locations))]
        if locations and r() < 0.5
        else None,
        "notes": NOTES[int(r() * len(NOTES))] if r() < 0.1 else None,
        "internal_flags": {"source": "referral"} if r() < 0.05 else None,
        "on_my_way_notify_via": ("sms", "email", "both", None)[int(r() * 4)],
    }
