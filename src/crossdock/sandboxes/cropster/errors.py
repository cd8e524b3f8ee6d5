"""Cropster's two error formats, their exceptions, and the handlers that keep FastAPI's out.

The RPC API answers ``{"ok": false, "error": {"code", "message"}}`` with the codes of the
vendor's table; the token endpoint answers RFC 6749 bodies (``{"error", "error_description"}``).
Routing errors (unknown path, wrong verb) and anything unexpected are rendered the same way, so
no FastAPI ``{"detail": ...}`` body and no traceback ever reaches a client.
"""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

TOKEN_PATH = "/oauth2/token"

logger = logging.getLogger(__name__)

CODE_FOR_STATUS = {
    400: "invalid_parameter",
    401: "invalid_authentication",
    403: "access_denied",
    404: "resource_not_found",
    405: "invalid_parameter",
    422: "invalid_parameter",
    429: "too_many_requests",
}


def code_for_status(status: int) -> str:
    """The error code Cropster pairs with ``status`` when nothing more specific applies."""
    return CODE_FOR_STATUS.get(status, "server_error" if status >= 500 else "invalid_parameter")


def error_json(code: str, message: str) -> bytes:
    return json.dumps({"ok": False, "error": {"code": code, "message": message}}).encode()


class CropsterError(Exception):
    """An RPC error: HTTP status, one of the vendor's error codes, and a message."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> Response:
        return Response(
            error_json(self.code, self.message),
            status_code=self.status,
            media_type="application/json",
            headers=self.headers,
        )


def invalid(message: str, status: int = 400) -> CropsterError:
    """A malformed request (400), or one breaking a business rule when ``status`` is 422."""
    return CropsterError(status, "invalid_parameter", message)


def missing(message: str) -> CropsterError:
    return CropsterError(422, "missing_parameter", message)


def not_found(message: str) -> CropsterError:
    return CropsterError(404, "resource_not_found", message)


class OAuthError(Exception):
    """A token endpoint error as RFC 6749 section 5.2 words it."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> Response:
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="cropster"'
        body = {"error": self.error, "error_description": self.description}
        return Response(
            json.dumps(body),
            status_code=self.status,
            media_type="application/json",
            headers=headers,
        )


async def _cropster_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CropsterError)
    return exc.response()


async def _oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return exc.response()


async def _routing_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if request.url.path == TOKEN_PATH:
        oauth = OAuthError("invalid_request", "the token endpoint only accepts POST", 405)
        response = oauth.response()
        response.headers.update(headers)
        return response
    if exc.status_code == 404:
        message = f"no such endpoint: {request.url.path}"
    elif exc.status_code == 405:
        message = "the Cropster API only accepts POST requests"
    else:
        message = str(exc.detail)
    status = exc.status_code
    return CropsterError(status, code_for_status(status), message, headers).response()


async def _validation_error(request: Request, exc: Exception) -> Response:
    # Routes parse their own bodies, so this only fires if a route ever declares a model.
    return invalid(f"invalid request: {exc}").response()


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("unexpected error in the Cropster sandbox", exc_info=exc)
    return CropsterError(500, "server_error", "an internal error occurred").response()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CropsterError, _cropster_error)
    app.add_exception_handler(OAuthError, _oauth_error)
    app.add_exception_handler(StarletteHTTPException, _routing_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
