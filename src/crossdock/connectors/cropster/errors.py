"""Cropster's errors, in one place: the RPC body ``{"ok": false, "error": {"code", "message"}}``
becomes a Crossdock error whose message carries the vendor's code and message.

The token endpoint's RFC 6749 errors (``invalid_client``, ``invalid_scope``) are read by the
layer's ``ClientCredentialsAuth``; this module covers every RPC method.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from crossdock.connectors.http import http_error
from crossdock.connectors.http.errors import json_object, text
from crossdock.errors import CrossdockError, FixCredentials, Forbidden, Throttled

VENDOR = "Cropster"

# A message that begins with the path of the value it concerns ("data.weight.amount must be
# ...") names the field; Cropster's body has no field of its own.
_FIELD = re.compile(r"(?:params|data)(?:\.[A-Za-z]\w*|\[\d+\])*")

# Codes that say what the caller should do whatever the status they come with (an error
# answered with an unexpected status, e.g. behind a proxy, is still the vendor's word).
_CODE_CLASSES: dict[str, type[CrossdockError]] = {
    "invalid_authentication": FixCredentials,
    "access_denied": Forbidden,
    "too_many_requests": Throttled,
}


def cropster_error(response: httpx.Response) -> CrossdockError:
    """``Cropster: <status> <code>: <message>``, classed by the status (the code where it is
    more telling), with ``Retry-After`` on the error's headers."""
    error = _error_object(response)
    code = text(error.get("code"))
    message = text(error.get("message"))
    reason = ": ".join(part for part in (code, message) if part)
    reason = reason or response.reason_phrase or "no reason given"
    found = _FIELD.match(message or "")
    mapped = http_error(VENDOR, response, reason, field=found.group(0) if found else None)
    wanted = _CODE_CLASSES.get(code or "")
    if wanted is not None and not isinstance(mapped, wanted):
        return wanted(mapped.detail, field=mapped.field, headers=mapped.headers)
    return mapped


def _error_object(response: httpx.Response) -> dict[str, Any]:
    error = json_object(response).get("error")
    return error if isinstance(error, dict) else {}
