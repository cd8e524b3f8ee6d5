"""CareCloud's errors, in one place: its body ``{"error": {"type", "title", "detail",
"error_data": {"invalid_params": [{"name", "reason", "message"}]}}}`` becomes a Crossdock error
whose message carries CareCloud's own reason, its error type and each invalid parameter.

Beyond the status mapping every vendor shares: a 400 naming a value that ``already_exists``
(a second customer with an email already in use) is a ``Conflict``, and a refused login is
``FixCredentials`` (CareCloud answers a wrong login or password with a 400, not a 401).
"""

from __future__ import annotations

from typing import Any

import httpx

from crossdock.connectors.http import http_error
from crossdock.connectors.http.errors import json_object, text
from crossdock.errors import Conflict, CrossdockError, FixCredentials, FixRequest

VENDOR = "CareCloud"


def carecloud_error(response: httpx.Response) -> CrossdockError:
    error = _error_object(response)
    params = [p for p in _list(error_data(error).get("invalid_params")) if isinstance(p, dict)]
    kind = text(error.get("type"))
    reason = text(error.get("detail")) or text(error.get("title")) or response.reason_phrase
    notes = [kind] if kind else []
    notes += [f"{param_name(p)}: {text(p.get('reason')) or 'invalid'}" for p in params]
    if notes:
        reason = f"{reason or 'no reason given'} ({'; '.join(notes)})"
    field = param_name(params[0]) if params else None
    explanation = (text(params[0].get("message")) if params else None) or text(error.get("title"))
    mapped = http_error(
        VENDOR, response, reason or "no reason given", field=field, explanation=explanation
    )
    if response.status_code == 400 and any(p.get("reason") == "already_exists" for p in params):
        return Conflict(mapped.detail, field=field, explanation=explanation)
    return mapped


def login_error(response: httpx.Response) -> CrossdockError:
    """A refused ``POST /users/actions/login``: a request error there is a credentials error
    (wrong login, password or external application id), whatever status carries it."""
    error = carecloud_error(response)
    if isinstance(error, FixRequest):
        return FixCredentials(error.detail, field=error.field, explanation=error.explanation)
    return error


def param_name(param: dict[str, Any]) -> str:
    """``name`` is a dotted path, or a list of them for a combination (``login+password``)."""
    name = param.get("name")
    if isinstance(name, list):
        return "+".join(str(part) for part in name)
    return str(name) if name else "?"


def error_data(error: dict[str, Any]) -> dict[str, Any]:
    data = error.get("error_data")
    return data if isinstance(data, dict) else {}


def _error_object(response: httpx.Response) -> dict[str, Any]:
    error = json_object(response).get("error")
    return error if isinstance(error, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
