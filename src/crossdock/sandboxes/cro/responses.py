"""The headers every CRO response carries, and the JSON responses built from pre-encoded bodies.

CRO's samples show ``X-API-VERSION`` (the version the request asked for, default 2019/02/08),
a fresh ``X-REQUEST-ID`` UUID, permissive CORS headers and ``Allow`` naming the methods of the
resource; the sandbox sends the same set.
"""

from __future__ import annotations

import uuid

from starlette.responses import Response

from crossdock.sandboxes.cro.records import DEFAULT_API_VERSION

# The reason phrase travels from the app to the server in REASON_HEADER; ReasonPhraseH11Protocol
# (crossdock.serving) moves it into the status line and removes the header. Served by any other
# ASGI server, the header stays, so the human-readable text is never lost.
ALLOW_HEADERS = "Authorization, Accept, X-TENANT-ID, Content-Type"
METHOD_ORDER = ("GET", "POST", "PATCH", "DELETE")  # as CRO lists them in Allow


def standard_headers(
    api_version: str = DEFAULT_API_VERSION, allow: str | None = None
) -> dict[str, str]:
    headers = {
        "access-control-allow-headers": ALLOW_HEADERS,
        "access-control-allow-origin": "*",
        "x-api-version": api_version,
        "x-request-id": str(uuid.uuid4()),
    }
    if allow:
        headers["access-control-allow-methods"] = allow
        headers["allow"] = allow
    return headers


def json_response(
    body: bytes, *, api_version: str, status: int = 200, allow: str | None = None
) -> Response:
    return Response(
        content=body,
        status_code=status,
        headers=standard_headers(api_version, allow),
        media_type="application/json",
    )


def reason_text(text: str) -> str:
    """Make ``text`` safe for a status line: printable ASCII only, and not too long.

    Error details can echo what a client sent (an unknown field's name), so anything that
    could break the response framing (CR, LF, non-ASCII) becomes ``?``.
    """
    cleaned = "".join(ch if " " <= ch <= "~" else "?" for ch in text[:200])
    return cleaned.strip() or "Error"
