"""Sources: how a source integration's vendor records become items of the record pipeline.

A ``Source`` is a connector stream plus the two things the engine needs of each record it
yields: the id that identifies it within the integration, and the record in the sync type's
schema (``None`` for a deletion). Vendors' records are mapped by the integration's templates;
Commerce Connect records are already in the schema and come as they are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from crossdock.connectors.http import Record, Stream
from crossdock.connectors.http.tokens import TokenCipher, TokenStore
from crossdock.errors import FixRequest

RecordId = Callable[[Record], str]
ToRecord = Callable[[Record], dict[str, Any] | None]


@dataclass(frozen=True)
class Source:
    stream: Stream
    object_id: RecordId
    to_record: ToRecord
    close: Callable[[], Awaitable[None]]


def envelope_to_record(envelope: Record) -> dict[str, Any] | None:
    """A Commerce Connect master record as a record to send: the envelope's flattened rows
    folded back, attributes equal on every row at the top level and the rest in ``variants``."""
    if envelope.get("deleted") is True:
        return None
    rows = [row for row in envelope.get("data") or [] if isinstance(row, dict)]
    if not rows:
        return None
    if len(rows) == 1:
        return dict(rows[0])
    first = rows[0]
    common = {
        key: value
        for key, value in first.items()
        if key != "overwrites" and all(key in row and row[key] == value for row in rows[1:])
    }
    variants = [{k: v for k, v in row.items() if k not in common} for row in rows]
    return {**common, "variants": variants}


def open_source(
    system_id: str,
    sync_type: str,
    settings: Mapping[str, Any],
    *,
    tokens: TokenStore | None = None,
    cipher: TokenCipher | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Source:
    """The source for an integration of ``system_id``, or a clear error where none is built.

    ``tokens`` and ``cipher`` are the deployment's shared token store: every process pulling
    with one credential logs in once between them."""
    if system_id == "crescodata":
        from crossdock.connectors.crescodata.client import CrescodataClient
        from crossdock.connectors.crescodata.streams import RecordsStream

        client = CrescodataClient(settings, transport=transport, tokens=tokens, cipher=cipher)
        return Source(
            stream=RecordsStream(client, sync_type),
            object_id=lambda envelope: str(envelope["crescoId"]),
            to_record=envelope_to_record,
            close=client.aclose,
        )
    raise FixRequest(
        f"Pulling {sync_type} from {system_id} is not built yet: its records need the "
        "integration's mapping templates, which arrive with the default mappings.",
        field="systemId",
    )
