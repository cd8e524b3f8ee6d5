"""Who is calling: the bearer token, the tenant it may act for, and what its roles allow.

Checks run in this order, each failing with CRO's error format:

1. ``Authorization: bearer <token>`` missing, malformed, unknown or expired: 401.
2. ``x-api-version`` not one of CRO's versions: 400.
3. ``x-tenant-id`` missing or not an integer: 400.
4. the token is not assigned to that tenant: 403.
5. none of the token's roles may use the endpoint: 403.

Roles are CRO's own names. Reads are open to the roles CRO lists on its read endpoints; writes
to ``Dispatcher`` only, as CRO documents; field visibility is the sandbox's choice (documented
in docs/sandboxes/cro.md): only Admin, CrmUser and Dispatcher see sales and billing fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from starlette.requests import Request

from crossdock.sandboxes.cro.errors import CroError
from crossdock.sandboxes.cro.records import API_VERSIONS, DEFAULT_API_VERSION, id_key

if TYPE_CHECKING:
    from crossdock.sandboxes.cro.state import CroState

READ_ROLES = frozenset(
    {
        "Admin",
        "ClientCustomer",
        "CrmUser",
        "Dispatcher",
        "Driver",
        "ThirdPartyDispatcher",
        "ThirdPartyDriver",
    }
)
WRITE_ROLES = frozenset({"Dispatcher"})
FULL_VIEW_ROLES = frozenset({"Admin", "CrmUser", "Dispatcher"})
ALL_ROLES = READ_ROLES | {"Public", "ThirdPartyAdmin", "ThirdPartyCrmUser"}
DEFAULT_ROLES = ("Admin", "Dispatcher")

HEADERS_MODEL = "StandardRequestHeadersModel"
AUTH_FIELD = f"{HEADERS_MODEL}.authorization"
BEARER = re.compile(r"^bearer ([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.?[A-Za-z0-9\-_.+/=]*)$", re.I)
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_.+/=]*$")
MAX_AUTHORIZATION = 256

Access = Literal["read", "write"]


@dataclass(frozen=True)
class Caller:
    """An authenticated request: its tenant, its roles and the API version it speaks."""

    tenant_id: int
    roles: frozenset[str]
    api_version: str

    @property
    def full_view(self) -> bool:
        return bool(self.roles & FULL_VIEW_ROLES)

    @property
    def id_key(self) -> str:
        return id_key(self.api_version)


def authenticate(request: Request, state: CroState, access: Access) -> Caller:
    headers = request.headers
    token = _bearer_token(headers.get("authorization"))
    api_version = _api_version(headers.get("x-api-version"))
    request.state.cro_api_version = api_version
    tenant_id = _tenant_id(headers.get("x-tenant-id"))
    with state.lock:
        grant = state.grant_for(token)
    if grant is None:
        raise CroError(401, "Invalid access token.", AUTH_FIELD)
    if grant.expired(state.clock.time()):
        raise CroError(401, "Access token expired.", AUTH_FIELD)
    if tenant_id not in grant.tenants:
        raise CroError(
            403,
            f"Access to tenant {tenant_id} is not granted to this access token.",
            f"{HEADERS_MODEL}.x-tenant-id",
        )
    allowed = WRITE_ROLES if access == "write" else READ_ROLES
    if not grant.roles & allowed:
        roles = ", ".join(sorted(grant.roles)) or "none"
        raise CroError(
            403,
            f"Role(s) {roles} may not {request.method} {_template(request)}.",
            AUTH_FIELD,
        )
    return Caller(tenant_id=tenant_id, roles=grant.roles, api_version=api_version)


def _bearer_token(value: str | None) -> str:
    if not value:
        raise CroError(401, "Missing data for required field.", AUTH_FIELD)
    if len(value) > MAX_AUTHORIZATION:
        raise CroError(401, f"Longer than maximum length {MAX_AUTHORIZATION}.", AUTH_FIELD)
    match = BEARER.match(value.strip())
    if match is None:
        raise CroError(401, "Expected 'bearer <access token>'.", AUTH_FIELD)
    return match.group(1)


def _api_version(value: str | None) -> str:
    if value is None:
        return DEFAULT_API_VERSION
    version = value.strip()
    if version not in API_VERSIONS:
        raise CroError(
            400,
            f"Must be a valid API version string ({', '.join(API_VERSIONS)}).",
            f"{HEADERS_MODEL}.x-api-version",
        )
    return version


def _tenant_id(value: str | None) -> int:
    field = f"{HEADERS_MODEL}.x-tenant-id"
    if value is None or not value.strip():
        raise CroError(400, "Missing data for required field.", field)
    try:
        tenant_id = int(value.strip())
    except ValueError:
        raise CroError(400, "Not a valid integer.", field) from None
    if not 1 <= tenant_id <= 2_147_483_647:
        raise CroError(400, "Not a valid tenant identifier.", field)
    return tenant_id


def _template(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return path.rstrip("/") if isinstance(path, str) else request.url.path
