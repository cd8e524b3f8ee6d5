"""Seed estimates, invoices and their payments, priced and settled by the business rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crossdock.sandboxes.customtrades.billing import dollars, estimate_price, price_lines
from crossdock.sandboxes.customtrades.company import Company
from crossdock.sandboxes.customtrades.seedkit import (
    CATALOGUE,
    SEED_ANCHOR_MS,
    existed_by,
    make_uuids,
    spread_times,
)
from crossdock.sandboxes.customtrades.store import Row
from crossdock.sandboxes.customtrades.timefmt import DAY_MS, iso_day, iso_ms

if TYPE_CHECKING:
    from crossdock.sandboxes.customtrades.seed import CompanySeeder


def seed_estimates(
    seeder: CompanySeeder,
    co: Company,
    count: int,
    jobs: list[tuple[Row, int]],
    customers: list[Row],
    customer_times: list[int],
) -> None:
    rng = seeder.rng
    r = rng.random
    times = spread_times(rng, count, seeder.lo_dependent, SEED_ANCHOR_MS)
    templates = list(co.templates.values())
    ids = iter(make_uuids(rng, count))
    made: list[tuple[Row, int]] = []
    # Few combinations of template, tier and add-ons exist: price each once.
    prices: dict[tuple[Any, ...], dict[str, Any]] = {}
    for ms in times:
        status = ("Pending", "Pending", "Accepted", "Accepted", "Declined", "Expired")[int(r() * 6)]
        span = int((1 + r() * 20) * DAY_MS) if status != "Pending" or r() < 0.5 else 0
        created = ms - span
        job = seeder.pick_job(jobs, created) if r() < 0.6 else None
        if job is None:
            customer_uuid = customers[int(r() * existed_by(customer_times, created))].data["uuid"]
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
            "uuid": next(ids),
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
            "response_notes": "Approved by phone." if status == "Accepted" and r() < 0.3 else None,
            "expires_at": iso_ms(created + 30 * DAY_MS),
            "responded_at": iso_ms(ms) if status in ("Accepted", "Declined") else None,
            "created_at": iso_ms(created),
            "updated_at": stamp,
            "deleted_at": stamp if r() < 0.02 else None,
        }
        made.append((seeder.store(co, "estimates", record, ms), created))
    numbering = co.numbering["estimate"]
    for row, _ in sorted(made, key=lambda item: item[1]):
        row.data["estimate_number"] = numbering.take()


def seed_invoices(
    seeder: CompanySeeder,
    co: Company,
    count: int,
    jobs: list[tuple[Row, int]],
    customers: list[Row],
    customer_times: list[int],
) -> None:
    rng = seeder.rng
    r = rng.random
    times = spread_times(rng, count, seeder.lo_dependent, SEED_ANCHOR_MS)
    ids = iter(make_uuids(rng, count))
    made: list[tuple[Row, int]] = []
    payments: list[tuple[int, Row, int, int]] = []  # (when, invoice, amount, its total)
    # Lines repeat: each (item, quantity) is priced once by the billing rules, and an
    # invoice's totals are the sums of its lines' cents, as ``invoice_totals`` computes them.
    # Line dicts are shared between invoices; nothing changes them in place (an update
    # replaces the whole list).
    lines: dict[tuple[int, int], tuple[dict[str, Any], int, int]] = {}
    for ms in times:
        span = int((3 + r() * 40) * DAY_MS)
        created = ms - span
        job = seeder.pick_job(jobs, created) if r() < 0.85 else None
        if job is None:
            customer_uuid = customers[int(r() * existed_by(customer_times, created))].data["uuid"]
        else:
            customer_uuid = job["customer_uuid"]
        picks = tuple(
            (int(r() * len(CATALOGUE)), 1 + int(r() * 3)) for _ in range(1 + int(r() * 3))
        )
        chosen = [lines.get(pick) or _price_line(lines, pick) for pick in picks]
        subtotal = sum(line[1] for line in chosen)
        tax = sum(line[2] for line in chosen)
        total = subtotal + tax
        issue = iso_day(created)
        due = iso_day(created + 30 * DAY_MS)
        overdue_possible = created + 31 * DAY_MS < SEED_ANCHOR_MS
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
            "uuid": next(ids),
            "invoice_number": None,
            "customer_uuid": customer_uuid,
            "job_uuid": None if job is None else job["uuid"],
            "estimate_uuid": None,
            "location_uuid": None if job is None else job["location_uuid"],
            "invoice_type": "Full",
            "progress_percentage": None,
            "issue_date": issue,
            "due_date": due,
            "subtotal": dollars(subtotal),
            "tax_amount": dollars(tax),
            "discount_amount": 0,
            "total_amount": dollars(total),
            "paid_amount": 0,
            "balance_amount": dollars(total),
            "line_items": [line[0] for line in chosen],
            "notes": "Thank you for your business!",
            "terms": "Net 30",
            "internal_notes": None,
            "status": status,
            "created_at": iso_ms(created),
            "updated_at": stamp,
            "deleted_at": None,
        }
        row = seeder.store(co, "invoices", record, ms)
        made.append((row, created))
        if status == "Paid":
            first = total if r() < 0.8 else total // 2
            payments.append((created + span // 3, row, first, total))
            if first < total:
                payments.append((ms, row, total - first, total))
        elif status in ("Pending", "Overdue") and r() < 0.25:
            payments.append((ms, row, total // 2, total))
    numbering = co.numbering["invoice"]
    for row, _ in sorted(made, key=lambda item: item[1]):
        row.data["invoice_number"] = numbering.take()
    seed_payments(seeder, co, payments)


def _price_line(
    memo: dict[tuple[int, int], tuple[dict[str, Any], int, int]], pick: tuple[int, int]
) -> tuple[dict[str, Any], int, int]:
    """A catalogue item at a quantity, priced by the billing rules: (line, amount, tax)."""
    description, price, rate = CATALOGUE[pick[0]]
    line = {"description": description, "quantity": pick[1], "unit_price": price, "tax_rate": rate}
    priced, amount, tax = price_lines([line])
    memo[pick] = (priced[0], amount, tax)
    return memo[pick]


METHODS = {"credit_card": "visa", "ach": "bank_transfer"}


def seed_payments(
    seeder: CompanySeeder, co: Company, planned: list[tuple[int, Row, int, int]]
) -> None:
    """Payments in the order they were made; each invoice is paid what its payments sum to."""
    rng = seeder.rng
    r = rng.random
    owner = co.owner_id
    paid: dict[str, int] = {}
    planned.sort(key=lambda item: item[0])
    ids = iter(make_uuids(rng, len(planned)))
    for number, (ms, invoice, amount, total) in enumerate(planned, start=1):
        kind = ("credit_card", "credit_card", "ach", "check", "cash")[int(r() * 5)]
        fee = round(amount * 0.029) + 30 if kind == "credit_card" else 0
        stamp = iso_ms(ms)
        record = {
            "uuid": next(ids),
            "payment_number": f"PAY-{number:04d}",
            "invoice_uuid": invoice.data["uuid"],
            "customer_uuid": invoice.data["customer_uuid"],
            "payment_type": kind,
            "payment_method": METHODS.get(kind),
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
            "created_by_user_id": owner,
            "created_at": stamp,
            "updated_at": stamp,
            "deleted_at": None,
        }  # fmt: skip
        row = seeder.store(co, "payments", record, ms)
        key = invoice.uuid
        co.payments_by_invoice.setdefault(key, []).append(row.uuid)
        so_far = paid[key] = paid.get(key, 0) + amount
        invoice.data["paid_amount"] = dollars(so_far)
        invoice.data["balance_amount"] = dollars(total - so_far)
    co.payment_numbers = len(planned)
