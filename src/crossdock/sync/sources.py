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
from crossdock.connectors.http.retry import WORKER_RETRY
from crossdock.connectors.http.tokens import TokenCipher, TokenStore
from crossdock.errors import FixRequest
from crossdock.mapping.cml import CmlError, Program

RecordId = Callable[[Record], str]
ToRecord = Callable[[Record], dict[str, Any] | None]
"""A record in the sync type's schema; None for a deletion; raises ``MappingFailed``."""


class MappingFailed(Exception):
    """A vendor record the integration's template could not map; the record is kept as sent."""

    def __init__(self, record: Record, error: CmlError) -> None:
        super().__init__(str(error))
        self.record = record
        self.error = error


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

        client = CrescodataClient(
            settings, transport=transport, retry=WORKER_RETRY, tokens=tokens, cipher=cipher
        )
        return Source(
            stream=RecordsStream(client, sync_type),
            object_id=lambda envelope: str(envelope["crescoId"]),
            to_record=envelope_to_record,
            close=client.aclose,
        )
    vendor = vendor_source(system_id, sync_type, settings)
    if vendor is None:
        raise FixRequest(f"Crossdock cannot pull {sync_type} from {system_id}.", field="syncType")
    program = mapping_for(system_id, sync_type, vendor.stream_name, settings)
    variables = {**vendor.variables(settings), **(settings.get("mappingVariables") or {})}
    client, stream = vendor.open(settings, transport, tokens, cipher)

    def to_record(record: Record) -> dict[str, Any] | None:
        if vendor.deleted(record):
            return None
        try:
            return program.apply(record, variables=variables)
        except CmlError as exc:
            raise MappingFailed(record, exc) from exc

    return Source(
        stream=stream,
        object_id=lambda record: str(record[vendor.id_field]),
        to_record=to_record,
        close=client.aclose,
    )


def mapping_for(
    system_id: str, sync_type: str, stream_name: str, settings: Mapping[str, Any]
) -> Program:
    """The integration's own template (``mappingTemplate``) or the system's default, with the
    integration's ``mappingOverwrites`` layered on top."""
    from crossdock.mapping.defaults import integration_mapping

    return integration_mapping(system_id, sync_type, "in", stream_name, settings)


@dataclass(frozen=True)
class VendorSource:
    """How to read one sync type from one vendor: its stream, the id and deletion of a record."""

    stream_name: str
    id_field: str
    deleted: Callable[[Record], bool]
    open: Callable[..., tuple[Any, Stream]]
    variables: Callable[[Mapping[str, Any]], dict[str, Any]] = lambda settings: {}
    """Template variables the integration's settings imply; its mappingVariables win."""


def _cro(settings: Any, transport: Any, tokens: Any, cipher: Any) -> tuple[Any, Stream]:
    from crossdock.connectors.cro.client import CroClient
    from crossdock.connectors.cro.streams import CustomersStream

    client = CroClient(settings, transport=transport, retry=WORKER_RETRY)
    return client, CustomersStream(client)


def _carecloud(settings: Any, transport: Any, tokens: Any, cipher: Any) -> tuple[Any, Stream]:
    from crossdock.connectors.carecloud.client import CareCloudClient
    from crossdock.connectors.carecloud.streams import CustomersStream

    client = CareCloudClient(
        settings,
        transport=transport,
        retry=WORKER_RETRY,
        token_store=tokens,
        token_cipher=cipher,
    )
    return client, CustomersStream(client)


def _customtrades(resource: str) -> Callable[..., tuple[Any, Stream]]:
    def open_stream(settings: Any, transport: Any, tokens: Any, cipher: Any) -> tuple[Any, Stream]:
        from crossdock.connectors.customtrades.client import CustomTradesClient
        from crossdock.connectors.customtrades.streams import ResourceStream

        client = CustomTradesClient(settings, transport=transport, retry=WORKER_RETRY)
        return client, ResourceStream(client, resource)

    return open_stream


def _cropster(stream_class: str) -> Callable[..., tuple[Any, Stream]]:
    def open_stream(settings: Any, transport: Any, tokens: Any, cipher: Any) -> tuple[Any, Stream]:
        from crossdock.connectors.cropster import streams
        from crossdock.connectors.cropster.client import CropsterClient

        client = CropsterClient(
            settings, transport=transport, retry=WORKER_RETRY, tokens=tokens, cipher=cipher
        )
        stream: Stream = getattr(streams, stream_class)(client)
        return client, stream

    return open_stream


def _never(record: Record) -> bool:
    return False


def _soft_deleted(record: Record) -> bool:
    return record.get("deleted_at") is not None


# Per system and sync type, the streams an integration may pull it from, the default first
# (``systemSettings.pullStream`` picks another). Deletions at a source become tombstones: CRO
# deactivates (is_active false), CareCloud sets state 0, Custom Trades soft-deletes
# (deleted_at); Cropster lots are never deleted, only used up.
VENDOR_SOURCES: dict[tuple[str, str], tuple[VendorSource, ...]] = {
    ("cro", "customers"): (
        VendorSource("customers", "id", lambda r: r.get("is_active") is False, _cro),
    ),
    ("carecloud", "customers"): (
        # CareCloud's times are the project's local time: the template reads them in its zone.
        VendorSource(
            "customers",
            "customer_id",
            lambda r: r.get("state") == 0,
            _carecloud,
            variables=lambda settings: {"timeZone": settings.get("timezone") or "Europe/Prague"},
        ),
    ),
    ("customtrades", "customers"): (
        VendorSource("customers", "uuid", _soft_deleted, _customtrades("customers")),
    ),
    # Orders from jobs by default: a job may have several invoices and an invoice no job, so
    # one integration reads one of them, never both (docs/mappings.md).
    ("customtrades", "orders"): (
        VendorSource("jobs", "uuid", _soft_deleted, _customtrades("jobs")),
        VendorSource("invoices", "uuid", _soft_deleted, _customtrades("invoices")),
    ),
    ("cropster", "stock"): (
        VendorSource("greenLots", "id", _never, _cropster("GreenLotsStream")),
        VendorSource("roastedLots", "id", _never, _cropster("RoastedLotsStream")),
        VendorSource("blendedLots", "id", _never, _cropster("BlendedLotsStream")),
    ),
}


def vendor_source(
    system_id: str, sync_type: str, settings: Mapping[str, Any]
) -> VendorSource | None:
    """The stream an integration pulls: its ``pullStream``, else the default; None when
    Crossdock cannot pull this sync type from this system."""
    options = VENDOR_SOURCES.get((system_id, sync_type))
    if not options:
        return None
    wanted = settings.get("pullStream")
    if not wanted:
        return options[0]
    for option in options:
        if option.stream_name == wanted:
            return option
    names = ", ".join(option.stream_name for option in options)
    raise FixRequest(
        f"{system_id} {sync_type} are pulled from {names}; not from {wanted!r}.",
        field="systemSettings.pullStream",
    )
