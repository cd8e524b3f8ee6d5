"""Tenancy as SQL: the conditions that keep a caller inside its agency or company."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false

from crossdock.auth.roles import AGENCY_SCOPED, NEEDS_SYNCS, Principal


def tenancy(
    principal: Principal, agency_col: Any, company_col: Any, sync_col: Any | None = None
) -> list[ColumnElement[bool]]:
    """Conditions for rows owned by ``agency_col``/``company_col`` (and of ``sync_col``)."""
    if principal.is_operator:
        return []
    conditions: list[ColumnElement[bool]]
    if principal.role in AGENCY_SCOPED:
        conditions = [agency_col == principal.agency_id] if principal.agency_id else [false()]
    else:
        conditions = [company_col == principal.company_id] if principal.company_id else [false()]
    if sync_col is not None and principal.role in NEEDS_SYNCS:
        conditions.append(sync_col.in_(sorted(principal.syncs)))
    return conditions
