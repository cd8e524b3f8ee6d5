"""Every table Crossdock stores, gathered on one ``metadata`` for migrations and tests."""

from __future__ import annotations

from crossdock.store import publish, pulls, query, records, tables, taxonomies
from crossdock.store.base import metadata

__all__ = ["metadata", "publish", "pulls", "query", "records", "tables", "taxonomies"]
