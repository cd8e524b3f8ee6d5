"""The steps every resource shares: create, fetch, update (partial PUT), soft delete and list.

Writes are checked completely before anything changes, so a refused request (400) leaves the
company exactly as it was; every accepted write bumps ``updated_at``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crossdock.sandboxes.customtrades.company import Company
from crossdock.sandboxes.customtrades.errors import bad_request, not_found
from crossdock.sandboxes.customtrades.fields import Invalid, clean
from crossdock.sandboxes.customtrades.rules import Predicate, Rules
from crossdock.sandboxes.customtrades.store import Row, dumps, page_of
from crossdock.sandboxes.customtrades.timefmt import parse_instant

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


@dataclass(frozen=True)
class Listing:
    """What a list request asked for, parsed and checked."""

    page: int
    limit: int
    include_deleted: bool
    since_ms: int | None
    keep: Predicate | None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def _positive(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise bad_request(f"{name} must be a positive integer")
    return value


def parse_listing(rules: Rules, query: Mapping[str, str]) -> Listing:
    page = _positive(query, "page", 1)
    limit = min(_positive(query, "limit", DEFAULT_LIMIT), MAX_LIMIT)
    flag = query.get("include_deleted", "").strip().lower()
    if flag not in ("", "true", "false", "1", "0"):
        raise bad_request("include_deleted must be true or false")
    since_ms = None
    if query.get("updated_since", "").strip():
        try:
            since_ms = parse_instant(query["updated_since"])
        except ValueError as exc:
            raise bad_request(
                "updated_since must be an ISO 8601 date-time (e.g. 2025-02-18T14:30:00.000Z)"
            ) from exc
    tests: list[Predicate] = []
    for name, parse in rules.filters.items():
        raw = query.get(name, "").strip()
        if not raw:
            continue
        try:
            value = parse(raw)
        except Invalid as exc:
            raise bad_request(f"{name} {exc}") from exc
        test = rules.predicate(name, value)
        if test is not None:
            tests.append(test)
    keep: Predicate | None = None
    if len(tests) == 1:
        keep = tests[0]
    elif tests:
        keep = lambda row: all(test(row) for test in tests)  # noqa: E731
    return Listing(page, limit, flag in ("true", "1"), since_ms, keep)


def list_rows(co: Company, rules: Rules, listing: Listing) -> tuple[list[Row], int]:
    timeline = co.collections[rules.kind].timeline(include_deleted=listing.include_deleted)
    return page_of(
        timeline,
        offset=listing.offset,
        limit=listing.limit,
        since_ms=listing.since_ms,
        keep=listing.keep,
    )


def list_subset(rows: list[Row], listing: Listing) -> tuple[list[Row], int]:
    """A listing over a few rows (a job's photos): filter, newest first, then the page."""
    since = listing.since_ms
    chosen = [
        row
        for row in rows
        if (listing.include_deleted or not row.deleted)
        and (since is None or row.updated_ms >= since)
        and (listing.keep is None or listing.keep(row))
    ]
    chosen.sort(key=lambda row: row.seq, reverse=True)
    return chosen[listing.offset : listing.offset + listing.limit], len(chosen)


def render_page(co: Company, kind: str, rows: list[Row], total: int, listing: Listing) -> bytes:
    """``{"<plural>": [...], "pagination": {page, limit, total, total_pages}}``."""
    pagination = {
        "page": listing.page,
        "limit": listing.limit,
        "total": total,
        "total_pages": -(-total // listing.limit),
    }
    items = b",".join(co.render(kind, row) for row in rows)
    return b"".join(
        (b'{"', kind.encode(), b'":[', items, b'],"pagination":', dumps(pagination), b"}")
    )


def check_uuid(rules: Rules, key: str) -> str:
    try:
        return str(uuid.UUID(key))
    except ValueError as exc:
        raise bad_request(f"Invalid {rules.label.lower()} UUID") from exc


def fetch(co: Company, rules: Rules, key: str) -> Row:
    """A live record of this company, or 404 (another company's and deleted ones alike)."""
    row = co.collections[rules.kind].get(check_uuid(rules, key))
    if row is None:
        raise not_found(rules.label)
    return row


def as_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    return body


def _refuse_number(rules: Rules, body: dict[str, Any], before: dict[str, Any] | None) -> None:
    field = rules.number_field
    if field is None or field not in body:
        return
    if before is not None and body[field] == before[field]:
        return  # a record sent back unchanged (GET, edit, PUT) is fine
    hint = ""
    if field in ("invoice_number", "estimate_number"):
        hint = "; use PUT /api/v1/numbering to choose the next number"
    raise bad_request(f"{field} is assigned automatically and cannot be set{hint}")


def cleaned(rules: Rules, body: Any, before: dict[str, Any] | None) -> dict[str, Any]:
    """The body's writable fields, parsed; 400 with every problem found."""
    obj = as_object(body)
    _refuse_number(rules, obj, before)
    values, problems = clean(rules.schema, obj, partial=before is not None)
    if problems:
        raise bad_request("; ".join(problems))
    return values


def draft(rules: Rules, values: dict[str, Any]) -> dict[str, Any]:
    """A new record: every attribute, the defaults, then what the client sent."""
    record = rules.blank()
    record.update(rules.defaults)
    record.update(values)
    record["uuid"] = str(uuid.uuid4())
    return record


def create(co: Company, rules: Rules, body: Any, **fixed: Any) -> Row:
    values = cleaned(rules, body, None)
    record = draft(rules, values)
    record.update(fixed)
    with co.stamper.moment():
        rules.prepare(co, record, values, None)
        row = Row(record, 0)
        co.save(rules.kind, row, created=True)
        rules.after(co, row, None)
    return row


def update(co: Company, rules: Rules, row: Row, body: Any) -> Row:
    before = row.data
    values = cleaned(rules, body, before)
    record = dict(before)
    record.update(values)
    with co.stamper.moment():
        rules.prepare(co, record, values, before)
        row.data = record
        co.save(rules.kind, row)
        rules.after(co, row, before)
    return row


def delete(co: Company, rules: Rules, row: Row) -> Row:
    """Soft delete: ``deleted_at`` is set and the record leaves default listings."""
    before = row.data
    row.data = dict(before)
    with co.stamper.moment():
        co.save(rules.kind, row, deleted=True)
        rules.after(co, row, before)
    return row
