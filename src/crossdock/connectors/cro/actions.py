"""Writes to CRO: create a customer at a location, update or deactivate one.

Creating is retried although CRO takes no idempotency key, because CRO refuses a second
customer with the same name and street address (409). When a retry meets that 409, the
connector looks for a customer with this name and address created since the first attempt
was sent; if there is one, the first attempt landed and that customer is the result. A 409
on the first attempt, or one naming a customer older than the attempt, is a real conflict.

A caller delivering the customer again after an earlier call may have created it (its answer
lost, then handed back) passes ``landed_since``: a 409 on the first attempt is then checked
the same way, for customers created since that moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from crossdock.connectors.cro.client import CroClient, cro_time
from crossdock.connectors.http import Record
from crossdock.errors import Conflict, CrossdockError, FixRequest

UPDATABLE = frozenset({"name", "parent_id", "is_active"})
# How far before the first attempt a customer's created_on may be and still be ours: the
# vendor stamps it from its own clock, which ServerClock keeps us from running ahead of.
CREATED_SKEW = 5.0


async def create_customer(
    client: CroClient,
    customer: Mapping[str, Any],
    *,
    location_id: int | None = None,
    landed_since: float | None = None,
) -> Record:
    """``POST /locations/{location_id}/customers`` with a CreateCustomerModel body; the new
    customer's row. ``location_id`` defaults to the client's (the ``locationId`` setting, or
    the tenant's first active location). ``landed_since`` (seconds since the epoch): an
    earlier call may have created this customer since then."""
    location = location_id if location_id is not None else await client.location_id()
    since = client.server_clock.now()
    if landed_since is not None:
        since = min(since, landed_since)
    sent_at = cro_time(since - CREATED_SKEW)

    async def landed(error: CrossdockError) -> httpx.Response | None:
        if not isinstance(error, Conflict):
            return None
        return await _created_since(client, location, customer, sent_at)

    try:
        response = await client.api.request(
            "POST", f"/locations/{location}/customers", json=dict(customer), landed=landed
        )
    except Conflict as error:
        # The client checks only after its own retries; an earlier call's create is ours too.
        found = await landed(error) if landed_since is not None else None
        if found is None:
            raise
        response = found
    return dict(client.api.decode(response))


async def update_customer(
    client: CroClient, customer_id: int, changes: Mapping[str, Any]
) -> Record:
    """``PATCH /customers/{customer_id}`` with ``name``, ``parent_id`` and/or ``is_active``;
    the updated CustomerModel. Each field is set to a value, so sending twice is harmless and
    the request is retried like a read."""
    unknown = sorted(set(changes) - UPDATABLE)
    if unknown:
        raise FixRequest(
            f"CRO customers take {', '.join(sorted(UPDATABLE))} in an update, not {unknown[0]}",
            field=f"UpdateCustomerModel.{unknown[0]}",
        )
    response = await client.api.request(
        "PATCH", f"/customers/{customer_id}", json=dict(changes), idempotent=True
    )
    return dict(client.api.decode(response))


async def deactivate_customer(client: CroClient, customer_id: int) -> Record:
    return await update_customer(client, customer_id, {"is_active": False})


async def _created_since(
    client: CroClient, location: int, customer: Mapping[str, Any], sent_at: str
) -> httpx.Response | None:
    """The row of a customer matching ``customer`` by name and street address, created at or
    after ``sent_at`` at ``location``: the one an earlier attempt created, if any."""
    name = str(customer.get("name") or "")
    wanted = {_address_key(a) for a in customer.get("addresses") or () if isinstance(a, Mapping)}
    if not name or not wanted:
        return None
    response = await client.api.request(
        "GET",
        f"/locations/{location}/customers",
        params={"name": name[:64], "created_on_gte": sent_at, "page_limit": 100},
    )
    for row in client.api.decode(response).get("results", []):
        same_name = str(row.get("name", "")).casefold() == name.casefold()
        addresses = {_address_key(a) for a in row.get("addresses") or ()}
        if same_name and addresses & wanted:
            return await client.api.request("GET", f"/locations/{location}/customers/{row['id']}")
    return None


def _address_key(address: Mapping[str, Any]) -> tuple[str, str]:
    """CRO's duplicate rule: the same first line and postcode, case and spacing ignored."""
    line = " ".join(str(address.get("line_1") or "").casefold().split())
    postcode = "".join(str(address.get("postcode") or "").casefold().split())
    return line, postcode
