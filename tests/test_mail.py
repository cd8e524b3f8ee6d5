"""The email outbox is delivered over real SMTP, to a minimal SMTP server the test runs."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crossdock.mail import queue_email, send_pending
from crossdock.store import migrate
from crossdock.store.engine import create_engine, session_factory
from crossdock.store.tables import OutboxEmail


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        received: list[str] = self.server.received  # type: ignore[attr-defined]
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 test\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                message = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    message.append(data.decode())
                received.append("".join(message))
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, list[str]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"smtp://127.0.0.1:{server.server_address[1]}", server.received  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def test_queued_emails_are_sent_once(sqlite_url: str, smtp_server: tuple[str, list[str]]) -> None:
    url, received = smtp_server
    engine = create_engine(sqlite_url)
    migrate.upgrade(engine)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with session_factory(engine).begin() as session:
        queue_email(
            session, recipient="ada@example.com", subject="Hi", body="Temporary: x-1", at=now
        )
    with session_factory(engine).begin() as session:
        assert send_pending(session, url, "hub@example.com", now) == 1
    with session_factory(engine).begin() as session:
        assert send_pending(session, url, "hub@example.com", now) == 0
        email = session.scalars(select(OutboxEmail)).one()
        assert email.sent_at is not None
        assert email.attempts == 1
    engine.dispose()
    assert len(received) == 1
    assert "To: ada@example.com" in received[0]
    assert "Temporary: x-1" in received[0]
