"""Who may call: API users and their bearer tokens, and the customer interface's device tokens.

Enterprise bearer tokens live ``lifetime`` seconds (7 hours by default) on the sandbox clock;
device tokens never expire, but a new token for the same device and external application
replaces the old one. Logging a customer in to a device token is the customers' business
(``state.CareCloudState.customer_login``): this module only holds the token.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crossdock.sandboxes.base import Clock
from crossdock.sandboxes.carecloud.errors import CareCloudError, InvalidParam, invalid, not_found
from crossdock.sandboxes.carecloud.validation import Problems, required_string, section, string


@dataclass
class ApiUser:
    user_id: str
    login: str
    password: str
    first_name: str
    last_name: str
    email: str
    phone: str
    store_id: str
    role_ids: list[str] = field(default_factory=list)
    last_login: str | None = None

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "user_id": self.user_id,
            "login": self.login,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "user_role_ids": self.role_ids,
            "store_id": self.store_id,
        }
        if self.last_login is not None:
            doc["last_login"] = self.last_login
        return doc


@dataclass
class Session:
    """An enterprise bearer token."""

    token: str
    login: str
    expires_at: float
    valid_to: str


@dataclass
class DeviceToken:
    """A customer-interface token: one per (device, application), optionally logged in."""

    token_id: str
    application_id: str
    device: dict[str, Any]
    setup: dict[str, Any]
    push_token: str | None = None
    customer_id: str | None = None


class Accounts:
    """The API users, their sessions and the device tokens of one sandbox world."""

    def __init__(
        self,
        clock: Clock,
        local_time: Callable[[float], str],
        application_id: str,
        customer_application_id: str | None,
        lifetime: float,
        user: ApiUser,
    ) -> None:
        self.clock = clock
        self.local_time = local_time
        self.application_id = application_id
        self.customer_application_ids = {application_id}
        if customer_application_id:
            self.customer_application_ids.add(customer_application_id)
        self.lifetime = lifetime
        self.users = {user.login: user}
        self.sessions: dict[str, Session] = {}
        self.device_tokens: dict[str, DeviceToken] = {}
        self.devices: dict[tuple[str, str], str] = {}

    def expire(self) -> int:
        """Expire every bearer token now and end every device token; returns how many."""
        now = self.clock.time()
        live = [s for s in self.sessions.values() if s.expires_at > now]
        for session in live:
            session.expires_at = now
            session.valid_to = self.local_time(now)
        count = len(live) + len(self.device_tokens)
        self.device_tokens.clear()
        self.devices.clear()
        return count

    def user_login(self, body: dict[str, Any]) -> dict[str, Any]:
        problems = Problems()
        app_id = required_string(
            problems, body, "user_external_application_id", "user_external_application_id"
        )
        login = required_string(problems, body, "login", "login")
        secret = required_string(problems, body, "password", "password")
        problems.raise_if_any()
        if app_id != self.application_id:
            raise invalid(InvalidParam("user_external_application_id", "not_found", app_id))
        user = self.users.get(login)
        if user is None or not hmac.compare_digest(user.password.encode(), secret.encode()):
            # The spec lists no 401 for this operation: bad credentials are a bad parameter.
            raise invalid(InvalidParam(["login", "password"], "not_allowed_value", login))
        session = self.new_session(user)
        user.last_login = self.local_time(self.clock.time())
        return {
            "bearer_token": session.token,
            "valid_to": session.valid_to,
            "user": user.document(),
        }

    def user_logout(self, session: Session, body: dict[str, Any]) -> None:
        problems = Problems()
        app_id = required_string(
            problems, body, "user_external_application_id", "user_external_application_id"
        )
        token = required_string(problems, body, "bearer_token", "bearer_token")
        problems.raise_if_any()
        if app_id != self.application_id:
            raise invalid(InvalidParam("user_external_application_id", "not_found", app_id))
        if token not in self.sessions:
            raise invalid(InvalidParam("bearer_token", "not_found", token))
        del self.sessions[token]

    def new_session(self, user: ApiUser) -> Session:
        expires_at = self.clock.time() + self.lifetime
        session = Session(
            secrets.token_hex(20), user.login, expires_at, self.local_time(expires_at)
        )
        self.sessions[session.token] = session
        return session

    def session_for(self, authorization: str | None) -> Session:
        token = _bearer(authorization)
        session = self.sessions.get(token) if token else None
        if session is None:
            raise CareCloudError(401, "unauthorized")
        if self.clock.time() >= session.expires_at:
            raise CareCloudError(401, "token_expired", valid_to=session.valid_to)
        return session

    def create_token(self, body: dict[str, Any]) -> DeviceToken:
        problems = Problems()
        if body.get("device") is None:
            problems.add("device", "required")
        device = section(problems, body, "device", "device")
        for key in ("device_id", "device_system", "device_name", "device_type"):
            required_string(problems, device, key, f"device.{key}")
        if body.get("setup") is None:
            problems.add("setup", "required")
        setup = section(problems, body, "setup", "setup")
        required_string(problems, setup, "language_id", "setup.language_id")
        for key in ("allowed_gps", "allowed_notifications"):
            if setup and key not in setup:
                problems.add(f"setup.{key}", "required")
            elif key in setup and not isinstance(setup[key], bool):
                problems.add(f"setup.{key}", "invalid_value_format", setup[key])
        app_id = required_string(
            problems, body, "external_application_id", "external_application_id"
        )
        push_token = string(problems, body, "push_token", "push_token")
        problems.raise_if_any()
        if app_id not in self.customer_application_ids:
            raise invalid(InvalidParam("external_application_id", "not_found", app_id))
        return self.new_device_token(app_id, device, setup, push_token)

    def new_device_token(
        self, app_id: str, device: dict[str, Any], setup: dict[str, Any], push: str | None
    ) -> DeviceToken:
        key = (str(device["device_id"]), app_id)
        previous = self.devices.get(key)
        if previous is not None:
            # One live token per device and application: the new one replaces the old.
            self.device_tokens.pop(previous, None)
        token = DeviceToken(secrets.token_hex(36), app_id, dict(device), dict(setup), push)
        self.device_tokens[token.token_id] = token
        self.devices[key] = token.token_id
        return token

    def device_token_for(self, authorization: str | None) -> DeviceToken:
        token_id = _bearer(authorization)
        token = self.device_tokens.get(token_id) if token_id else None
        if token is None:
            raise CareCloudError(401, "unauthorized")
        return token

    def path_token(self, caller: DeviceToken, token_id: str) -> DeviceToken:
        if token_id not in self.device_tokens:
            raise not_found("tokens", token_id)
        if token_id != caller.token_id:
            raise CareCloudError(403, "token_mismatch")
        return caller


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
