"""The one error schema of every non-2xx answer, and the handlers that produce it.

Body: ``{"field", "detail", "explanation", "requestId"}`` (plus ``errors`` listing every
problem when a body fails validation); header ``x-cresco-error`` carries the same
human-readable line as ``<field>: <detail>``. Nothing, however malformed, yields a traceback.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from crossdock.errors import (
    CrossdockError,
    FixCredentials,
    Forbidden,
    GiveUp,
    MethodNotAllowed,
    NotFound,
    ValidationFailed,
    status_for,
)
from crossdock.serving import REASON_HEADER

log = structlog.get_logger("crossdock.api")


class ErrorBody(BaseModel):
    field: str | None
    detail: str
    explanation: str
    requestId: str
    errors: list[dict[str, str]] | None = None


def request_id(request: Request) -> str:
    rid: str | None = getattr(request.state, "request_id", None)
    if rid is None:
        rid = request.headers.get("x-request-id") or str(uuid.uuid4())
        request.state.request_id = rid
    return rid


def error_response(request: Request, error: CrossdockError) -> JSONResponse:
    body: dict[str, Any] = {
        "field": error.field,
        "detail": error.detail,
        "explanation": error.explanation,
        "requestId": request_id(request),
    }
    if isinstance(error, ValidationFailed) and error.errors:
        body["errors"] = error.errors
    line = f"{error.field}: {error.detail}" if error.field else error.detail
    headers = {
        "x-cresco-error": _header_safe(line),
        REASON_HEADER: _header_safe(line),
        "x-request-id": body["requestId"],
    }
    headers.update(error.headers)
    return JSONResponse(body, status_code=status_for(error), headers=headers)


def _header_safe(text: str) -> str:
    """Visible ASCII only: a header value must never carry control characters from input."""
    return "".join(c if " " <= c <= "~" else "?" for c in text[:500])


def _model_name(request: Request) -> str | None:
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    annotation = getattr(getattr(body_field, "field_info", None), "annotation", None)
    return getattr(annotation, "__name__", None)


def validation_failed(request: Request, exc: RequestValidationError) -> ValidationFailed:
    model = _model_name(request)
    errors: list[dict[str, str]] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        kind = err.get("type", "")
        where = loc[0] if loc else "body"
        path = loc[1:] if where == "body" else loc
        if where == "body":
            name = ".".join([model or "body", *path]) if path else (model or "body")
        else:
            name = ".".join(path[1:]) if len(path) > 1 else where
        if kind == "extra_forbidden":
            detail = "Unknown field."
        elif kind == "missing":
            detail = "Field required."
        elif kind == "json_invalid":
            detail = "The body is not valid JSON."
        elif kind in ("model_attributes_type", "dict_type") and not path:
            detail = "The body must be a JSON object."
        else:
            detail = str(err.get("msg", "Invalid value.")).rstrip(".") + "."
        errors.append({"field": name, "detail": detail})
    first = errors[0] if errors else {"field": model or "body", "detail": "Invalid request."}
    return ValidationFailed(first["detail"], field=first["field"], errors=errors)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CrossdockError)
    async def crossdock_error(request: Request, exc: CrossdockError) -> JSONResponse:
        if isinstance(exc, GiveUp):
            log.error("request failed", error=str(exc), request_id=request_id(request))
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(request, validation_failed(request, exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error: CrossdockError
        if exc.status_code == 404:
            error = NotFound(f"No route {request.url.path}.", field="path")
        elif exc.status_code == 405:
            error = MethodNotAllowed(f"{request.method} is not supported on {request.url.path}.")
        elif exc.status_code == 401:
            error = FixCredentials(str(exc.detail), field="Authorization")
        elif exc.status_code == 403:
            error = Forbidden(str(exc.detail))
        else:
            error = ValidationFailed(str(exc.detail))
            error.status = exc.status_code  # type: ignore[misc]
        return error_response(request, error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", request_id=request_id(request))
        return error_response(request, GiveUp("Internal error."))
