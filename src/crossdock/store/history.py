"""Versions of companies, integrations and users: who changed what, when, and the new state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossdock.store.tables import Version


def record_version(
    session: Session,
    resource: str,
    resource_id: str,
    action: str,
    *,
    actor: str | None,
    state: dict[str, Any] | None,
    at: datetime,
    agency_id: str | None = None,
    company_id: str | None = None,
) -> Version:
    """Append the next version; ``state`` must already have its secrets redacted."""
    latest = session.scalar(
        select(func.max(Version.version)).where(
            Version.resource == resource, Version.resource_id == resource_id
        )
    )
    version = Version(
        resource=resource,
        resource_id=resource_id,
        version=(latest or 0) + 1,
        action=action,
        actor=actor,
        state=state,
        at=at,
        agency_id=agency_id,
        company_id=company_id,
    )
    session.add(version)
    session.flush()
    return version


def describe_version(version: Version) -> dict[str, Any]:
    return {
        "version": version.version,
        "action": version.action,
        "updatedAt": version.at.isoformat(),
        "updatedBy": version.actor,
        "data": version.state,
    }
