"""Commerce Connect's errors, in one place. A Crossdock hub answers
``{"field", "detail", "explanation", "requestId"}`` with the same line in its status line and
``x-cresco-error``; the original platform's bodies are read for ``message`` as well. Either
becomes a Crossdock error whose message carries the hub's own reason."""

from __future__ import annotations

import httpx

from crossdock.connectors.http.errors import field_detail_error
from crossdock.errors import CrossdockError

VENDOR = "Commerce Connect"


def crescodata_error(response: httpx.Response) -> CrossdockError:
    """``Commerce Connect: <status> <field>: <detail> (<explanation>)``, else the hub's line
    (``x-cresco-error`` or the status line)."""
    return field_detail_error(
        VENDOR,
        response,
        line_header="x-cresco-error",
        line_first=False,
        detail_keys=("detail", "message"),
    )
