"""Deterministic seed data: a trades company's customers, jobs, estimates, invoices, payments,
job photos and locations, consistent with one another and with the business rules.

Same seed, same records (``random.Random`` only, never the wall clock): the data spans the two
years before ``SEED_ANCHOR`` and every record is created after what it refers to. ``customers``
sets the scale; jobs are half as many, estimates, invoices and photos a quarter, payments follow
the invoices' statuses, and a company has one location per 40 customers (2 to 25).
"""

from __future__ import annotations

import functools
import gc
import random
from bisect import bisect_right
from datetime import UTC, datetime
from typing import Any

from crossdock.sandboxes.base import seeddata
from crossdock.sandboxes.customtrades.billing import cents, dollars, estimate_price, invoice_totals
from crossdock.sandboxes.customtrades.company import Company, Stamper
from crossdock.sandboxes.customtrades.store import Row
from crossdock.sandboxes.customtrades.timefmt import DAY_MS, add_days, iso_day, iso_ms, to_ms

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


def _times(rng: random.Random, count: int, lo: int, hi: int) -> list[int]:
    """``count`` strictly increasing instants spread over ``[lo, hi)`` with some jitter."""
    step = max((hi - lo) // (count + 1), 2)
    r = rng.random
    return [lo + (i + 1) * step + int(r() * step * 0.8) for i in range(count)]


def _before(times: list[int], moment: int) -> int:
    """How many of the records last updated at ``times`` existed at ``moment`` (at least one)."""
    return max(1, bisect_right(times, moment))


def _phone(r: Any) -> str:
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
        "phone": _phone(r),
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


class CompanySeeder:
    """Builds one company's world. ``index`` 0 is the primary company the CLI key belongs to."""

    def __init__(self, seed: int, index: int, stamper: Stamper) -> None:
        self.rng = random.Random(seed * 1009 + index)
        self.index = index
        self.stamper = stamper
        self.job_times: list[int] = []
        self.lo = SEED_ANCHOR_MS - WINDOW_MS
        # Dependent records start a tenth of the way in, when some customers already exist.
        self.lo_dependent = self.lo + WINDOW_MS // 10

    def company(self, *, name: str | None = None) -> Company:
        rng = self.rng
        name = name or seeddata.company_name(rng)
        place = US_PLACES[rng.randrange(len(US_PLACES))]
        domain = "".join(c for c in name.lower() if c.isalnum()) + ".example.com"
        company_id = make_uuid(rng)
        profile = {
            "uuid": company_id,
            "name": name,
            "email": f"office@{domain}",
            "phone": f"+1-{_phone(rng.random)}",
            "address_line_1": seeddata.street(rng),
            "address_line_2": None,
            "city": place.city,
            "state": place.region,
            "postal_code": place.postcode,
            "country": "US",
        }
        co = Company(uuid=company_id, profile=profile, stamper=self.stamper)
        for role in ("owner", "technician", "technician", "office"):
            first, last = seeddata.person(rng)
            user_id = make_uuid(rng)
            co.users[user_id] = {
                "id": user_id,
                "first_name": first,
                "last_name": last,
                "email": seeddata.email(first, last, len(co.users), domain),
                "role": role,
            }
        for template_name, pricing, tiers, base, addons, tax in TEMPLATES:
            template_id = make_uuid(rng)
            co.templates[template_id] = {
                "uuid": template_id,
                "name": template_name,
                "pricing_type": pricing,
                "tiers": tiers,
                "base_price": base,
                "addons": [{"id": a, "name": n, "price": p} for a, n, p in addons],
                "tax_rate": tax,
            }
        return co

    def _store(self, co: Company, kind: str, record: dict[str, Any], updated_ms: int) -> Row:
        row = Row(record, updated_ms)
        co.collections[kind].load(row, self.stamper.next_seq())
        return row

    def populate(self, co: Company, customers: int) -> None:
        if customers <= 0:
            return
        locations = self.locations(co, min(25, max(2, customers // 40)))
        customer_rows, customer_times = self.customers(co, customers, locations)
        jobs = self.jobs(co, customers // 2, customer_rows, customer_times, locations)
        self.estimates(co, customers // 4, jobs, customer_rows, customer_times)
        self.invoices(co, customers // 4, jobs, customer_rows, customer_times)
        self.photos(co, customers // 4, jobs)

    def locations(self, co: Company, count: int) -> list[str]:
        rng = self.rng
        times = _times(rng, count, self.lo - WINDOW_MS // 4, self.lo)
        keys: list[str] = []
        for i, ms in enumerate(times):
            place = US_PLACES[(self.index + i) % len(US_PLACES)]
            name = LOCATION_NAMES[i] if i < len(LOCATION_NAMES) else f"{place.city} Branch {i}"
            stamp = iso_ms(ms)
            key = make_uuid(rng)
            record = {
                "uuid": key,
                "name": name,
                "location_code": f"LOC-{i + 1:02d}",
                "address1": seeddata.street(rng),
                "address2": None,
                "city": place.city,
                "state": place.region,
                "zip": place.postcode,
                "phone": _phone(rng.random),
                "timezone": TIMEZONES.get(place.region, "America/New_York"),
                "business_hours": {"mon-fri": "07:00-17:00", "sat": "08:00-12:00"},
                "default_tax_rules": {"rate": 8.25} if i == 0 else None,
                "service_types_offered": ["plumbing", "hvac", "electrical"][: 1 + i % 3],
                "default_pricing_set_uuid": None,
                "is_primary": i == 0,
                "is_active": i < 4 or rng.random() < 0.8,
                "created_at": stamp,
                "updated_at": stamp,
                "deleted_at": None,
            }
            keys.append(key)
            self._store(co, "locations", record, ms)
        return keys

    def customers(
        self, co: Company, count: int, locations: list[str]
    ) -> tuple[list[Row], list[int]]:
        rng = self.rng
        r = rng.random
        times = _times(rng, count, self.lo, SEED_ANCHOR_MS)
        rows: list[Row] = []
        for n, ms in enumerate(times):
            created = ms - int(r() * 20 * DAY_MS) if r() < 0.4 else ms
            stamp = iso_ms(ms)
            record = fake_customer(rng, n, locations, make_uuid(rng))
            record["created_at"] = iso_ms(created) if created != ms else stamp
            record["updated_at"] = stamp
            record["deleted_at"] = stamp if r() < 0.02 else None
            rows.append(self._store(co, "customers", record, ms))
        return rows, times

    def jobs(
        self,
        co: Company,
        count: int,
        customers: list[Row],
        customer_times: list[int],
        locations: list[str],
    ) -> list[tuple[Row, int]]:
        """Jobs, each with its creation instant (for what is created after it)."""
        rng = self.rng
        r = rng.random
        times = self.job_times = _times(rng, count, self.lo_dependent, SEED_ANCHOR_MS)
        techs = [key for key, user in co.users.items() if user["role"] == "technician"]
        statuses = [status for status, weight in JOB_STATUSES for _ in range(weight)]
        made: list[tuple[Row, int]] = []
        for ms in times:
            status = statuses[int(r() * len(statuses))]
            span = int((2 + r() * 28) * DAY_MS) if status not in ("New", "Contacted") else 0
            created = ms - span
            customer = customers[int(r() * _before(customer_times, created))].data
            title, description = JOB_KINDS[int(r() * len(JOB_KINDS))]
            scheduled = None
            hour = 8 + int(r() * 8)
            if span:
                day_ms = (created + span * 2 // 5) // DAY_MS * DAY_MS
                scheduled = iso_ms(day_ms + hour * HOUR_MS)
            started = iso_ms(created + span // 2) if status in STARTED else None
            done = status in ("Complete", "Invoiced")
            priority = ("Low", "Normal", "Normal", "Normal", "High", "Emergency")[int(r() * 6)]
            estimated = round(150 + r() * 4000, 2)
            stamp = iso_ms(ms)
            record = {
                "uuid": make_uuid(rng),
                "job_number": None,
                "customer_uuid": customer["uuid"],
                "location_uuid": locations[int(r() * len(locations))],
                "assigned_to_user_id": techs[int(r() * len(techs))] if span else None,
                "title": title,
                "description": description,
                "status": status,
                "priority": priority,
                "is_urgent": priority in ("High", "Emergency") and r() < 0.5,
                "is_emergency": priority == "Emergency",
                "service_address1": customer["physical_address1"],
                "service_address2": customer["physical_address2"],
                "service_city": customer["physical_city"],
                "service_state": customer["physical_state"],
                "service_zip": customer["physical_zip"],
                "estimated_amount": estimated,
                "actual_amount": round(estimated * (0.85 + r() * 0.3), 2) if done else None,
                "scheduled_date": scheduled,
                "scheduled_time_start": f"{hour:02d}:00" if scheduled else None,
                "scheduled_time_end": f"{hour + 2:02d}:00" if scheduled else None,
                "scheduled_start_at": scheduled,
                "started_at": started,
                "completed_at": iso_ms(created + span * 4 // 5) if done else None,
                "invoiced_at": iso_ms(created + span * 9 // 10) if status == "Invoiced" else None,
                "paid_at": None,
                "internal_notes": None,
                "customer_notes": NOTES[int(r() * len(NOTES))] if r() < 0.1 else None,
                "created_at": iso_ms(created),
                "updated_at": stamp,
                "deleted_at": stamp if r() < 0.02 else None,
            }
            made.append((self._store(co, "jobs", record, ms), created))
        for number, (row, _) in enumerate(sorted(made, key=lambda item: item[1]), start=1):
            row.data["job_number"] = f"JOB-{number:04d}"
        co.job_numbers = len(made)
        return made

    def _pick_job(self, jobs: list[tuple[Row, int]], created: int) -> dict[str, Any] | None:
        """A job that existed at ``created`` (last updated by then), if any did."""
        bound = bisect_right(self.job_times, created)
        if not bound:
            return None
        row, _ = jobs[int(self.rng.random() * bound)]
        return row.data

    def estimates(
        self,
        co: Company,
        count: int,
        jobs: list[tuple[Row, int]],
        customers: list[Row],
        customer_times: list[int],
    ) -> None:
        rng = self.rng
        r = rng.random
        times = _times(rng, count, self.lo_dependent, SEED_ANCHOR_MS)
        templates = list(co.templates.values())
        made: list[tuple[Row, int]] = []
        # Few combinations of template, tier and add-ons exist: price each once.
        prices: dict[tuple[Any, ...], dict[str, Any]] = {}
        for ms in times:
            status = ("Pending", "Pending", "Accepted", "Accepted", "Declined", "Expired")[
                int(r() * 6)
            ]
            span = int((1 + r() * 20) * DAY_MS) if status != "Pending" or r() < 0.5 else 0
            created = ms - span
            job = self._pick_job(jobs, created) if r() < 0.6 else None
            if job is None:
                customer_uuid = customers[int(r() * _before(customer_times, created))].data["uuid"]
            else:
                customer_uuid = job["customer_uuid"]
            template = templates[int(r() * len(templates))]
            choices: dict[str, Any] = {
                "selected_tier": ("good", "better", "best")[int(r() * 3)]
                if template["pricing_type"] == "tiered"
                else None,
                "quantity": 1 if r() < 0.85 else 2,
                "selected_addons": [a["id"] for a in template["addons"] if r() < 0.4] or None,
                "adjustments": [{"description": "Returning customer discount", "amount": -50}]
                if r() < 0.1
                else None,
            }
            addons = choices["selected_addons"]
            memo = (template["uuid"], choices["selected_tier"], choices["quantity"],
                    tuple(addons or ()), choices["adjustments"] is not None)  # fmt: skip
            price = prices.get(memo)
            if price is None:
                price = prices[memo] = estimate_price(template, choices)
            stamp = iso_ms(ms)
            record = {
                "uuid": make_uuid(rng),
                "estimate_number": None,
                "customer_uuid": customer_uuid,
                "job_uuid": None if job is None else job["uuid"],
                "template_uuid": template["uuid"],
                "location_uuid": None if job is None else job["location_uuid"],
                "created_by_user_id": co.owner_id,
                "status": status,
                "template_name": price["template_name"],
                "pricing_type": price["pricing_type"],
                "selected_tier": choices["selected_tier"],
                "base_amount": price["base_amount"],
                "addons_amount": price["addons_amount"],
                "tax_amount": price["tax_amount"],
                "total_amount": price["total_amount"],
                "quantity": choices["quantity"],
                "selected_addons": choices["selected_addons"],
                "adjustments": choices["adjustments"],
                "service_description": f"{template['name']} as discussed on site.",
                "internal_notes": None,
                "customer_notes": None,
                "response_notes": "Approved by phone."
                if status == "Accepted" and r() < 0.3
                else None,
                "expires_at": iso_ms(created + 30 * DAY_MS),
                "responded_at": iso_ms(ms) if status in ("Accepted", "Declined") else None,
                "created_at": iso_ms(created),
                "updated_at": stamp,
                "deleted_at": stamp if r() < 0.02 else None,
            }
            made.append((self._store(co, "estimates", record, ms), created))
        numbering = co.numbering["estimate"]
        for row, _ in sorted(made, key=lambda item: item[1]):
            row.data["estimate_number"] = numbering.take()

    def invoices(
        self,
        co: Company,
        count: int,
        jobs: list[tuple[Row, int]],
        customers: list[Row],
        customer_times: list[int],
    ) -> None:
        rng = self.rng
        r = rng.random
        times = _times(rng, count, self.lo_dependent, SEED_ANCHOR_MS)
        made: list[tuple[Row, int]] = []
        payments: list[tuple[int, Row, int]] = []  # (when, invoice, amount in cents)
        # Invoices repeat the same few line combinations: price each once (and share the
        # line items, which are never changed in place: an update replaces the whole list).
        priced: dict[tuple[tuple[int, int], ...], dict[str, Any]] = {}
        for ms in times:
            span = int((3 + r() * 40) * DAY_MS)
            created = ms - span
            job = self._pick_job(jobs, created) if r() < 0.85 else None
            if job is None:
                customer_uuid = customers[int(r() * _before(customer_times, created))].data["uuid"]
            else:
                customer_uuid = job["customer_uuid"]
            picks = tuple(
                (int(r() * len(CATALOGUE)), 1 + int(r() * 3)) for _ in range(1 + int(r() * 3))
            )
            totals = priced.get(picks)
            if totals is None:
                lines = [
                    {"description": d, "quantity": q, "unit_price": p, "tax_rate": t}
                    for (d, p, t), q in ((CATALOGUE[i], q) for i, q in picks)
                ]
                totals = priced[picks] = invoice_totals(lines, 0, 0)
            issue = iso_day(created)
            due = add_days(issue, 30)
            overdue_possible = add_days(due, 1) < iso_day(SEED_ANCHOR_MS)
            roll = r()
            if roll < 0.1:
                status = "Draft"
            elif roll < 0.55:
                status = "Paid"
            elif roll < 0.7 and overdue_possible:
                status = "Overdue"
            else:
                status = "Pending"
            stamp = iso_ms(ms)
            record = {
                "uuid": make_uuid(rng),
                "invoice_number": None,
                "customer_uuid": customer_uuid,
                "job_uuid": None if job is None else job["uuid"],
                "estimate_uuid": None,
                "location_uuid": None if job is None else job["location_uuid"],
                "invoice_type": "Full",
                "progress_percentage": None,
                "issue_date": issue,
                "due_date": due,
                "subtotal": totals["subtotal"],
                "tax_amount": totals["tax_amount"],
                "discount_amount": 0,
                "total_amount": totals["total_amount"],
                "paid_amount": 0,
                "balance_amount": totals["total_amount"],
                "line_items": totals["line_items"],
                "notes": "Thank you for your business!",
                "terms": "Net 30",
                "internal_notes": None,
                "status": status,
                "created_at": iso_ms(created),
                "updated_at": stamp,
                "deleted_at": None,
            }
            row = self._store(co, "invoices", record, ms)
            made.append((row, created))
            total = cents(totals["total_amount"])
            if status == "Paid":
                first = total if r() < 0.8 else total // 2
                payments.append((created + span // 3, row, first))
                if first < total:
                    payments.append((ms, row, total - first))
            elif status in ("Pending", "Overdue") and r() < 0.25:
                payments.append((ms, row, total // 2))
        numbering = co.numbering["invoice"]
        for row, _ in sorted(made, key=lambda item: item[1]):
            row.data["invoice_number"] = numbering.take()
        self.payments(co, payments)

    def payments(self, co: Company, planned: list[tuple[int, Row, int]]) -> None:
        rng = self.rng
        r = rng.random
        planned.sort(key=lambda item: item[0])
        for number, (ms, invoice, amount) in enumerate(planned, start=1):
            kind = ("credit_card", "credit_card", "ach", "check", "cash")[int(r() * 5)]
            fee = round(amount * 0.029) + 30 if kind == "credit_card" else 0
            stamp = iso_ms(ms)
            record = {
                "uuid": make_uuid(rng),
                "payment_number": f"PAY-{number:04d}",
                "invoice_uuid": invoice.data["uuid"],
                "customer_uuid": invoice.data["customer_uuid"],
                "payment_type": kind,
                "payment_method": {"credit_card": "visa", "ach": "bank_transfer"}.get(kind),
                "amount": dollars(amount),
                "processing_fee": dollars(fee),
                "net_amount": dollars(amount - fee),
                "payment_date": iso_day(ms),
                "transaction_id": f"txn_{rng.getrandbits(48):012x}" if kind != "check" else None,
                "reference_number": str(1000 + int(r() * 8999)) if kind == "check" else None,
                "authorization_code": f"{rng.getrandbits(24):06X}" if fee else None,
                "payment_details": None,
                "notes": None,
                "status": "Completed",
                "processed_at": stamp,
                "created_by_user_id": co.owner_id,
                "created_at": stamp,
                "updated_at": stamp,
                "deleted_at": None,
            }  # fmt: skip
            row = self._store(co, "payments", record, ms)
            co.payments_by_invoice.setdefault(invoice.uuid, []).append(row.uuid)
            data = invoice.data
            paid = cents(data["paid_amount"]) + amount
            data["paid_amount"] = dollars(paid)
            data["balance_amount"] = dollars(cents(data["total_amount"]) - paid)
        co.payment_numbers = len(planned)

    def photos(self, co: Company, count: int, jobs: list[tuple[Row, int]]) -> None:
        rng = self.rng
        r = rng.random
        times = _times(rng, count, self.lo_dependent, SEED_ANCHOR_MS)
        users = list(co.users)
        for ms in times:
            job = self._pick_job(jobs, ms - HOUR_MS)
            if job is None:
                continue
            key = make_uuid(rng)
            stamp = iso_ms(ms)
            record = {
                "uuid": key,
                "job_uuid": job["uuid"],
                "user_id": users[int(r() * len(users))],
                "photo_url": f"https://files.customtradescrm.example/{co.uuid}/jobs/{job['uuid']}/{key}.jpg",
                "photo_type": ("before", "during", "after")[int(r() * 3)],
                "file_name": f"IMG_{int(r() * 9000) + 1000}.jpg",
                "file_size": 800_000 + int(r() * 3_200_000),
                "mime_type": "image/jpeg",
                "taken_at": iso_ms(ms - int(r() * HOUR_MS)),
                "customer_email_sent": r() < 0.2,
                "created_at": stamp,
                "updated_at": stamp,
                "deleted_at": None,
            }  # fmt: skip
            row = self._store(co, "photos", record, ms)
            co.photos_by_job.setdefault(job["uuid"], []).append(row.uuid)


def build_company(
    seed: int, index: int, customers: int, stamper: Stamper, *, name: str | None = None
) -> Company:
    seeder = CompanySeeder(seed, index, stamper)
    co = seeder.company(name=name)
    # Millions of new dicts would trigger the cyclic collector over and over, for nothing:
    # seed data has no cycles. Pausing it halves the time of a large seed.
    paused = gc.isenabled()
    gc.disable()
    try:
        seeder.populate(co, customers)
    finally:
        if paused:
            gc.enable()
    return co
