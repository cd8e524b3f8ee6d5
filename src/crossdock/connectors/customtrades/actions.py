"""Writes to Custom Trades: create, update (``PUT``) and soft delete (``DELETE``) for every
resource that has them, and job photos (create, delete: the vendor has no ``PUT`` for them).

Every write carries an ``Idempotency-Key``, so the client retries it like a read: a repeat of
a key answers the vendor's stored response instead of acting again, for 24 hours. The caller
supplies the key (the sync engine passes one per record it publishes); without one, the key is
derived from the operation, the path and the body, so the same write sent twice, even by two
workers at once or by a run started again after a crash, acts once.

A derived key makes identical writes within 24 hours one write, which is the point for
retries but not always what the caller meant, so two replays are checked:

- a create answered from the store is confirmed by reading the record: if it has been deleted
  since, the create is sent again under a key derived from the deleted record's uuid;
- an update answered from the store may be older than a later, different update (A, then B,
  then A again), so it is sent once more without a key. A ``PUT`` sets values: applying it
  twice is harmless.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

import httpx

from crossdock.connectors.customtrades.client import CustomTradesClient, ctc_paginator, data_of
from crossdock.connectors.customtrades.errors import VENDOR
from crossdock.connectors.customtrades.resources import JOB_PHOTOS, listed
from crossdock.connectors.http import Record
from crossdock.errors import FixRequest, GiveUp, NotFound

MAX_KEY_LENGTH = 255  # the vendor's limit
MAX_RECREATES = 3  # creates answered by a deleted record's replay before giving up
IDEMPOTENCY_HEADER = "Idempotency-Key"


def derive_key(operation: str, path: str, body: Any) -> str:
    """A key naming one write: the same operation on the same path with the same body (key
    order and spacing aside) always gets the same key."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(f"{operation}\n{path}\n{canonical}".encode()).hexdigest()
    return f"crossdock-{operation}-{digest}"


async def create(
    client: CustomTradesClient,
    resource: str,
    body: Mapping[str, Any],
    *,
    idempotency_key: str | None = None,
) -> Record:
    """``POST /{resource}``: the new record (or the one an earlier attempt created)."""
    path = listed(resource).path
    return await _create(client, path, body, idempotency_key)


async def update(
    client: CustomTradesClient,
    resource: str,
    record_uuid: str,
    changes: Mapping[str, Any],
    *,
    idempotency_key: str | None = None,
) -> Record:
    """``PUT /{resource}/{uuid}``: only the fields sent change; the updated record."""
    if resource == JOB_PHOTOS.name:
        raise FixRequest(f"{VENDOR} has no update for job photos; delete one and create another")
    target = listed(resource)
    path = f"{target.path}/{_uuid(record_uuid, target.label)}"
    body = _object(changes)
    key = _key(idempotency_key, "update", path, body)
    response = await _write(client, "PUT", path, body, key)
    if idempotency_key is None and _replayed(response):
        # Possibly an answer older than a later update: apply these values once more.
        response = await client.api.request("PUT", path, json=body)
    return data_of(client.api.decode(response), path)


async def delete(
    client: CustomTradesClient,
    resource: str,
    record_uuid: str,
    *,
    idempotency_key: str | None = None,
) -> Record:
    """``DELETE /{resource}/{uuid}``: a soft delete; the record with ``deleted_at`` set.

    A record deleted before (more than 24 hours ago, or under another key) is ``NotFound``:
    the vendor answers deleted records like missing ones.
    """
    target = listed(resource)
    path = f"{target.path}/{_uuid(record_uuid, target.label)}"
    return await _delete(client, path, idempotency_key)


async def read(client: CustomTradesClient, resource: str, uuid: str) -> Record:
    """``GET /{resource}/{uuid}``: the live record (``NotFound`` once deleted)."""
    return await _read(client, listed(resource).path, uuid)


async def _read(client: CustomTradesClient, path: str, uuid: str) -> Record:
    """``GET {path}/{uuid}``, the uuid checked before it goes into the path."""
    response = await client.api.request("GET", f"{path}/{_uuid(uuid, 'record')}")
    return data_of(client.api.decode(response), path)


async def find_customer(client: CustomTradesClient, email: str) -> Record | None:
    """The oldest live customer whose email is ``email`` (case and spaces aside), or None.

    The vendor has no lookup by email: the customers list's ``search`` filter matches a
    substring of the name, company, email or phone, so every page of its answer is read and
    only an exact email counts."""
    wanted = email.strip().lower()
    if not wanted:
        return None
    found: list[Record] = []
    path = listed("customers").path
    async for page in client.api.pages(
        path, ctc_paginator(), records="data.customers", params={"search": wanted}
    ):
        found.extend(
            row
            for row in page.records
            if isinstance(row, dict) and str(row.get("email") or "").strip().lower() == wanted
        )
    if not found:
        return None
    return min(found, key=lambda row: (str(row.get("created_at") or ""), str(row.get("uuid"))))


async def create_job_photo(
    client: CustomTradesClient,
    job_uuid: str,
    body: Mapping[str, Any],
    *,
    idempotency_key: str | None = None,
) -> Record:
    """``POST /jobs/{job_uuid}/photos`` (``photo_url`` required): the new photo."""
    path = JOB_PHOTOS.path.format(job_uuid=_uuid(job_uuid, "job"))
    return await _create(client, path, body, idempotency_key)


async def delete_job_photo(
    client: CustomTradesClient,
    job_uuid: str,
    photo_uuid: str,
    *,
    idempotency_key: str | None = None,
) -> Record:
    """``DELETE /jobs/{job_uuid}/photos/{photo_uuid}``: the soft-deleted photo."""
    base = JOB_PHOTOS.path.format(job_uuid=_uuid(job_uuid, "job"))
    return await _delete(client, f"{base}/{_uuid(photo_uuid, 'photo')}", idempotency_key)


async def _create(
    client: CustomTradesClient,
    path: str,
    body: Mapping[str, Any],
    idempotency_key: str | None,
) -> Record:
    payload = _object(body)
    key = _key(idempotency_key, "create", path, payload)
    for _ in range(MAX_RECREATES):
        response = await _write(client, "POST", path, payload, key)
        record = data_of(client.api.decode(response), path)
        if idempotency_key is not None or not _replayed(response):
            return record
        # An identical create within 24 hours: it is this one only if the record still lives.
        created = record.get("uuid")
        if not isinstance(created, str):
            raise GiveUp(f"{VENDOR}: the answer to POST {path} has no uuid")
        try:
            return await _read(client, path, created)
        except NotFound:
            key = derive_key("create", path, {"after": created, "body": payload})
    raise GiveUp(
        f"{VENDOR}: POST {path} kept answering with records deleted since; "
        "pass an idempotency key to create this record again"
    )


async def _delete(client: CustomTradesClient, path: str, idempotency_key: str | None) -> Record:
    key = _key(idempotency_key, "delete", path, None)
    response = await _write(client, "DELETE", path, None, key)
    return data_of(client.api.decode(response), path)


async def _write(
    client: CustomTradesClient, method: str, path: str, body: Any, key: str
) -> httpx.Response:
    """Sent with its key on every attempt, so the client may retry it like a read."""
    return await client.api.request(
        method, path, json=body, headers={IDEMPOTENCY_HEADER: key}, idempotent=True
    )


def _replayed(response: httpx.Response) -> bool:
    cached: str = response.headers.get("x-idempotency-cached", "")
    return cached.strip().lower() == "true"


def _key(given: str | None, operation: str, path: str, body: Any) -> str:
    if given is None:
        return derive_key(operation, path, body)
    if not 0 < len(given) <= MAX_KEY_LENGTH or not given.isascii() or not given.isprintable():
        raise FixRequest(
            f"an idempotency key is 1 to {MAX_KEY_LENGTH} printable ASCII characters",
            field=IDEMPOTENCY_HEADER,
        )
    if not given.strip():
        raise FixRequest("an idempotency key may not be blank", field=IDEMPOTENCY_HEADER)
    return given


def _uuid(value: object, label: str) -> str:
    """A path segment that is a UUID and nothing else (never a ``/`` or ``..``)."""
    try:
        return str(uuidlib.UUID(str(value)))
    except ValueError:
        raise FixRequest(f"{VENDOR}: {value!r} is not a {label} UUID") from None


def _object(body: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise FixRequest(f"{VENDOR}: a record to write is a JSON object")
    return dict(body)
