"""Every table Crossdock stores, gathered on one ``metadata`` for migrations and tests."""

from __future__ import annotations

from crossdock.store import credentials, publish, pulls, query, records, tables, taxonomies
from crossdock.store import dashboard as dashboard  # metrics and images
from crossdock.store.base import metadata

__all__ = [
    "credentials",
    "metadata",
    "publish",
    "pulls",
    "query",
    "records",
    "tables",
    "taxonomies",
]
