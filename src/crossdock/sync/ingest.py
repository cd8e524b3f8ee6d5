"""Ingestion: accepting batches durably, then validating and merging them into master records.

``accept_batch`` runs inside the API request's transaction: when ``POST /streams_batch``
answers, every item is committed as ``pending``. ``process_pending`` (the worker's job) takes
pending items in arrival order, validates each against its sync type's schema, merges it into
its master record and records the outcome on the item, all in one transaction per chunk, so a
crash leaves items either pending or fully processed, never half.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from crossdock.records import merge
from crossdock.records.keys import INDEXED_KEYS
from crossdock.records.schemas import SUBITEM_KEYS_BY_SYNC_TYPE, VARIANT_KEYS, validate_record
from crossdock.store.base import rows_in, table_of
from crossdock.store.records import (
    IngestItem,
    IngestRequest,
    MasterRecord,
    MasterVersion,
    RecordKey,
    SystemResult,
)
from crossdock.store.tables import Integration
from crossdock.sync import publish


@dataclass(frozen=True)
class BatchItem:
    """One item to accept. ``errors`` rejects it when processed (a record that could not be
    mapped on its way in is kept as sent, with the reason)."""

    id: str
    record: dict[str, Any] | None
    merge: bool = False
    group_id: str | None = None
    errors: list[dict[str, str]] | None = None


def accept_batch(
    session: Session,
    *,
    integration: Integration,
    items: Sequence[BatchItem],
    request_id: str | None,
    actor: str | None,
    now: datetime,
) -> tuple[str, bool]:
    """Store a batch as pending items. Returns its request id and whether it was new.

    A ``requestId`` already accepted for the same integration is not stored again (a client
    retrying after a lost answer does not duplicate its batch).
    """
    request_id = request_id or str(uuid.uuid4())
    existing = session.get(IngestRequest, request_id)
    if existing is not None:
        return request_id, False
    session.add(
        IngestRequest(
            request_id=request_id,
            integration_id=integration.integration_id,
            company_id=integration.company_id,
            agency_id=integration.agency_id,
            sync_type=integration.sync_type,
            system_id=integration.system_id,
            actor=actor,
            item_count=len(items),
            received_at=now,
        )
    )
    session.flush()
    if items:
        session.execute(
            insert(table_of(IngestItem)),
            [
                {
                    "request_id": request_id,
                    "position": position,
                    "integration_id": integration.integration_id,
                    "object_id": item.id,
                    "group_id": item.group_id,
                    "merge": item.merge,
                    "record": item.record,
                    "status": "pending",
                    "errors": item.errors,
                }
                for position, item in enumerate(items)
            ],
        )
    return request_id, True


@dataclass
class _Master:
    """A master record being worked on within one chunk."""

    row: dict[str, Any]
    is_new: bool
    changed: bool = False
    keys_changed: bool = False
    versions: list[dict[str, Any]] = field(default_factory=list)


class Pending(NamedTuple):
    """A pending item with what it needs of its batch, read with one Core query."""

    id: int
    integration_id: str
    object_id: str
    group_id: str | None
    merge: bool
    record: Any
    errors: list[dict[str, str]] | None
    request_id: str
    sync_type: str
    company_id: str
    agency_id: str
    system_id: str


def object_key(item: Pending) -> str:
    return f"group:{item.group_id}" if item.group_id else f"id:{item.object_id}"


def process_pending(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Process up to ``limit`` pending items in arrival order; returns how many were processed."""
    dialect = session.get_bind().dialect.name
    items, requests = table_of(IngestItem), table_of(IngestRequest)
    query = (
        select(
            items.c.id,
            items.c.integration_id,
            items.c.object_id,
            items.c.group_id,
            items.c.merge,
            items.c.record,
            items.c.errors,
            items.c.request_id,
            requests.c.sync_type,
            requests.c.company_id,
            requests.c.agency_id,
            requests.c.system_id,
        )
        .join(requests, requests.c.request_id == items.c.request_id)
        .where(items.c.status == "pending")
        .order_by(items.c.id)
        .limit(limit)
    )
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=items)
    rows = [Pending._make(row) for row in session.execute(query)]
    if not rows:
        return 0
    masters = _load_masters(session, [(item.integration_id, object_key(item)) for item in rows])
    products = _load_products(session, rows, masters)
    outcomes: list[dict[str, Any]] = []
    for item in rows:
        outcome = _apply(item, masters, now)
        if item.sync_type in PRODUCT_PATCHES and outcome["status"] in ("created", "updated"):
            record = masters[(item.integration_id, object_key(item))].row["record"]
            _patch_products(item, record, masters, products, now)
        outcomes.append(outcome)
    _write(session, masters, outcomes, now)
    return len(rows)


# Prices and stock records also update the variants of the company's master products they
# name (by merchantVariantId or sku): a price source and a product source can be different
# systems, and the product destinations must see the new price.
PRODUCT_PATCHES = ("prices", "stock")
VARIANT_IDS = ("merchantVariantId", "sku")
ProductIndex = dict[tuple[str, str, str], list[tuple[str, str]]]


def _variant_ids(company_id: str, record: Any) -> set[tuple[str, str, str]]:
    if not isinstance(record, dict):
        return set()
    return {
        (company_id, name, value)
        for name, value in merge.key_values(merge.flatten(record), VARIANT_IDS)
    }


def _load_products(
    session: Session, rows: list[Pending], masters: dict[tuple[str, str], _Master]
) -> ProductIndex:
    """The master products the chunk's prices and stock records name, loaded into ``masters``."""
    wanted: set[tuple[str, str, str]] = set()
    for item in rows:
        if item.sync_type in PRODUCT_PATCHES:
            wanted |= _variant_ids(item.company_id, item.record)
    index: ProductIndex = {}
    if not wanted:
        return index
    table, keys = table_of(MasterRecord), table_of(RecordKey)
    found = session.execute(
        select(keys.c.name, keys.c.value, table)
        .join(table, table.c.cresco_id == keys.c.cresco_id)
        .where(
            table.c.sync_type == "products",
            table.c.deleted.is_(False),
            rows_in((table.c.company_id, keys.c.name, keys.c.value), sorted(wanted)),
        )
    )
    for row in found.mappings():
        master_key = (row["integration_id"], row["object_key"])
        columns = {k: v for k, v in row.items() if k not in ("name", "value")}
        masters.setdefault(master_key, _Master(columns, is_new=False))
        index.setdefault((row["company_id"], row["name"], row["value"]), []).append(master_key)
    return index


def _patch_products(
    item: Pending,
    record: dict[str, Any],
    masters: dict[tuple[str, str], _Master],
    products: ProductIndex,
    now: datetime,
) -> None:
    variant_keys = VARIANT_KEYS.get("products", VARIANT_IDS)
    for row in merge.flatten(record):
        patch = {k: v for k, v in row.items() if k != "merchantProductId"}
        targets = {
            master_key
            for name, value in merge.key_values([row], VARIANT_IDS)
            for master_key in products.get((item.company_id, name, value), ())
        }
        for master_key in sorted(targets):
            master = masters[master_key]
            product = master.row["record"]
            if master.row["deleted"] or not isinstance(product, dict):
                continue
            if isinstance(product.get("variants"), list):
                patched = merge.deep_merge(
                    product, {"variants": [patch]}, variant_keys=variant_keys, subitem_keys={}
                )
            else:
                patched = merge.deep_merge(
                    product, patch, variant_keys=variant_keys, subitem_keys={}
                )
            if merge.canonical(patched) == merge.canonical(product):
                continue
            _new_version(
                master,
                item._replace(object_id=master.row["object_id"]),
                patched,
                _parts_of(master.row),
                now,
                {},
                deleted=False,
            )


def _load_masters(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], _Master]:
    found: dict[tuple[str, str], _Master] = {}
    unique = list(dict.fromkeys(keys))
    table = table_of(MasterRecord)
    for start in range(0, len(unique), 400):
        chunk = unique[start : start + 400]
        result = session.execute(
            select(table).where(rows_in((table.c.integration_id, table.c.object_key), chunk))
        )
        for row in result.mappings():
            found[(row["integration_id"], row["object_key"])] = _Master(dict(row), is_new=False)
    return found


def _apply(item: Pending, masters: dict[tuple[str, str], _Master], now: datetime) -> dict[str, Any]:
    sync_type = item.sync_type
    key = (item.integration_id, object_key(item))
    master = masters.get(key)
    outcome: dict[str, Any] = {"id": item.id, "item": item, "errors": None}
    current = master.row if master is not None and not master.row["deleted"] else None
    variant_keys = VARIANT_KEYS.get(sync_type, ())
    subitem_keys = SUBITEM_KEYS_BY_SYNC_TYPE.get(sync_type, {})

    if item.errors:
        return {**outcome, "status": "rejected", "errors": item.errors}
    if item.record is None:
        if current is None:
            return {
                **outcome,
                "status": "unchanged",
                "cresco_id": master.row["cresco_id"] if master else None,
            }
        assert master is not None
        remaining = [(pid, part) for pid, part in _parts(current) if pid != item.object_id]
        if item.group_id and remaining:
            record = merge.combine_parts(
                remaining, variant_keys=variant_keys, subitem_keys=subitem_keys
            )
            return _new_version(master, item, record, remaining, now, outcome, deleted=False)
        return _new_version(master, item, current["record"], None, now, outcome, deleted=True)

    incoming: Any = item.record
    base: Any = None
    if current is not None and item.merge:
        base = dict(_parts(current)).get(item.object_id) if item.group_id else current["record"]
    candidate = (
        merge.deep_merge(base, incoming, variant_keys=variant_keys, subitem_keys=subitem_keys)
        if base is not None
        else incoming
    )
    if not isinstance(candidate, dict):
        return {
            **outcome,
            "status": "rejected",
            "errors": [{"field": "record", "detail": "The record must be a JSON object or null."}],
        }
    validated, errors = validate_record(sync_type, candidate)
    if validated is None:
        return {
            **outcome,
            "status": "rejected",
            "errors": [{"field": e.field, "detail": e.detail} for e in errors],
        }
    parts: list[tuple[str, dict[str, Any]]] | None = None
    record = validated
    if item.group_id:
        parts = [(pid, part) for pid, part in _parts(current)] if current is not None else []
        replaced = False
        for index, (pid, _) in enumerate(parts):
            if pid == item.object_id:
                parts[index] = (pid, validated)
                replaced = True
        if not replaced:
            parts.append((item.object_id, validated))
        record = merge.combine_parts(parts, variant_keys=variant_keys, subitem_keys=subitem_keys)
    if master is None:
        master = _Master(
            {
                "cresco_id": str(uuid.uuid4()),
                "sync_type": sync_type,
                "company_id": item.company_id,
                "agency_id": item.agency_id,
                "integration_id": item.integration_id,
                "system_id": item.system_id,
                "object_key": key[1],
                "object_id": item.group_id or item.object_id,
                "request_id": item.request_id,
                "version": 0,
                "deleted": True,
                "record": None,
                "parts": None,
                "data": [],
                "force_refreshed": False,
                "force_refreshed_at": None,
                "created_at": now,
                "updated_at": now,
            },
            is_new=True,
        )
        masters[key] = master
    elif (
        current is not None
        and merge.canonical(record) == merge.canonical(current["record"])
        and (merge.canonical(_encode_parts(parts)) == merge.canonical(current["parts"]))
    ):
        return {
            **outcome,
            "status": "unchanged",
            "cresco_id": master.row["cresco_id"],
            "version": master.row["version"],
        }
    return _new_version(master, item, record, parts, now, outcome, deleted=False)


def _parts_of(row: dict[str, Any]) -> list[tuple[str, dict[str, Any]]] | None:
    return None if row.get("parts") is None else _parts(row)


def _parts(current: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(p["id"], p["record"]) for p in current.get("parts") or []]


def _encode_parts(parts: list[tuple[str, dict[str, Any]]] | None) -> list[dict[str, Any]] | None:
    return None if parts is None else [{"id": pid, "record": record} for pid, record in parts]


def _new_version(
    master: _Master,
    item: Pending,
    record: dict[str, Any],
    parts: list[tuple[str, dict[str, Any]]] | None,
    now: datetime,
    outcome: dict[str, Any],
    *,
    deleted: bool,
) -> dict[str, Any]:
    row = master.row
    was_deleted = row["deleted"]
    status = "deleted" if deleted else ("created" if was_deleted else "updated")
    data = row["data"] if deleted else merge.flatten(record)
    row.update(
        version=row["version"] + 1,
        deleted=deleted,
        record=record,
        parts=_encode_parts(parts),
        data=data,
        request_id=item.request_id,
        updated_at=now,
    )
    master.changed = True
    master.keys_changed = True
    master.versions.append(
        {
            "cresco_id": row["cresco_id"],
            "version": row["version"],
            "request_id": item.request_id,
            "object_id": item.object_id,
            "deleted": deleted,
            "data": data,
            "at": now,
        }
    )
    return {**outcome, "status": status, "cresco_id": row["cresco_id"], "version": row["version"]}


def _write(
    session: Session,
    masters: dict[tuple[str, str], _Master],
    outcomes: list[dict[str, Any]],
    now: datetime,
) -> None:
    table = table_of(MasterRecord)
    new = [m.row for m in masters.values() if m.is_new and m.changed]
    changed = [m for m in masters.values() if not m.is_new and m.changed]
    if new:
        session.execute(insert(table_of(MasterRecord)), new)
    if changed:
        columns = ("version", "deleted", "record", "parts", "data", "request_id", "updated_at")
        session.execute(
            update(table).where(table.c.cresco_id == bindparam("b_cresco_id")),
            [
                {"b_cresco_id": m.row["cresco_id"], **{name: m.row[name] for name in columns}}
                for m in changed
            ],
        )
    versions = [v for m in masters.values() for v in m.versions]
    if versions:
        session.execute(insert(table_of(MasterVersion)), versions)
    publish.enqueue(session, [m.row for m in masters.values() if m.changed], now)
    touched = [m for m in masters.values() if m.keys_changed]
    if touched:
        ids = [m.row["cresco_id"] for m in touched if not m.is_new]
        for start in range(0, len(ids), 500):
            session.execute(
                delete(RecordKey).where(RecordKey.cresco_id.in_(ids[start : start + 500]))
            )
        keys = [
            {"cresco_id": m.row["cresco_id"], "name": name, "value": value}
            for m in touched
            if not m.row["deleted"]
            for name, value in merge.key_values(
                m.row["data"], INDEXED_KEYS.get(m.row["sync_type"], ())
            )
        ]
        if keys:
            session.execute(insert(table_of(RecordKey)), keys)
    session.execute(
        insert(table_of(SystemResult)),
        [
            {
                "cresco_id": outcome.get("cresco_id"),
                "integration_id": outcome["item"].integration_id,
                "company_id": outcome["item"].company_id,
                "agency_id": outcome["item"].agency_id,
                "sync_type": outcome["item"].sync_type,
                "request_id": outcome["item"].request_id,
                "object_id": outcome["item"].object_id,
                "direction": "source",
                "status": outcome["status"],
                "errors": outcome.get("errors"),
                "response": None,
                "at": now,
            }
            for outcome in outcomes
        ],
    )
    item_table = table_of(IngestItem)
    session.execute(
        update(item_table).where(item_table.c.id == bindparam("b_id")),
        [
            {
                "b_id": outcome["id"],
                "status": outcome["status"],
                "errors": outcome.get("errors"),
                "cresco_id": outcome.get("cresco_id"),
                "version": outcome.get("version"),
                "processed_at": now,
            }
            for outcome in outcomes
        ],
    )
