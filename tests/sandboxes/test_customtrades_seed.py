"""Custom Trades seed data: deterministic, proportionate, consistent, and scaling to thousands."""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest

from crossdock.sandboxes.base import Clock
from crossdock.sandboxes.customtrades import CustomTradesConfig
from crossdock.sandboxes.customtrades.billing import cents, invoice_totals
from crossdock.sandboxes.customtrades.company import KINDS, Company
from crossdock.sandboxes.customtrades.records import Listing, list_rows
from crossdock.sandboxes.customtrades.resources import RULES
from crossdock.sandboxes.customtrades.seedkit import make_uuids
from crossdock.sandboxes.customtrades.state import CustomTradesState


def seeded(seed: int, records: int) -> CustomTradesState:
    state = CustomTradesState(CustomTradesConfig(api_key="ctc_live_seed"), Clock())
    state.reset(seed=seed, records=records)
    return state


def snapshot(state: CustomTradesState) -> list[object]:
    return [
        (co.profile, co.users, co.templates, {k: [r.data for r in co.collections[k].everything]
                                              for k in KINDS})
        for co in state.companies.values()
    ]  # fmt: skip


def test_bulk_ids_are_uuid4() -> None:
    made = make_uuids(random.Random(5), 2000)
    assert len(set(made)) == 2000
    for text in made:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)


def test_same_seed_same_records_other_seed_other_records() -> None:
    assert snapshot(seeded(3, 60)) == snapshot(seeded(3, 60))
    assert snapshot(seeded(3, 60)) != snapshot(seeded(4, 60))


@pytest.fixture(scope="module")
def large() -> Company:
    return seeded(1, 3000).primary


def test_scale_is_proportionate(large: Company) -> None:
    counts = {kind: len(large.collections[kind].everything) for kind in KINDS}
    assert counts["customers"] == 3000
    assert counts["jobs"] == 1500
    assert counts["estimates"] == counts["invoices"] == 750
    assert counts["locations"] == 25
    assert 650 < counts["photos"] <= 750
    assert 400 < counts["payments"] < 800
    deleted = counts["customers"] - len(large.collections["customers"])
    assert 20 < deleted < 120  # about 2 % soft-deleted


def test_references_and_timestamps_are_consistent(large: Company) -> None:
    rows = {kind: large.collections[kind].rows for kind in KINDS}
    for kind in KINDS:
        stamps = [row.data["updated_at"] for row in large.collections[kind].everything]
        assert stamps == sorted(stamps), kind
        for row in rows[kind].values():
            assert row.data["created_at"] <= row.data["updated_at"], kind
    for kind in ("jobs", "estimates", "invoices"):
        for row in rows[kind].values():
            customer = rows["customers"][row.data["customer_uuid"]].data
            assert customer["created_at"] <= row.data["created_at"], kind
            job = row.data.get("job_uuid")
            if job is not None:
                assert rows["jobs"][job].data["customer_uuid"] == row.data["customer_uuid"]
    for row in rows["photos"].values():
        assert row.uuid in large.photos_by_job[row.data["job_uuid"]]
    numbered = {"jobs": "job_number", "estimates": "estimate_number",
                "invoices": "invoice_number", "payments": "payment_number"}  # fmt: skip
    for kind, field in numbered.items():
        numbers = Counter(row.data[field] for row in rows[kind].values())
        assert len(numbers) == len(rows[kind]), kind


def test_invoices_agree_with_their_payments(large: Company) -> None:
    payments = large.collections["payments"].rows
    statuses: Counter[str] = Counter()
    for invoice in large.collections["invoices"].rows.values():
        data = invoice.data
        paid = sum(
            cents(payments[key].data["amount"])
            for key in large.payments_by_invoice.get(invoice.uuid, ())
        )
        assert cents(data["paid_amount"]) == paid
        assert cents(data["balance_amount"]) == cents(data["total_amount"]) - paid
        assert (data["status"] == "Paid") == (paid == cents(data["total_amount"]))
        # Seeding sums pre-priced lines; the billing rules must agree to the cent.
        recomputed = invoice_totals(data["line_items"], data["discount_amount"], paid)
        for field, value in recomputed.items():
            assert data[field] == value, field
        statuses[data["status"]] += 1
    assert set(statuses) == {"Draft", "Pending", "Paid", "Overdue"}


def test_every_record_pages_out_exactly_once(large: Company) -> None:
    rules = RULES["customers"]
    seen: list[str] = []
    page = 1
    while True:
        listing = Listing(page=page, limit=100, include_deleted=True, since_ms=None, keep=None)
        rows, total = list_rows(large, rules, listing)
        seen += [row.uuid for row in rows]
        if page * 100 >= total:
            break
        page += 1
    assert len(seen) == len(set(seen)) == 3000
