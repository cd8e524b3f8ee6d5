"""CareCloud's error format in one place: the error type, its JSON body, and the app's handlers.

Every error is ``{"error": {"type", "exception", "title", "detail", "error_data"}}``. The spec's
only concrete example puts the machine-readable code in ``type``
(``interface_not_allowed_exception``), so the sandbox does the same for every error and puts
the matching class-style name in ``exception`` ("content of the exception" in the spec).
Titles and details follow ``Accept-Language``; ``type``, ``exception`` and ``reason`` codes
never change with the language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from crossdock.sandboxes.carecloud import i18n
from crossdock.sandboxes.carecloud.models import dumps

# The machine-readable ``type`` of each error kind.
TYPES = {
    "invalid_parameters": "invalid_parameters_exception",
    "unauthorized": "unauthorized_exception",
    "token_expired": "token_expired_exception",
    "invalid_customer_credentials": "invalid_credentials_exception",
    "interface_not_allowed": "interface_not_allowed_exception",
    "customer_not_logged_in": "customer_not_logged_in_exception",
    "token_mismatch": "forbidden_exception",
    "not_found": "not_found_exception",
    "route_not_found": "not_found_exception",
    "method_not_allowed": "method_not_allowed_exception",
    "not_emulated": "not_implemented_exception",
    "too_many_requests": "too_many_requests_exception",
    "internal_server_error": "internal_server_error_exception",
    "service_unavailable": "service_unavailable_exception",
    "http_error": "http_error_exception",
}
_KIND_OF_STATUS = {
    429: "too_many_requests",
    500: "internal_server_error",
    503: "service_unavailable",
}


@dataclass(frozen=True)
class InvalidParam:
    """One entry of ``error_data.invalid_params``; ``name`` may list several fields."""

    name: str | list[str]
    reason: str
    value: Any = ""


class CareCloudError(Exception):
    """An error answered in CareCloud's format; ``args`` fill the localized title/detail."""

    def __init__(
        self,
        status: int,
        kind: str,
        *,
        error_data: dict[str, Any] | None = None,
        invalid_params: list[InvalidParam] | None = None,
        headers: dict[str, str] | None = None,
        **args: Any,
    ) -> None:
        super().__init__(f"{status} {kind}")
        self.status = status
        self.kind = kind
        self.error_data = error_data or {}
        self.invalid_params = invalid_params or []
        self.headers = headers or {}
        self.args_ = args

    def body(self, language: str) -> dict[str, Any]:
        args = dict(self.args_)
        if self.invalid_params:
            args.setdefault("names", ", ".join(_name(p.name) for p in self.invalid_params))
        title, detail = i18n.message(self.kind, language, status=self.status, **args)
        error_data = dict(self.error_data)
        if self.invalid_params:
            error_data["invalid_params"] = [
                {
                    "name": p.name,
                    "reason": p.reason,
                    "value": _as_text(p.value),
                    "message": i18n.reason_message(p.reason, language),
                }
                for p in self.invalid_params
            ]
        error_type = TYPES[self.kind]
        return {
            "error": {
                "type": error_type,
                "exception": _class_name(error_type),
                "title": title,
                "detail": detail,
                "error_data": error_data,
            }
        }

    def response(self, language: str) -> Response:
        body = dumps(self.body(language))
        headers = {"content-language": language, **self.headers}
        return Response(body, self.status, headers, media_type="application/json")


def invalid(*params: InvalidParam) -> CareCloudError:
    return CareCloudError(400, "invalid_parameters", invalid_params=list(params))


def not_found(resource: str, resource_id: str) -> CareCloudError:
    return CareCloudError(
        404,
        "not_found",
        error_data={"resource_name": resource, "resource_id": resource_id},
        resource=resource,
        resource_id=resource_id,
    )


def status_error(status: int) -> CareCloudError:
    """The error for a bare status (injected faults, framework HTTP errors)."""
    return CareCloudError(status, _KIND_OF_STATUS.get(status, "http_error"))


def _name(name: str | list[str]) -> str:
    return name if isinstance(name, str) else "+".join(name)


def _as_text(value: Any) -> str:
    """``value`` is a string in the spec; echo what the client sent, shortened."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except ValueError:  # e.g. an int past Python's digit limit
            text = "<unprintable>"
    return text if len(text) <= 200 else text[:197] + "..."


def _class_name(error_type: str) -> str:
    return "".join(part.capitalize() for part in error_type.split("_"))


def language_of(request: Request) -> str:
    return i18n.negotiate(request.headers.get("accept-language"))


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error, the framework's own included, in CareCloud's format."""
    from crossdock.sandboxes.carecloud.paths import classify

    async def carecloud_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CareCloudError)
        return exc.response(language_of(request))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405):
            error = classify(request.method, request.url.path)
        else:
            error = status_error(exc.status_code)
        return error.response(language_of(request))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        params = [
            InvalidParam(".".join(str(p) for p in e.get("loc", ())[1:]), "invalid_value_format")
            for e in exc.errors()
        ]
        return invalid(*params).response(language_of(request))

    async def unexpected(request: Request, exc: Exception) -> Response:
        return status_error(500).response(language_of(request))

    app.add_exception_handler(CareCloudError, carecloud_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)
