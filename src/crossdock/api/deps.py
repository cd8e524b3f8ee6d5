"""Request dependencies: the hub, a transaction-scoped session, and the current user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from crossdock.auth.roles import Principal, Role
from crossdock.auth.tokens import bearer_value
from crossdock.errors import FixCredentials, Forbidden
from crossdock.hub import Hub
from crossdock.store.tables import User


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


def get_session(hub: HubDep) -> Iterator[Session]:
    """One transaction per request: committed when the endpoint returns, else rolled back."""
    with hub.sessions.begin() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(request: Request, hub: HubDep, session: SessionDep) -> Principal:
    token = bearer_value(request.headers.get("authorization"))
    claims = hub.signer.verify_id_token(token, now=hub.clock())
    user = session.get(User, claims["sub"])
    if user is None or not user.enabled:
        raise FixCredentials(
            "The user of this token no longer exists or is disabled.", field="Authorization"
        )
    if user.password_updated_at and claims["iat"] < int(user.password_updated_at.timestamp()):
        raise FixCredentials(
            "The password changed after this token was issued.", field="Authorization"
        )
    principal = Principal(
        username=user.username,
        role=Role(user.role),
        agency_id=user.agency_id,
        company_id=user.company_id,
        syncs=frozenset(user.syncs or ()),
    )
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


def require_operator(user: CurrentUser) -> Principal:
    if not user.is_operator:
        raise Forbidden("Only admin and staff users may do this.")
    return user


OperatorUser = Annotated[Principal, Depends(require_operator)]
