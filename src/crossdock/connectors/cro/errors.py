"""CRO Software's errors, in one place: its body ``{"field", "detail", "explanation"}`` and its
human-readable status line (``400 CreateCustomerModel.user_id: Unknown field.``) become a
Crossdock error whose message carries all of it."""

from __future__ import annotations

import json
from typing import Any

import httpx

from crossdock.connectors.http import http_error
from crossdock.errors import CrossdockError

VENDOR = "CRO Software"


def cro_error(response: httpx.Response) -> CrossdockError:
    body = _body(response)
    field = _text(body.get("field"))
    detail = _text(body.get("detail"))
    explanation = _text(body.get("explanation"))
    reason = _status_line(response) or (f"{field}: {detail}" if field and detail else detail)
    reason = reason or response.reason_phrase or "no reason given"
    if explanation and explanation not in reason:
        reason = f"{reason} ({explanation})"
    return http_error(VENDOR, response, reason, field=field, explanation=explanation)


def _status_line(response: httpx.Response) -> str | None:
    """CRO's reason phrase: from the status line, or from ``X-Reason-Phrase`` where a server
    could not write it there (the sandbox served without its uvicorn protocol)."""
    header = response.headers.get("x-reason-phrase")
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
