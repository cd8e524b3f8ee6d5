"""The running hub's services, built from ``Settings``: database, token signer, secret box,
systems catalog, the connectors' shared token store and rate-limit buckets, and the clock.
The API, the CLI and workers each build one and pass it on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crossdock.auth.passwords import Passwords
from crossdock.auth.tokens import TokenSigner
from crossdock.connectors.catalog import Catalog, default_catalog
from crossdock.connectors.http.tokens import FernetTokenCipher
from crossdock.crypto import SecretBox
from crossdock.settings import Settings
from crossdock.store.base import utcnow
from crossdock.store.credentials import DatabaseRateLimitBackend, DatabaseTokenStore
from crossdock.store.engine import create_engine, session_factory


@dataclass
class Hub:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    signer: TokenSigner
    passwords: Passwords
    secrets: SecretBox
    catalog: Catalog
    token_store: DatabaseTokenStore
    rate_limits: DatabaseRateLimitBackend
    token_cipher: FernetTokenCipher
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        catalog: Catalog | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Hub:
        engine = create_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            signer=TokenSigner(settings.secret_key, settings.id_token_ttl),
            passwords=Passwords(
                time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib
            ),
            secrets=SecretBox(settings.secret_key),
            catalog=catalog or default_catalog(),
            token_store=DatabaseTokenStore(engine),
            rate_limits=DatabaseRateLimitBackend(engine),
            token_cipher=FernetTokenCipher(settings.secret_key),
            clock=clock or utcnow,
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any error."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
