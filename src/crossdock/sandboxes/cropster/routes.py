"""The HTTP surface: the OAuth token endpoint and the POST-only RPC endpoints under ``/rpc/v1``.

Deviations from the real service: both live on one host (Cropster serves tokens from
``auth.cropster.com`` and the API from ``api.cropster.com``), plain HTTP is accepted, and the
rate limit applies to the RPC endpoints only.

An RPC request is checked in this order: the method exists (400 for a path that is not
``{domain}.{subdomain}.{operation}``, 404 for an unknown method, 405 for any verb but POST),
the bearer token (401), the rate limit (429), the method's scope (403), the Content-Type
(400), then the body (400/422) and the business rules (404/422).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import parse_qsl, unquote

from fastapi import FastAPI, Request
from fastapi.responses import Response

from crossdock.sandboxes.base import Clock, Sandbox, install_sandbox
from crossdock.sandboxes.cropster.config import CropsterConfig
from crossdock.sandboxes.cropster.errors import (
    TOKEN_PATH,
    CropsterError,
    OAuthError,
    install_error_handlers,
    invalid,
    not_found,
)
from crossdock.sandboxes.cropster.methods import METHODS, Method
from crossdock.sandboxes.cropster.params import parse_body
from crossdock.sandboxes.cropster.state import RPC_BASE, CropsterState

_METHOD_NAME = re.compile(r"[A-Za-z]+\.[A-Za-z]+\.[A-Za-z]+")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def create_app(config: CropsterConfig | None = None) -> FastAPI:
    """A Cropster sandbox with its seed data, control API and fault injection."""
    state = CropsterState(config or CropsterConfig(), Clock())
    app = FastAPI(title="Cropster sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)
    add_routes(app, state)
    return install_sandbox(app, Sandbox(state))


def add_routes(app: FastAPI, state: CropsterState) -> None:
    async def token(request: Request) -> Response:
        if _media_type(request) != "application/x-www-form-urlencoded":
            raise OAuthError(
                "invalid_request", "the token request must be application/x-www-form-urlencoded"
            )
        form = _form(await request.body())
        client_id, client_secret = _client(request.headers.get("authorization"), form)
        with state.lock:
            payload = state.auth.grant(
                form.get("grant_type"), client_id, client_secret, form.get("scope")
            )
        return Response(json.dumps(payload), media_type="application/json", headers=_NO_STORE)

    async def rpc(request: Request) -> Response:
        method = _resolve(request.path_params["method"])
        with state.lock:
            access = state.auth.authenticate(request.headers.get("authorization"))
            state.auth.throttle(access.client_id)
        if method.scope not in access.scopes:
            raise CropsterError(403, "access_denied", f"this method needs the {method.scope} scope")
        if _media_type(request) != "application/json":
            raise invalid("the Content-Type must be application/json")
        body = parse_body(await request.body())
        with state.lock:
            content = method.run(state, body)
        return Response(content, media_type="application/json")

    # Plain Starlette routes: the endpoints read their own bodies, so FastAPI's dependency
    # and validation machinery would only add time to every page served.
    app.add_route(TOKEN_PATH, token, methods=["POST"])
    app.add_route(RPC_BASE + "/{method}", rpc, methods=["POST"])


def _resolve(name: str) -> Method:
    method = METHODS.get(name)
    if method is not None:
        return method
    if not _METHOD_NAME.fullmatch(name):
        raise invalid(f"malformed URL: {name!r} is not {{domain}}.{{subdomain}}.{{operation}}")
    raise not_found(f"no such method: {name}")


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _form(raw: bytes) -> dict[str, str]:
    """A token request's form fields; RFC 6749 forbids sending one twice."""
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, strict_parsing=bool(raw))
    except ValueError:
        raise OAuthError("invalid_request", "the form body is malformed") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise OAuthError("invalid_request", f"{key} is given more than once")
        form[key] = value
    return form


def _client(authorization: str | None, form: dict[str, str]) -> tuple[str, str]:
    """Client id and secret from HTTP Basic (RFC 6749 2.3.1) or, as Cropster shows, the form."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return form.get("client_id", ""), form.get("client_secret", "")
    if "client_secret" in form:
        raise OAuthError("invalid_request", "use one client authentication method, not two")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "the Basic credentials are malformed", 401) from None
    client_id, _, client_secret = decoded.partition(":")
    return unquote(client_id), unquote(client_secret)
