"""What goes wrong on the way to a vendor, as Crossdock's error tree: the one status mapping,
transport failures, and paging that cannot be followed safely."""

from __future__ import annotations

import json
from typing import Any

import httpx

from crossdock.errors import (
    Conflict,
    CrossdockError,
    FixCredentials,
    FixRequest,
    Forbidden,
    GiveUp,
    NotFound,
    RetryLater,
    Throttled,
)


def error_class_for_status(status: int) -> type[CrossdockError]:
    """The one place a vendor's HTTP status becomes what the caller should do.

    408, 429 and 5xx are transient (retry later); 401 and 403 need other credentials or
    rights; other 4xx mean the request or record must change, except 405 and 501, which mean
    the connector asked for something the vendor does not do: an operator must look.
    """
    if status == 401:
        return FixCredentials
    if status == 403:
        return Forbidden
    if status == 429:
        return Throttled
    if status == 408:
        return RetryLater
    if status in (405, 501):
        return GiveUp
    if status >= 500:
        return RetryLater
    if status == 404:
        return NotFound
    if status == 409:
        return Conflict
    if 400 <= status < 500:
        return FixRequest
    return GiveUp  # a 1xx or 3xx reaching a connector is not something a caller can act on


def http_error(
    vendor: str,
    response: httpx.Response,
    reason: str,
    *,
    field: str | None = None,
    explanation: str | None = None,
) -> CrossdockError:
    """A vendor's error response as a Crossdock error: ``"<vendor>: <status> <reason>"``.

    ``Retry-After`` travels on the error's headers, where retry policies read it.
    """
    cls = error_class_for_status(response.status_code)
    retry_after = response.headers.get("retry-after")
    return cls(
        f"{vendor}: {response.status_code} {reason}",
        field=field,
        explanation=explanation,
        headers={"Retry-After": retry_after} if retry_after else None,
    )


def json_object(response: httpx.Response) -> dict[str, Any]:
    """A response's body as a JSON object; ``{}`` when it is empty, not JSON or not an object."""
    try:
        body = json.loads(response.content) if response.content else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def text(value: object) -> str | None:
    """A non-empty string from a vendor's body, else None."""
    return value if isinstance(value, str) and value else None


def reason_line(response: httpx.Response, header: str) -> str | None:
    """A server's own human-readable line: its ``header`` (where the line travels when the
    status line cannot carry it), else a reason phrase other than the standard one."""
    found = response.headers.get(header)
    if found:
        return str(found)
    phrase = response.reason_phrase
    if phrase and phrase != httpx.codes.get_reason_phrase(response.status_code):
        return phrase
    return None


def field_detail_error(
    vendor: str,
    response: httpx.Response,
    *,
    line_header: str,
    line_first: bool,
    detail_keys: tuple[str, ...] = ("detail",),
) -> CrossdockError:
    """An error of the ``{"field", "detail", "explanation"}`` schema that CRO Software and
    Commerce Connect (Crossdock included) answer: ``<vendor>: <status> <field>: <detail>
    (<explanation>)``. ``line_first`` prefers the server's own line (``line_header`` or the
    status line) to the body's field and detail."""
    body = json_object(response)
    field = text(body.get("field"))
    detail = next((found for key in detail_keys if (found := text(body.get(key)))), None)
    explanation = text(body.get("explanation"))
    from_body = f"{field}: {detail}" if field and detail else detail
    line = reason_line(response, line_header)
    reason = (line or from_body) if line_first else (from_body or line)
    reason = reason or response.reason_phrase or "no reason given"
    if explanation and explanation not in reason:
        reason = f"{reason} ({explanation})"
    return http_error(vendor, response, reason, field=field, explanation=explanation)


class ConnectionFailed(RetryLater):
    """The vendor could not be reached, timed out, or cut the response short.

    ``may_have_landed`` is False only when the request certainly never left (the connection
    was never made), which is what makes retrying an unsafe write acceptable.
    """

    explanation = "The vendor could not be reached or the connection broke; retry later."

    def __init__(self, detail: str, *, may_have_landed: bool = True) -> None:
        super().__init__(detail)
        self.may_have_landed = may_have_landed


# Raised before a byte of the request was sent: the write cannot have landed.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def connection_error(vendor: str, exc: httpx.TransportError) -> ConnectionFailed:
    """A transport failure, named without the request's headers or body (credentials)."""
    what = type(exc).__name__
    text = str(exc).strip()
    error = ConnectionFailed(
        f"{vendor}: {what}{': ' + text if text else ''}",
        may_have_landed=not isinstance(exc, _NOT_SENT),
    )
    error.__cause__ = exc
    return error


class PagingError(GiveUp):
    """The vendor's paging cannot be followed without losing or repeating records."""

    explanation = "The vendor's pages could not be followed safely; an operator must look."


class PagingCycle(PagingError):
    """A next-page token, or a whole page, came back that was seen before: stop, don't spin."""


class TotalMismatch(RetryLater):
    """The records received differ from the total the vendor stated.

    Usually the listing changed during the read (records deleted, or a vendor that counts
    differently than it pages); reading again later normally agrees. Paginators raise it, or
    attach it to the page as a problem, as the stream chooses.
    """

    explanation = "The vendor's stated total did not match the records received; read again."

    def __init__(self, detail: str, *, expected: int, received: int) -> None:
        super().__init__(detail)
        self.expected = expected
        self.received = received
