"""Custom Trades' error format, ``{"success": false, "error": "..."}``, in one place.

``ApiError`` is what business rules raise; the handlers installed by ``install_error_handlers``
make sure nothing else reaches a client: FastAPI's own 404, 405 and 422 bodies, and any
unexpected exception, all answer in the vendor's shape with the vendor's messages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from crossdock.sandboxes.customtrades.store import dumps

log = logging.getLogger(__name__)

INVALID_API_KEY = "Invalid API key."
USAGE_LIMIT_REACHED = "Monthly usage limit reached. Usage resets on the first of next month."
SERVER_ERROR = "An error occurred"

# Messages for statuses the control API can inject, where the vendor documents one.
_MESSAGES = {
    401: INVALID_API_KEY,
    404: "Not found",
    405: "Method not allowed",
    429: "Too many requests. Please retry later.",
    500: SERVER_ERROR,
    503: "Service temporarily unavailable. Please retry later.",
}


class ApiError(Exception):
    """A refusal in the vendor's words: ``status`` and the ``error`` message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def message_for(status: int) -> str:
    if status in _MESSAGES:
        return _MESSAGES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return SERVER_ERROR


def error_bytes(message: str) -> bytes:
    return dumps({"success": False, "error": message})


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        error_bytes(message), status_code=status, media_type="application/json", headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.message, exc.headers)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(exc.status_code, message_for(exc.status_code), exc.headers)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        return error_response(400, "Invalid request")

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("custom trades sandbox: unexpected error", exc_info=exc)
        return error_response(500, SERVER_ERROR)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
