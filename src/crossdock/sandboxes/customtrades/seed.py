"""Deterministic seed data: a trades company's customers, jobs, estimates, invoices, payments,
job photos and locations, consistent with one another and with the business rules.

Same seed, same records (``random.Random`` only, never the wall clock): the data spans the two
years before ``SEED_ANCHOR`` and every record is created after what it refers to. ``customers``
sets the scale; jobs are half as many, estimates, invoices and photos a quarter, payments follow
the invoices' statuses, and a company has one location per 40 customers (2 to 25).
"""

from __future__ import annotations

import gc
import random
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crossdock.sandboxes.base import seeddata
from crossdock.sandboxes.customtrades.company import Company, Stamper
from crossdock.sandboxes.customtrades.seed_billing import seed_estimates, seed_invoices
from crossdock.sandboxes.customtrades.seedkit import (
    HOUR_MS,
    JOB_KINDS,
    JOB_STATUSES,
    LOCATION_NAMES,
    NOTES,
    SEED_ANCHOR_MS,
    STARTED,
    TEMPLATES,
    TIMEZONES,
    US_PLACES,
    WINDOW_MS,
    existed_by,
    fake_customer,
    make_uuid,
    make_uuids,
    phone_number,
    spread_times,
)
from crossdock.sandboxes.customtrades.store import Row
from crossdock.sandboxes.customtrades.timefmt import DAY_MS, iso_ms

HOURS = tuple(f"{hour:02d}:00" for hour in range(24))


class CompanySeeder:
    """Builds one company's world. ``index`` 0 is the primary company the CLI key belongs to."""

    def __init__(self, seed: int, index: int, stamper: Stamper) -> None:
        self.rng = random.Random(seed * 1009 + index)
        self.index = index
        self.stamper = stamper
        self.job_times: list[int] = []
        self.made: dict[str, list[Row]] = {}
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
            "phone": f"+1-{phone_number(rng.random)}",
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

    def store(self, co: Company, kind: str, record: dict[str, Any], updated_ms: int) -> Row:
        """A new seed record; stored in its collection (in bulk, in order) by ``populate``."""
        row = Row(record, updated_ms)
        self.made.setdefault(kind, []).append(row)
        return row

    def populate(self, co: Company, customers: int) -> None:
        if customers <= 0:
            return
        locations = self.locations(co, min(25, max(2, customers // 40)))
        customer_rows, customer_times = self.customers(co, customers, locations)
        jobs = self.jobs(co, customers // 2, customer_rows, customer_times, locations)
        seed_estimates(self, co, customers // 4, jobs, customer_rows, customer_times)
        seed_invoices(self, co, customers // 4, jobs, customer_rows, customer_times)
        self.photos(co, customers // 4, jobs)
        for kind, rows in self.made.items():
            co.collections[kind].load(rows, self.stamper.reserve(len(rows)))
        self.made = {}

    def locations(self, co: Company, count: int) -> list[str]:
        rng = self.rng
        times = spread_times(rng, count, self.lo - WINDOW_MS // 4, self.lo)
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
                "phone": phone_number(rng.random),
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
            self.store(co, "locations", record, ms)
        return keys

    def customers(
        self, co: Company, count: int, locations: list[str]
    ) -> tuple[list[Row], list[int]]:
        rng = self.rng
        r = rng.random
        times = spread_times(rng, count, self.lo, SEED_ANCHOR_MS)
        ids = make_uuids(rng, count)
        rows: list[Row] = []
        for n, ms in enumerate(times):
            created = ms - int(r() * 20 * DAY_MS) if r() < 0.4 else ms
            stamp = iso_ms(ms)
            record = fake_customer(rng, n, locations, ids[n])
            record["created_at"] = iso_ms(created) if created != ms else stamp
            record["updated_at"] = stamp
            record["deleted_at"] = stamp if r() < 0.02 else None
            rows.append(self.store(co, "customers", record, ms))
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
        times = self.job_times = spread_times(rng, count, self.lo_dependent, SEED_ANCHOR_MS)
        techs = [key for key, user in co.users.items() if user["role"] == "technician"]
        statuses = [status for status, weight in JOB_STATUSES for _ in range(weight)]
        ids = iter(make_uuids(rng, count))
        made: list[tuple[Row, int]] = []
        for ms in times:
            status = statuses[int(r() * len(statuses))]
            span = int((2 + r() * 28) * DAY_MS) if status not in ("New", "Contacted") else 0
            created = ms - span
            customer = customers[int(r() * existed_by(customer_times, created))].data
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
                "uuid": next(ids),
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
                "scheduled_time_start": HOURS[hour] if scheduled else None,
                "scheduled_time_end": HOURS[hour + 2] if scheduled else None,
                "scheduled_start_at": scheduled,
                "started_at": started,
                "completed_at": iso_ms(created + span * 4 // 5) if done else None,
                "invoiced_at": iso_ms(created + span * 9 // 10) if status == "Invoiced" else None,
                "paid_at": None,
                "internal_notes": None,
                "customer_notes": NOTES[int(r() * len(NOTES))] if r() < 0.1 else None,
                "created_at": iso_ms(created) if span else stamp,
                "updated_at": stamp,
                "deleted_at": stamp if r() < 0.02 else None,
            }
            made.append((self.store(co, "jobs", record, ms), created))
        for number, (row, _) in enumerate(sorted(made, key=lambda item: item[1]), start=1):
            row.data["job_number"] = f"JOB-{number:04d}"
        co.job_numbers = len(made)
        return made

    def pick_job(self, jobs: list[tuple[Row, int]], created: int) -> dict[str, Any] | None:
        """A job that existed at ``created`` (last updated by then), if any did."""
        bound = bisect_right(self.job_times, created)
        if not bound:
            return None
        row, _ = jobs[int(self.rng.random() * bound)]
        return row.data

    def photos(self, co: Company, count: int, jobs: list[tuple[Row, int]]) -> None:
        rng = self.rng
        r = rng.random
        times = spread_times(rng, count, self.lo_dependent, SEED_ANCHOR_MS)
        users = list(co.users)
        ids = iter(make_uuids(rng, count))
        for ms in times:
            job = self.pick_job(jobs, ms - HOUR_MS)
            if job is None:
                continue
            key = next(ids)
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
            row = self.store(co, "photos", record, ms)
            co.photos_by_job.setdefault(job["uuid"], []).append(row.uuid)


def build_company(
    seed: int, index: int, customers: int, stamper: Stamper, *, name: str | None = None
) -> Company:
    seeder = CompanySeeder(seed, index, stamper)
    co = seeder.company(name=name)
    seeder.populate(co, customers)
    return co


FREEZE_FROM = 100_000


@contextmanager
def collector_paused(records: int) -> Iterator[None]:
    """Keep the cyclic garbage collector out of seeding, and out of large seeds afterwards.

    Seed data holds no reference cycles (refcounting frees it), yet millions of new objects
    would trigger collection after collection while it is built: pausing the collector halves
    the time of a large seed. Afterwards a large seed is frozen (``gc.freeze``), so that later
    full collections do not walk it, which would stall requests for seconds. Small seeds, as in
    tests, are left to the collector, since freezing is process-wide.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if records >= FREEZE_FROM:
            gc.freeze()
        if running:
            gc.enable()
