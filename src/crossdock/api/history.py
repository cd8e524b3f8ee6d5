"""``GET .../history``: every version of a company, integration or user, newest first."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossdock.api.listing import list_response
from crossdock.auth.roles import Principal
from crossdock.errors import NotFound
from crossdock.store import listings
from crossdock.store.history import describe_version
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
