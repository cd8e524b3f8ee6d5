"""``/auth``: login, token refresh, and the new-password challenge (our addition)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from crossdock.api.deps import HubDep
from crossdock.api.models import NonEmpty, StrictModel
from crossdock.auth import login
from crossdock.errors import FixCredentials

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginModel(StrictModel):
    clientId: NonEmpty
    username: NonEmpty
    password: NonEmpty


class RefreshModel(StrictModel):
    clientId: NonEmpty
    refreshToken: NonEmpty


class ChallengeModel(StrictModel):
    clientId: NonEmpty
    username: NonEmpty
    session: NonEmpty
    newPassword: NonEmpty


@router.post("/login", summary="Log in for an IdToken")
def post_login(body: LoginModel, hub: HubDep) -> dict[str, Any]:
    try:
        with hub.transaction() as session:
            user = login.authenticate(
                session,
                hub,
                client_id=body.clientId,
                username=body.username,
                password=body.password,
            )
            return login.start_session(session, hub, user, body.clientId).body()
    except FixCredentials:
        login.record_failure(hub, body.username)
        raise


@router.post("/token/refresh", summary="Refresh an IdToken")
def post_refresh(body: RefreshModel, hub: HubDep) -> dict[str, Any]:
    with hub.transaction() as session:
        return login.refresh(
            session, hub, client_id=body.clientId, refresh_token=body.refreshToken
        ).body()


@router.post("/challenge", summary="Answer NEW_PASSWORD_REQUIRED with a new password")
def post_challenge(body: ChallengeModel, hub: HubDep) -> dict[str, Any]:
    with hub.transaction() as session:
        return login.answer_challenge(
            session,
            hub,
            client_id=body.clientId,
            username=body.username,
            token=body.session,
            new_password=body.newPassword,
        ).body()
