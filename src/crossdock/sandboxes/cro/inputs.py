"""Reading a request's path, query and JSON body, every failure in CRO's error format.

Routes read raw input here and validate it with validation.py instead of letting FastAPI parse
parameters, so no framework error body can escape and the order of checks is CRO's (auth
first, then input).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from crossdock.sandboxes.cro.errors import CroError
from crossdock.sandboxes.cro.validation import MAX_ID

MAX_BODY = 1024 * 1024


def path_id(request: Request, name: str) -> int:
    raw = request.path_params.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        raise CroError(400, "Not a valid integer.", name) from None
    if not 1 <= value <= MAX_ID:
        raise CroError(404, f"No record with {name} {raw}.", name)
    return value


def query(request: Request) -> dict[str, str]:
    """Query parameters, the first value winning when a name repeats."""
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, value)
    return params


async def json_body(request: Request, model: str) -> Any:
    """The request's JSON document; CRO accepts nothing but JSON."""
    content_type = request.headers.get("content-type", "application/json")
    if content_type.split(";", 1)[0].strip().lower() not in ("application/json", ""):
        raise CroError(
            400,
            "Must be one of the following MIME types: application/json.",
            "StandardRequestHeadersModel.Content-Type",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise CroError(413, f"Request body larger than {MAX_BODY} bytes.", model)
    body = await request.body()
    if len(body) > MAX_BODY:
        raise CroError(413, f"Request body larger than {MAX_BODY} bytes.", model)
    if not body.strip():
        raise CroError(400, "No input data provided.", model)
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        # ValueError covers malformed JSON, bad UTF-8 and integers too long to convert.
        raise CroError(400, "Invalid JSON.", model) from None
