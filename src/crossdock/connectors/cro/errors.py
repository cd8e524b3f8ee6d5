"""CRO Software's errors, in one place: its body ``{"field", "detail", "explanation"}`` and its
human-readable status line (``400 CreateCustomerModel.user_id: Unknown field.``) become a
Crossdock error whose message carries all of it."""

from __future__ import annotations

import httpx

from crossdock.connectors.http.errors import field_detail_error
from crossdock.errors import CrossdockError

VENDOR = "CRO Software"


def cro_error(response: httpx.Response) -> CrossdockError:
    """``CRO Software: <status> <line> (<explanation>)``. The line is CRO's reason phrase, or
    ``X-Reason-Phrase`` where a server could not write it in the status line (the sandbox
    served without its uvicorn protocol), else the body's field and detail."""
    return field_detail_error(VENDOR, response, line_header="x-reason-phrase", line_first=True)
