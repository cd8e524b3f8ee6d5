"""First start: with no users yet, create the bootstrap admin and a default app client."""

from __future__ import annotations

import secrets

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossdock.auth.roles import Role
from crossdock.hub import Hub
from crossdock.store.history import record_version
from crossdock.store.tables import AppClient, User

log = structlog.get_logger("crossdock.bootstrap")


def new_client_id() -> str:
    """App client ids look like the platform's: 26 lower-case letters and digits."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(26))


def create_client(session: Session, name: str, client_id: str | None = None) -> AppClient:
    client = AppClient(client_id=client_id or new_client_id(), name=name, enabled=True)
    session.add(client)
    session.flush()
    return client


def add_user(
    session: Session,
    hub: Hub,
    *,
    username: str,
    password: str,
    role: Role,
    name: str,
    agency_id: str | None = None,
    company_id: str | None = None,
    syncs: tuple[str, ...] = (),
    actor: str | None = None,
) -> User:
    """A user with a password they chose (no first-login challenge), and its first version.

    For the operator's console (bootstrap, recovery, the demo); the API creates users through
    ``POST /users`` with a temporary password instead.
    """
    now = hub.clock()
    user = User(
        username=username,
        email=username,
        name=name,
        role=role.value,
        agency_id=agency_id,
        company_id=company_id,
        syncs=list(syncs),
        enabled=True,
        password_hash=hub.passwords.hash(password),
        password_temporary=False,
        password_updated_at=now,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    record_version(
        session,
        "user",
        username,
        "create",
        actor=actor,
        state={"username": username, "role": role.value},
        at=now,
        agency_id=agency_id,
        company_id=company_id,
    )
    return user


def bootstrap(hub: Hub) -> AppClient | None:
    """Create the admin named by ``CROSSDOCK_BOOTSTRAP_ADMIN`` if the hub has no users yet.

    Returns the default app client it created (or found), else None.
    """
    spec = hub.settings.bootstrap_admin
    with hub.transaction() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
        if not spec:
            log.warning(
                "no users yet: set CROSSDOCK_BOOTSTRAP_ADMIN=username:password to create an admin"
            )
            return None
        username, sep, password = spec.partition(":")
        if not sep or not username or not password:
            raise ValueError("CROSSDOCK_BOOTSTRAP_ADMIN must be username:password")
        wanted = hub.settings.client_id
        client = session.get(AppClient, wanted) if wanted else None
        if client is None:
            client = create_client(session, "default", wanted)
        add_user(
            session,
            hub,
            username=username,
            password=password,
            role=Role.ADMIN,
            name="Administrator",
        )
        log.info("bootstrap admin created", username=username, client_id=client.client_id)
        print(f"Crossdock bootstrap: admin {username!r}, app client id {client.client_id}")
        return client
