"""Logging in, refreshing tokens and answering the new-password challenge.

Each function runs inside a caller-owned session. Failed attempts are counted per username;
past ``login_max_failures`` within the lockout window the username is locked for
``login_lockout_seconds`` (429 with ``Retry-After``), whatever password is tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from crossdock.auth.passwords import check_new_password
from crossdock.auth.tokens import IssuedTokens, digest, new_opaque_token
from crossdock.errors import FixCredentials, FixRequest, Throttled
from crossdock.hub import Hub
from crossdock.store.tables import AppClient, AuthChallenge, LoginFailure, RefreshToken, User

NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"


@dataclass(frozen=True)
class LoginResult:
    tokens: IssuedTokens | None = None
    refresh_token: str | None = None
    challenge_session: str | None = None
    username: str | None = None

    def body(self) -> dict[str, Any]:
        if self.challenge_session is not None:
            return {
                "ChallengeName": NEW_PASSWORD_REQUIRED,
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": self.username,
                    "requiredAttributes": "[]",
                    "userAttributes": "{}",
                },
                "Session": self.challenge_session,
                "Tokens": None,
            }
        assert self.tokens is not None
        return {
            "ChallengeName": None,
            "ChallengeParameters": None,
            "Session": None,
            "Tokens": {
                "AccessToken": self.tokens.access_token,
                "ExpiresIn": self.tokens.expires_in,
                "IdToken": self.tokens.id_token,
                "RefreshToken": self.refresh_token,
                "TokenType": "Bearer",
            },
        }


def require_client(session: Session, client_id: str) -> AppClient:
    client = session.get(AppClient, client_id)
    if client is None or not client.enabled:
        raise FixRequest("Unknown or disabled app client.", field="clientId")
    return client


def check_lockout(session: Session, username: str, now: datetime) -> None:
    row = session.get(LoginFailure, username)
    if row and row.locked_until and row.locked_until > now:
        wait = int((row.locked_until - now).total_seconds()) + 1
        raise Throttled(
            "Too many failed logins for this user; try again later.",
            field="username",
            headers={"Retry-After": str(wait)},
        )


def record_failure(hub: Hub, username: str) -> None:
    """Count a failed attempt in a transaction of its own, so the refusal cannot roll it back."""
    now = hub.clock()
    window = timedelta(seconds=hub.settings.login_lockout_seconds)
    with hub.transaction() as session:
        row = session.get(LoginFailure, username, with_for_update=True)
        if row is None:
            row = LoginFailure(username=username, failures=0, window_start=now)
            session.add(row)
        if now - row.window_start > window:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= hub.settings.login_max_failures:
            row.locked_until = now + window


def clear_failures(session: Session, username: str) -> None:
    row = session.get(LoginFailure, username)
    if row is not None:
        session.delete(row)


def password_expired(user: User, now: datetime) -> bool:
    if user.password_temporary:
        return True
    if user.password_expires_in and user.password_updated_at:
        return now >= user.password_updated_at + timedelta(seconds=user.password_expires_in)
    return False


def authenticate(
    session: Session, hub: Hub, *, client_id: str, username: str, password: str
) -> User:
    """The user, if the password is right; raises otherwise (caller records the failure)."""
    now = hub.clock()
    require_client(session, client_id)
    check_lockout(session, username, now)
    user = session.get(User, username)
    if user is None or not hub.passwords.verify(user.password_hash, password):
        raise FixCredentials("Incorrect username or password.", field="password")
    if not user.enabled:
        raise FixCredentials("User is disabled.", field="username")
    return user


def start_session(session: Session, hub: Hub, user: User, client_id: str) -> LoginResult:
    """Tokens for a user who proved their password, or a challenge if it must change first."""
    now = hub.clock()
    clear_failures(session, user.username)
    if password_expired(user, now):
        token = new_opaque_token()
        session.add(
            AuthChallenge(
                session_hash=digest(token),
                username=user.username,
                client_id=client_id,
                expires_at=now + timedelta(seconds=hub.settings.challenge_ttl),
            )
        )
        return LoginResult(challenge_session=token, username=user.username)
    return issue(session, hub, user, client_id)


def issue(
    session: Session, hub: Hub, user: User, client_id: str, refresh: str | None = None
) -> LoginResult:
    now = hub.clock()
    claims = {
        "role": user.role,
        "agencyId": user.agency_id,
        "companyId": user.company_id,
        "email": user.email,
    }
    tokens = hub.signer.issue(username=user.username, client_id=client_id, claims=claims, now=now)
    if refresh is None:
        refresh = new_opaque_token()
        session.add(
            RefreshToken(
                token_hash=digest(refresh),
                username=user.username,
                client_id=client_id,
                created_at=now,
                expires_at=now + timedelta(seconds=hub.settings.refresh_token_ttl),
            )
        )
    return LoginResult(tokens=tokens, refresh_token=refresh)


def refresh(session: Session, hub: Hub, *, client_id: str, refresh_token: str) -> LoginResult:
    now = hub.clock()
    require_client(session, client_id)
    row = session.get(RefreshToken, digest(refresh_token))
    if row is None or row.client_id != client_id or row.revoked_at or row.expires_at <= now:
        raise FixCredentials("Invalid or expired refresh token.", field="refreshToken")
    user = session.get(User, row.username)
    if user is None or not user.enabled:
        raise FixCredentials("User is disabled.", field="refreshToken")
    return issue(session, hub, user, client_id, refresh=refresh_token)


def answer_challenge(
    session: Session, hub: Hub, *, client_id: str, username: str, token: str, new_password: str
) -> LoginResult:
    now = hub.clock()
    require_client(session, client_id)
    challenge = session.get(AuthChallenge, digest(token))
    if (
        challenge is None
        or challenge.username != username
        or challenge.client_id != client_id
        or challenge.expires_at <= now
    ):
        raise FixCredentials("Invalid session for the user, session is expired.", field="session")
    user = session.get(User, username)
    if user is None or not user.enabled:
        raise FixCredentials("User is disabled.", field="username")
    check_new_password(new_password, username=username, field="newPassword")
    if hub.passwords.verify(user.password_hash, new_password):
        raise FixRequest("The new password must differ from the old one.", field="newPassword")
    user.password_hash = hub.passwords.hash(new_password)
    user.password_temporary = False
    user.password_updated_at = now
    session.delete(challenge)
    return issue(session, hub, user, client_id)


def revoke_refresh_tokens(session: Session, username: str, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.username == username, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
