"""``GET .../history``: every version of a company, integration or user, newest first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossdock.api.listing import list_response
from crossdock.auth.roles import Principal
from crossdock.errors import NotFound
from crossdock.hub import Hub
from crossdock.store import listings
from crossdock.store.history import describe_version, record_version
from crossdock.store.tables import Version


def history_response(
    session: Session, request: Request, user: Principal, resource: str, resource_id: str
) -> JSONResponse:
    """Versions of one resource the caller may see, also after the resource was deleted."""
    first = session.scalar(
        select(Version)
        .where(Version.resource == resource, Version.resource_id == resource_id)
        .order_by(Version.version)
        .limit(1)
    )
    sync_type = (first.state or {}).get("syncType") if first is not None else None
    if (
        first is None
        or not user.sees(agency_id=first.agency_id, company_id=first.company_id)
        or (sync_type is not None and not user.reaches_sync(sync_type))
    ):
        raise NotFound(f"No history for {resource} {resource_id}.", field=f"{resource}Id")
    return list_response(
        session,
        listings.versions(),
        select(Version),
        request,
        describe_version,
        [Version.resource == resource, Version.resource_id == resource_id],
    )


def record_change(
    session: Session,
    hub: Hub,
    actor: Principal,
    resource: str,
    resource_id: str,
    action: str,
    state: Callable[[], dict[str, Any]],
    *,
    agency_id: str | None,
    company_id: str | None,
) -> None:
    """A version of a company, integration or user after ``action``: its full new state (a
    deletion's is null), who changed it, and whose tenancy it belongs to."""
    record_version(
        session,
        resource,
        resource_id,
        action,
        actor=actor.username,
        state=None if action == "delete" else state(),
        at=hub.clock(),
        agency_id=agency_id,
        company_id=company_id,
    )
