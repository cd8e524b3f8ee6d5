"""CRO's error format and the handlers that make every failure speak it.

Every error answers with a body ``{"detail", "explanation", "field"}`` and a status line whose
reason phrase is the human-readable ``"<field>: <detail>"`` (or just the detail when no field
is at fault), e.g. ``400 CreateCustomerModel.user_id: Unknown field.``. Routing errors (unknown
paths, wrong methods), framework validation errors and unexpected exceptions are translated
here too, so FastAPI's own bodies never reach a client.

Deviation: CRO documents one explanation string ("The resource could not be accessed."), shown
with a 400; the sandbox keeps it for 400 and uses a fitting sentence for the other statuses.
"""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from crossdock.sandboxes.cro.records import DEFAULT_API_VERSION
from crossdock.sandboxes.cro.responses import METHOD_ORDER, reason_text, standard_headers
from crossdock.serving import REASON_HEADER

logger = logging.getLogger(__name__)

EXPLANATIONS = {
    400: "The resource could not be accessed.",
    401: "The access token is missing, malformed, unknown or expired.",
    403: "The access token does not grant access to this resource.",
    404: "The resource could not be found.",
    405: "The resource does not support this method.",
    409: "The resource already exists.",
    413: "The request body is too large.",
    429: "Too many requests; retry after the delay given in Retry-After.",
}
SERVER_EXPLANATION = "The service could not handle the request; retry later."
INJECTED_DETAILS = {
    429: "Rate limit exceeded.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}


def explanation(status: int) -> str:
    if status >= 500:
        return SERVER_EXPLANATION
    return EXPLANATIONS.get(status, "The request could not be processed.")


class CroError(Exception):
    """A failure to report in CRO's format; raise it anywhere below a route."""

    def __init__(
        self,
        status: int,
        detail: str,
        field: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {field}: {detail}" if field else f"{status} {detail}")
        self.status = status
        self.detail = detail
        self.field = field
        self.headers = headers or {}

    @property
    def reason(self) -> str:
        return f"{self.field}: {self.detail}" if self.field else self.detail


def error_body(status: int, detail: str, field: str | None) -> bytes:
    payload = {"detail": detail, "explanation": explanation(status), "field": field}
    return json.dumps(payload, sort_keys=True).encode()


def error_headers(
    status: int, reason: str, api_version: str = DEFAULT_API_VERSION
) -> dict[str, str]:
    headers = standard_headers(api_version)
    headers[REASON_HEADER] = reason_text(reason)
    if status == 401:
        headers["www-authenticate"] = 'Bearer error="invalid_token"'
    return headers


def error_response(error: CroError, api_version: str = DEFAULT_API_VERSION) -> Response:
    headers = error_headers(error.status, error.reason, api_version)
    headers.update(error.headers)
    return Response(
        content=error_body(error.status, error.detail, error.field),
        status_code=error.status,
        headers=headers,
        media_type="application/json",
    )


def injected_error(status: int) -> tuple[bytes, dict[str, str]]:
    """Body and headers for a fault the sandbox injects (a 503, a 429...)."""
    detail = INJECTED_DETAILS.get(status) or (
        "Server error." if status >= 500 else "Request failed."
    )
    return error_body(status, detail, None), error_headers(status, detail)


def request_api_version(request: Request) -> str:
    """The version a request asked for, once auth.py has validated it."""
    version = getattr(request.state, "cro_api_version", None)
    return version if isinstance(version, str) else DEFAULT_API_VERSION


def install_error_handlers(app: FastAPI) -> None:
    async def on_cro_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CroError)
        return error_response(exc, request_api_version(request))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(_from_http_exception(exc), request_api_version(request))

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        # Routes parse their own input, so this only guards against a framework-level check.
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body",))
        detail = str(first.get("msg", "Invalid input."))
        return error_response(CroError(400, detail, field or None), request_api_version(request))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("CRO sandbox failed on %s %s", request.method, request.url.path)
        return error_response(CroError(500, "Internal server error."), request_api_version(request))

    app.add_exception_handler(CroError, on_cro_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)


def _from_http_exception(exc: StarletteHTTPException) -> CroError:
    if exc.status_code == 404:
        return CroError(404, "The requested URL was not found on the server.", "url")
    if exc.status_code == 405:
        methods = (exc.headers or {}).get("Allow", "").replace(" ", "").split(",")
        allow = ",".join(m for m in METHOD_ORDER if m in methods)
        headers = {"allow": allow, "access-control-allow-methods": allow} if allow else {}
        return CroError(
            405, "The method is not allowed for the requested URL.", "method", headers=headers
        )
    return CroError(exc.status_code, str(exc.detail))
