"""The resilience layer every connector composes: clients, auth flows, paginators, retries,
rate limits and error mapping, shared by all vendors (docs/connectors.md)."""

from __future__ import annotations

from crossdock.connectors.http.auth import ApiKeyAuth, BearerAuth, StaticAuth
from crossdock.connectors.http.client import (
    ErrorMapper,
    HttpOptions,
    Landed,
    RawPage,
    ResponseHook,
    VendorClient,
    build_http_client,
)
from crossdock.connectors.http.clock import ServerClock
from crossdock.connectors.http.connector import ConnectorClient, validate_settings
from crossdock.connectors.http.errors import (
    ConnectionFailed,
    PagingCycle,
    PagingError,
    TotalMismatch,
    error_class_for_status,
    http_error,
)
from crossdock.connectors.http.paging import (
    BodyCursorPaginator,
    HeaderTokenPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    PageRequest,
    Paginator,
    dig,
    header,
)
from crossdock.connectors.http.passes import Pass, PassPage, Versions, read_in_passes
from crossdock.connectors.http.ratelimit import (
    MemoryRateLimitBackend,
    RateLimit,
    RateLimitBackend,
    RateLimitedTransport,
    RateLimiter,
)
from crossdock.connectors.http.retry import NO_RETRY, WORKER_RETRY, RetryPolicy, parse_retry_after
from crossdock.connectors.http.streams import Checkpoint, Page, Record, SeenIds, Stream
from crossdock.connectors.http.token_auth import (
    ClientCredentialsAuth,
    LoginFlow,
    LoginTokenAuth,
    RefreshTokenAuth,
    TokenAuth,
)
from crossdock.connectors.http.tokens import (
    FernetTokenCipher,
    MemoryTokenStore,
    PlainCipher,
    TokenCipher,
    TokenRecord,
    TokenStore,
    credential_key,
)

__all__ = [
    "NO_RETRY",
    "WORKER_RETRY",
    "ApiKeyAuth",
    "BearerAuth",
    "BodyCursorPaginator",
    "Checkpoint",
    "ClientCredentialsAuth",
    "ConnectionFailed",
    "ConnectorClient",
    "ErrorMapper",
    "FernetTokenCipher",
    "HeaderTokenPaginator",
    "HttpOptions",
    "Landed",
    "LoginFlow",
    "LoginTokenAuth",
    "MemoryRateLimitBackend",
    "MemoryTokenStore",
    "OffsetPaginator",
    "Page",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "PagingCycle",
    "PagingError",
    "Pass",
    "PassPage",
    "PlainCipher",
    "RateLimit",
    "RateLimitBackend",
    "RateLimitedTransport",
    "RateLimiter",
    "RawPage",
    "Record",
    "RefreshTokenAuth",
    "ResponseHook",
    "RetryPolicy",
    "SeenIds",
    "ServerClock",
    "StaticAuth",
    "Stream",
    "TokenAuth",
    "TokenCipher",
    "TokenRecord",
    "TokenStore",
    "TotalMismatch",
    "VendorClient",
    "Versions",
    "build_http_client",
    "credential_key",
    "dig",
    "error_class_for_status",
    "header",
    "http_error",
    "parse_retry_after",
    "read_in_passes",
    "validate_settings",
]
