"""``/users``: users and roles, temporary passwords and forced resets."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import select

from crossdock.api.deps import CurrentUser, HubDep, SessionDep
from crossdock.api.history import history_response, record_change
from crossdock.api.listing import list_response
from crossdock.api.models import Identifier, NonEmpty, StrictModel
from crossdock.api.routers.companies import visible_company
from crossdock.api.scope import tenancy
from crossdock.auth.login import revoke_refresh_tokens
from crossdock.auth.passwords import check_temporary_password
from crossdock.auth.roles import NEEDS_SYNCS, Principal, Role
from crossdock.connectors.catalog import ALL_SYNC_TYPES
from crossdock.errors import Conflict, Forbidden, NotFound, ValidationFailed
from crossdock.hub import Hub
from crossdock.mail import queue_email
from crossdock.store import listings
from crossdock.store.base import iso
from crossdock.store.tables import User

router = APIRouter(prefix="/users", tags=["users"])

SecondsString = str


class CreateUserModel(StrictModel):
    agencyId: NonEmpty | None = None
    companyId: NonEmpty | None = None
    email: NonEmpty
    logoUrl: str | None = None
    name: NonEmpty
    passwordExpiresIn: SecondsString | None = None
    role: Role
    sendEmail: bool
    syncs: list[str] | None = None
    temporaryPassword: NonEmpty
    username: Identifier


class UpdateUserModel(StrictModel):
    agencyId: NonEmpty | None = None
    companyId: NonEmpty | None = None
    enabled: bool | None = None
    logoUrl: str | None = None
    name: NonEmpty | None = None
    passwordExpiresIn: SecondsString | None = None
    passwordUpdatedAt: datetime | None = None
    role: Role | None = None
    syncs: list[str] | None = None
    templateId: str | None = None
    username: Identifier
    email: NonEmpty | None = Field(default=None, description="read-only after creation")


def describe(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "agencyId": user.agency_id,
        "companyId": user.company_id,
        "syncs": list(user.syncs or []),
        "enabled": user.enabled,
        "logoUrl": user.logo_url,
        "templateId": user.template_id,
        "passwordExpiresIn": str(user.password_expires_in) if user.password_expires_in else None,
        "passwordUpdatedAt": iso(user.password_updated_at),
        "status": "FORCE_CHANGE_PASSWORD" if user.password_temporary else "CONFIRMED",
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
    }


def visible_user(session: SessionDep, caller: Principal, username: str) -> User:
    user = session.get(User, username)
    if user is None or not (
        caller.username == username
        or caller.sees(agency_id=user.agency_id, company_id=user.company_id)
    ):
        raise NotFound(f"User {username} not found.", field="username")
    return user


def _manageable(caller: Principal, user: User) -> None:
    if caller.username != user.username and not caller.can_create_role(Role(user.role)):
        raise Forbidden("You cannot manage users of a role above yours.", field="username")


def _seconds(value: str | None, field: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) <= 0:
        raise ValidationFailed("Must be a whole number of seconds, as a string.", field=field)
    return int(value)


def _check_syncs(caller: Principal, role: Role, syncs: list[str] | None, model: str) -> list[str]:
    syncs = list(dict.fromkeys(syncs or []))
    if role in NEEDS_SYNCS and not syncs:
        raise ValidationFailed(f"Required for the {role.value} role.", field=f"{model}.syncs")
    for sync in syncs:
        if sync not in ALL_SYNC_TYPES:
            raise ValidationFailed(
                f"Unknown sync type {sync!r}; one of: {', '.join(ALL_SYNC_TYPES)}.",
                field=f"{model}.syncs",
            )
        if not caller.reaches_sync(sync):
            raise Forbidden(f"You cannot grant the {sync!r} sync type.", field=f"{model}.syncs")
    return syncs


def _placement(
    session: SessionDep,
    caller: Principal,
    role: Role,
    agency_id: str | None,
    company_id: str | None,
    model: str,
) -> tuple[str | None, str | None]:
    """The agency and company a user of ``role`` belongs to, checked against the caller."""
    if agency_id and agency_id != caller.agency_id and not caller.may_set("user", "agencyId"):
        raise Forbidden("Your role cannot set agencyId.", field=f"{model}.agencyId")
    if company_id and company_id != caller.company_id and not caller.may_set("user", "companyId"):
        raise Forbidden("Your role cannot set companyId.", field=f"{model}.companyId")
    if not caller.is_operator:
        agency_id = agency_id or caller.agency_id
        company_id = company_id or caller.company_id
    if role == Role.COMPANY:
        if not company_id:
            raise ValidationFailed("Required for the company role.", field=f"{model}.companyId")
        company = visible_company(session, caller, company_id)
        return company.agency_id, company.company_id
    if role in (Role.AGENCY, Role.MANAGER):
        if not agency_id:
            raise ValidationFailed(
                f"Required for the {role.value} role.", field=f"{model}.agencyId"
            )
        return agency_id, None
    return None, None


def _version(session: SessionDep, hub: Hub, caller: Principal, user: User, action: str) -> None:
    record_change(
        session,
        hub,
        caller,
        "user",
        user.username,
        action,
        lambda: describe(user),
        agency_id=user.agency_id,
        company_id=user.company_id,
    )


@router.post("", status_code=201, summary="Add a user")
def create_user(
    body: CreateUserModel, session: SessionDep, hub: HubDep, caller: CurrentUser
) -> dict[str, Any]:
    model = "CreateUserModel"
    if not caller.can_create_role(body.role):
        raise Forbidden(
            f"You can only create users of your role ({caller.role.value}) or lower.",
            field=f"{model}.role",
        )
    if session.get(User, body.username) is not None:
        raise Conflict("A user with this username already exists.", field=f"{model}.username")
    check_temporary_password(body.temporaryPassword, field=f"{model}.temporaryPassword")
    agency_id, company_id = _placement(
        session, caller, body.role, body.agencyId, body.companyId, model
    )
    now = hub.clock()
    user = User(
        username=body.username,
        email=body.email,
        name=body.name,
        role=body.role.value,
        agency_id=agency_id,
        company_id=company_id,
        syncs=_check_syncs(caller, body.role, body.syncs, model),
        enabled=True,
        logo_url=body.logoUrl,
        password_hash=hub.passwords.hash(body.temporaryPassword),
        password_temporary=True,
        password_updated_at=None,
        password_expires_in=_seconds(body.passwordExpiresIn, f"{model}.passwordExpiresIn"),
        created_by=caller.username,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    if body.sendEmail:
        queue_email(
            session,
            recipient=body.email,
            subject="Your Crossdock account",
            body=(
                f"Hello {body.name},\n\nAn account was created for you on Crossdock.\n"
                f"Username: {body.username}\nTemporary password: {body.temporaryPassword}\n\n"
                "You will be asked to choose a new password when you first log in.\n"
            ),
            at=now,
        )
    _version(session, hub, caller, user, "create")
    return describe(user)


@router.get("", summary="List users")
def list_users(request: Request, session: SessionDep, caller: CurrentUser) -> JSONResponse:
    return list_response(
        session,
        listings.users(),
        select(User),
        request,
        describe,
        tenancy(caller, User.agency_id, User.company_id),
    )


@router.get("/{username}", summary="Get a user")
def get_user(username: str, session: SessionDep, caller: CurrentUser) -> dict[str, Any]:
    return describe(visible_user(session, caller, username))


@router.put("/{username}", summary="Update a user")
def update_user(
    username: str, body: UpdateUserModel, session: SessionDep, hub: HubDep, caller: CurrentUser
) -> dict[str, Any]:
    model = "UpdateUserModel"
    if body.username != username:
        raise ValidationFailed("Must match the username in the path.", field=f"{model}.username")
    user = visible_user(session, caller, username)
    _manageable(caller, user)
    fields = body.model_dump(exclude_unset=True, exclude={"username"})
    if "email" in fields and fields["email"] != user.email:
        raise ValidationFailed("The email cannot be changed.", field=f"{model}.email")
    role = Role(fields["role"]) if fields.get("role") else Role(user.role)
    role_changed = role != Role(user.role)
    if role_changed:
        if caller.username == username:
            raise Forbidden("You cannot change your own role.", field=f"{model}.role")
        if not caller.can_create_role(role):
            raise Forbidden("You cannot give a role above yours.", field=f"{model}.role")
    if "passwordUpdatedAt" in fields and not caller.may_set("user", "passwordUpdatedAt"):
        raise Forbidden(
            "Your role cannot set passwordUpdatedAt.", field=f"{model}.passwordUpdatedAt"
        )
    placement_changes = {"agencyId", "companyId", "role"} & fields.keys()
    if placement_changes:
        user.agency_id, user.company_id = _placement(
            session,
            caller,
            role,
            fields.get("agencyId", user.agency_id),
            fields.get("companyId", user.company_id),
            model,
        )
    user.role = role.value
    if "syncs" in fields or role_changed or placement_changes:
        user.syncs = _check_syncs(caller, role, fields.get("syncs", user.syncs), model)
    if "enabled" in fields and fields["enabled"] is not None:
        if caller.username == username and not fields["enabled"]:
            raise Forbidden("You cannot disable yourself.", field=f"{model}.enabled")
        user.enabled = fields["enabled"]
        if not user.enabled:
            revoke_refresh_tokens(session, username, hub.clock())
    for attribute, column in (
        ("name", "name"),
        ("logoUrl", "logo_url"),
        ("templateId", "template_id"),
        ("passwordUpdatedAt", "password_updated_at"),
    ):
        if attribute in fields:
            if attribute == "name" and fields[attribute] is None:
                raise ValidationFailed("Field cannot be null.", field=f"{model}.name")
            setattr(user, column, fields[attribute])
    if "passwordExpiresIn" in fields:
        user.password_expires_in = _seconds(
            fields["passwordExpiresIn"], f"{model}.passwordExpiresIn"
        )
    user.updated_at = hub.clock()
    session.flush()
    _version(session, hub, caller, user, "update")
    return describe(user)


@router.delete("/{username}", status_code=204, summary="Delete a user")
def delete_user(username: str, session: SessionDep, hub: HubDep, caller: CurrentUser) -> Response:
    user = visible_user(session, caller, username)
    if caller.username == username:
        raise Conflict("You cannot delete yourself.", field="username")
    _manageable(caller, user)
    revoke_refresh_tokens(session, username, hub.clock())
    _version(session, hub, caller, user, "delete")
    session.delete(user)
    return Response(status_code=204)


@router.post("/{username}/password/reset", summary="Force reset a user password")
def reset_password(
    username: str, session: SessionDep, hub: HubDep, caller: CurrentUser
) -> dict[str, Any]:
    user = visible_user(session, caller, username)
    _manageable(caller, user)
    temporary = secrets.token_urlsafe(12)
    now = hub.clock()
    user.password_hash = hub.passwords.hash(temporary)
    user.password_temporary = True
    user.password_updated_at = now
    user.updated_at = now
    revoke_refresh_tokens(session, username, now)
    queue_email(
        session,
        recipient=user.email,
        subject="Your Crossdock password was reset",
        body=(
            f"Hello {user.name},\n\nYour password was reset by {caller.username}.\n"
            f"Username: {user.username}\nTemporary password: {temporary}\n\n"
            "You will be asked to choose a new password when you next log in.\n"
        ),
        at=now,
    )
    _version(session, hub, caller, user, "update")
    return {
        "username": user.username,
        "status": "FORCE_CHANGE_PASSWORD",
        "temporaryPassword": temporary,
    }


@router.get("/{username}/history", summary="Get the change history of a user")
def user_history(
    username: str, request: Request, session: SessionDep, caller: CurrentUser
) -> JSONResponse:
    return history_response(session, request, caller, "user", username)
