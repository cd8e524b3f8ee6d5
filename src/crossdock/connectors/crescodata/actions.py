"""Writes to another hub: ``POST /streams_batch``, with a ``requestId`` derived so that a
batch sent again is stored once; and reading a batch's outcome back.

The hub stores a batch once per ``requestId`` (Crossdock's idempotency key: sending a batch
again with an accepted ``requestId`` stores nothing new and answers the same id). The
connector derives it from the destination integration, the caller's ``key`` and the items
themselves, so:

- the same send repeated (a lost answer retried, a job taken again after a crash, a second
  worker) carries the same ``requestId`` and lands once, which makes it safe to retry;
- a different batch under the same key is a different request, never silently dropped;
- the same items sent again as a new send (a value changed and changed back) get a new key
  from the caller, and so a new ``requestId``: content alone does not name a send.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from crossdock.connectors.crescodata.client import CrescodataClient
from crossdock.connectors.crescodata.errors import VENDOR
from crossdock.connectors.http import Record
from crossdock.errors import FixRequest, GiveUp

MAX_ITEMS = 10_000  # a batch holds 1 to 10,000 items
ITEM_FIELDS = frozenset({"id", "record", "merge", "groupId"})
# The namespace of derived requestIds (a UUID of our own, fixed forever: changing it would
# make every retried batch a new one).
REQUEST_ID_NAMESPACE = uuid.UUID("6b1d5c52-37d8-4a52-9d0c-2f4f3c6d8a11")


def request_id_for(integration_id: str, key: str, items: Sequence[Mapping[str, Any]]) -> str:
    """The ``requestId`` of sending ``items`` to ``integration_id`` as the send named ``key``."""
    content = json.dumps(list(items), sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(content.encode()).hexdigest()
    return str(uuid.uuid5(REQUEST_ID_NAMESPACE, "\x1f".join((integration_id, key, digest))))


async def send_batch(
    client: CrescodataClient,
    integration_id: str,
    items: Sequence[Mapping[str, Any]],
    *,
    key: str,
) -> str:
    """``POST /streams_batch`` to an active ``api`` source integration of the other hub; the
    ``requestId`` it stored the batch under.

    ``items`` are ``{id, record, merge?, groupId?}`` (``record: None`` deletes). ``key`` names
    this send: the same key and items always make the same ``requestId`` (the sync engine
    passes its job's key: the integration, the records and their versions). Retried like a
    read, because the hub stores a ``requestId`` once.
    """
    if not 1 <= len(items) <= MAX_ITEMS:
        raise FixRequest(f"{VENDOR}: a batch holds 1 to {MAX_ITEMS} items, not {len(items)}")
    for position, item in enumerate(items):
        unknown = sorted(set(item) - ITEM_FIELDS)
        if unknown or "id" not in item or "record" not in item:
            raise FixRequest(
                f"{VENDOR}: batch item {position} needs id and record, and takes merge and "
                f"groupId{f', not {unknown[0]}' if unknown else ''}",
                field=f"items.{position}",
            )
    request_id = request_id_for(integration_id, key, items)
    body = {"integrationId": integration_id, "items": [dict(i) for i in items]}
    body["requestId"] = request_id
    response = await client.api.request("POST", "/streams_batch", json=body, idempotent=True)
    answered = client.api.decode(response)
    stored = answered.get("requestId") if isinstance(answered, dict) else None
    if not isinstance(stored, str) or not stored:
        raise GiveUp(f"{VENDOR}: the answer to POST /streams_batch has no requestId")
    return stored


async def get_request(client: CrescodataClient, request_id: str) -> Record:
    """``GET /requests/{requestId}`` (a Crossdock addition): the batch's outcome per item,
    ``done`` once none is pending."""
    response = await client.api.request("GET", f"/requests/{request_id}")
    body = client.api.decode(response)
    if not isinstance(body, dict):
        raise GiveUp(f"{VENDOR}: the outcome of request {request_id} is not an object")
    return body
