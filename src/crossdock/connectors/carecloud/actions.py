"""Writes to CareCloud: create a customer, update one. CareCloud deletes customers only in its
back office (``state`` 0), so there is no delete.

Creating is retried although CareCloud takes no idempotency key, because CareCloud refuses a
second customer with an email already in use (400 ``already_exists``, a ``Conflict``). When a
retry meets that refusal, the connector looks the email up (``GET /customers?email=``); a
customer with the same names, changed since the first attempt was sent, is the one the first
attempt created, and is the result. A conflict on the first attempt, or with another customer,
stays a ``Conflict``. A customer without an email has no key to check by within one call, so
its create is retried only when it certainly did not land (no connection made, or a 429).

A caller delivering the customer again after an earlier call may have created it (its answer
lost, then handed back, or its worker gone) passes ``landed_since``: a refusal of the email on
the first attempt is then checked the same way, for a customer changed since that moment. A
customer without an email is looked for before anything is sent, by its customer source record
(``GET /customer-source-records`` with ``external_ids[]`` set to its
``customer_source.external_id`` and ``customer_source_id`` to its source): a record written
since that moment belongs to the customer the earlier call created, which is the result, and
nothing is posted. CareCloud enforces no unique key but the email, so a customer with neither
an email nor an external id is sent again as it is, and becomes a second customer if the
earlier call had landed (a warning is logged).

``PUT /customers/{id}`` replaces the whole record: what a body leaves out is removed, consents
included. ``update_customer`` therefore reads the customer, applies the changes and sends the
whole record back (read-modify-write), so fields Crossdock does not map survive an update.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import structlog

from crossdock.connectors.carecloud.client import CareCloudClient
from crossdock.connectors.carecloud.times import fold_safe, local_text
from crossdock.connectors.http import dig
from crossdock.errors import Conflict, CrossdockError, FixRequest, GiveUp

# How far before the first attempt a customer's last_change may be and still be ours: CareCloud
# stamps it from its own clock, which ServerClock keeps us from running ahead of.
CREATED_SKEW = 5.0
INFO = "customer.personal_information"
# personal_information fields an update may set (CareCloud's Customer schema, writable ones).
UPDATABLE = frozenset(
    {
        "salutation",
        "gender",
        "first_name",
        "last_name",
        "pre_nominals",
        "post_nominals",
        "birthdate",
        "email",
        "phone",
        "language_id",
        "store_id",
        "address",
        "consents",
    }
)
# Changing these makes CareCloud's generated salutation wrong unless it is generated again.
_GREETED_BY = frozenset({"gender", "first_name", "last_name", "language_id"})
_SAME_PERSON = ("first_name", "last_name", "birthdate", "phone")

log = structlog.get_logger("crossdock.connectors.carecloud")


async def create_customer(
    client: CareCloudClient, body: Mapping[str, Any], *, landed_since: float | None = None
) -> str:
    """``POST /customers`` with the spec's body (``customer``, ``customer_source``, optional
    ``password``; ``autologin`` defaults to false); the new customer's ``customer_id``.
    ``landed_since`` (seconds since the epoch, by the caller's clock): an earlier call may have
    created this customer since then; it is looked for by email, or without one by the
    customer source record, and is the result if found."""
    sent = dict(body)
    sent.setdefault("autologin", False)
    info = dig(sent, "customer.personal_information")
    info = info if isinstance(info, Mapping) else {}
    email = str(info.get("email") or "").strip().lower()
    since = client.server_clock.now()
    if landed_since is not None:
        # Read by our clock, which may run ahead of CareCloud's by what ServerClock observed.
        since = min(since, landed_since - client.server_clock.behind)
    sent_at = fold_safe(local_text(since - CREATED_SKEW, client.zone), client.zone)
    if landed_since is not None and not email:
        earlier = await _created_from_source(client, sent, sent_at)
        if earlier is not None:
            return earlier
    checked = False

    async def landed(error: CrossdockError) -> httpx.Response | None:
        nonlocal checked
        if not isinstance(error, Conflict) or error.field != f"{INFO}.email":
            return None
        checked = True
        return await _created_since(client, email, info, sent_at)

    try:
        response = await client.api.request(
            "POST", "/customers", json=sent, landed=landed if email else None
        )
    except Conflict as error:
        # The client checks only a retry's refusal; an earlier call's create is ours too.
        found = await landed(error) if landed_since is not None and email and not checked else None
        if found is None:
            raise
        response = found
    customer_id = dig(client.api.decode(response), "data.customer_id")
    if not isinstance(customer_id, str) or not customer_id:
        raise GiveUp("CareCloud: POST /customers answered without a customer_id")
    return customer_id


async def update_customer(
    client: CareCloudClient,
    customer_id: str,
    changes: Mapping[str, Any],
    *,
    password: str | None = None,
) -> dict[str, Any]:
    """Change fields of a customer's ``personal_information``; the customer as updated.

    ``changes`` holds whole values, except ``address`` (its keys are merged into the current
    address) and ``consents`` (merged by ``consent_id``); None removes a field. The salutation
    CareCloud generated is dropped when a name, gender or language changes and no salutation
    is given, so CareCloud generates it anew. ``password`` is changed only when given.

    Between the read and the write another writer's change to the same customer may be
    overwritten: CareCloud offers no conditional update.
    """
    unknown = sorted(set(changes) - UPDATABLE)
    if unknown:
        raise FixRequest(
            f"CareCloud customers take {', '.join(sorted(UPDATABLE))} in an update, "
            f"not {unknown[0]}",
            field=f"{INFO}.{unknown[0]}",
        )
    current = await _customer(client, customer_id)
    info = _writable(current.get("personal_information"))
    for key, value in changes.items():
        if key == "address" and isinstance(value, Mapping):
            info["address"] = {**(info.get("address") or {}), **value}
        elif key == "consents" and isinstance(value, list):
            info["consents"] = _merge_consents(info.get("consents") or [], value)
        else:
            info[key] = value
    if _GREETED_BY & set(changes) and "salutation" not in changes:
        info.pop("salutation", None)
    body: dict[str, Any] = {"customer": {"personal_information": info}}
    if password is not None:
        body["password"] = password
    # A PUT sends the same whole record every time, so it is retried like a read.
    await client.api.request("PUT", f"/customers/{customer_id}", json=body)
    return await _customer(client, customer_id)


async def _customer(client: CareCloudClient, customer_id: str) -> dict[str, Any]:
    response = await client.api.request("GET", f"/customers/{customer_id}")
    found = dig(client.api.decode(response), "data")
    if not isinstance(found, dict):
        raise GiveUp(f"CareCloud: GET /customers/{customer_id} answered without a customer")
    return found


def _writable(info: object) -> dict[str, Any]:
    """``personal_information`` as read, in the form a write takes: without the deprecated
    ``agreement`` view (``consents`` carries the same and wins) and consents' read-only
    ``last_change``."""
    found = dict(info) if isinstance(info, Mapping) else {}
    found.pop("agreement", None)
    consents = found.get("consents")
    if isinstance(consents, list):
        found["consents"] = [
            {"consent_id": c.get("consent_id"), "consent_value": c.get("consent_value")}
            for c in consents
            if isinstance(c, Mapping)
        ]
    return found


def _merge_consents(current: list[Any], changes: list[Any]) -> list[dict[str, Any]]:
    merged: dict[object, dict[str, Any]] = {
        c.get("consent_id"): dict(c) for c in current if isinstance(c, Mapping)
    }
    for change in changes:
        if isinstance(change, Mapping):
            merged[change.get("consent_id")] = {
                "consent_id": change.get("consent_id"),
                "consent_value": change.get("consent_value"),
            }
    return list(merged.values())


async def _created_since(
    client: CareCloudClient, email: str, sent: Mapping[str, Any], sent_at: str
) -> httpx.Response | None:
    """The customer with ``email`` if an earlier attempt created it: changed at or after
    ``sent_at`` and with the names (and birth date, phone) that were sent."""
    response = await client.api.request("GET", "/customers", params={"email": email})
    for row in dig(client.api.decode(response), "data.customers") or []:
        if not isinstance(row, dict) or str(row.get("last_change") or "") < sent_at:
            continue
        info = row.get("personal_information") or {}
        if all(_same(sent.get(key), info.get(key)) for key in _SAME_PERSON):
            return await client.api.request("GET", f"/customers/{row['customer_id']}")
    return None


async def _created_from_source(
    client: CareCloudClient, sent: Mapping[str, Any], sent_at: str
) -> str | None:
    """The id of the customer an earlier call created for a body without an email: the one
    whose source record has the body's source and external id and was written at or after
    ``sent_at``. None when there is none, or the body names no external id to look for (a
    warning then says that the create goes again unchecked)."""
    source = dig(sent, "customer_source")
    source = source if isinstance(source, Mapping) else {}
    external_id = source.get("external_id")
    source_id = source.get("customer_source_id")
    if not isinstance(external_id, str) or not external_id or not isinstance(source_id, str):
        log.warning(
            "create sent again with neither an email nor an external id to find an earlier one by",
            vendor="CareCloud",
        )
        return None
    response = await client.api.request(
        "GET",
        "/customer-source-records",
        params={"external_ids[]": external_id, "customer_source_id": source_id},
    )
    for row in dig(client.api.decode(response), "data.customer_source_records") or []:
        if not isinstance(row, dict) or str(row.get("last_change") or "") < sent_at:
            continue
        # The filters are CareCloud's to apply; a record that does not match them is not ours.
        if row.get("external_id") != external_id or row.get("customer_source_id") != source_id:
            continue
        customer_id = row.get("customer_id")
        if isinstance(customer_id, str) and customer_id:
            log.info("create had landed", vendor="CareCloud", customer_id=customer_id)
            return customer_id
    return None


def _same(sent: object, found: object) -> bool:
    """Whether a field as sent matches it as stored; a field not sent matches anything (no
    value and an empty string are both "not set" to CareCloud)."""
    if sent is None or sent == "":
        return True
    if isinstance(sent, str) and isinstance(found, str):
        return sent.strip().casefold() == found.strip().casefold()
    return sent == found
