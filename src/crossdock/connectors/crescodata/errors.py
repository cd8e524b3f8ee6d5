"""Commerce Connect's errors, in one place. A Crossdock hub answers
``{"field", "detail", "explanation", "requestId"}`` with the same line in its status line and
``x-cresco-error``; the original platform's bodies are read for ``message`` as well. Either
becomes a Crossdock error whose message carries the hub's own reason."""

from __future__ import annotations

import json
from typing import Any

import httpx

from crossdock.connectors.http import http_error
from crossdock.errors import CrossdockError

VENDOR = "Commerce Connect"


def crescodata_error(response: httpx.Response) -> CrossdockError:
    """``Commerce Connect: <status> <field>: <detail> (<explanation>)``."""
    body = _body(response)
    field = _text(body.get("field"))
    detail = _text(body.get("detail")) or _text(body.get("message"))
    explanation = _text(body.get("explanation"))
    reason = f"{field}: {detail}" if field and detail else detail
    reason = reason or _line(response) or response.reason_phrase or "no reason given"
    if explanation and explanation not in reason:
        reason = f"{reason} ({explanation})"
    return http_error(VENDOR, response, reason, field=field, explanation=explanation)


def _line(response: httpx.Response) -> str | None:
    """The hub's human-readable line, from ``x-cresco-error`` or the status line."""
    header = response.headers.get("x-cresco-error")
    if header:
        return str(header)
    phrase = response.reason_phrase
    if phrase and phrase != httpx.codes.get_reason_phrase(response.status_code):
        return phrase
    return None


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        loaded = json.loads(response.content) if response.content else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
