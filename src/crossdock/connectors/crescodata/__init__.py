"""The Commerce Connect connector (``crescodata``): another hub speaking the Commerce Connect
API, a Crossdock or the original platform. Its master records are read incrementally, batches
are sent to it through ``POST /streams_batch``, and its integrations are listed.

``CrescodataClient`` holds one user's credential; ``RecordsStream`` reads; ``send_batch``
writes; ``connection_test`` is what the systems catalog runs on activation.
"""

from __future__ import annotations

from crossdock.connectors.crescodata.actions import get_request, request_id_for, send_batch
from crossdock.connectors.crescodata.client import CrescodataClient, connection_test
from crossdock.connectors.crescodata.errors import crescodata_error
from crossdock.connectors.crescodata.streams import (
    SYNC_TYPES,
    RecordsStream,
    get_integration,
    list_integrations,
)

__all__ = [
    "SYNC_TYPES",
    "CrescodataClient",
    "RecordsStream",
    "connection_test",
    "crescodata_error",
    "get_integration",
    "get_request",
    "list_integrations",
    "request_id_for",
    "send_batch",
]
