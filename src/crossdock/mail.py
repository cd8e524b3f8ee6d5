"""The email outbox: messages are stored with the change that caused them, then sent by SMTP
when ``CROSSDOCK_SMTP_URL`` is set (``smtp://user:pass@host:port``); unsent ones stay queued."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossdock.store.tables import OutboxEmail


def queue_email(
    session: Session, *, recipient: str, subject: str, body: str, at: datetime
) -> OutboxEmail:
    email = OutboxEmail(recipient=recipient, subject=subject, body=body, created_at=at)
    session.add(email)
    return email


def send_pending(
    session: Session, smtp_url: str, sender: str, now: datetime, limit: int = 100
) -> int:
    """Send queued emails; failures are recorded on the row and retried next time."""
    parts = urlsplit(smtp_url)
    pending = session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None))
        .order_by(OutboxEmail.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    sent = 0
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_class(parts.hostname or "localhost", parts.port or 25, timeout=30) as smtp:
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        for email in pending:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = (
                sender,
                email.recipient,
                email.subject,
            )
            message.set_content(email.body)
            email.attempts += 1
            try:
                smtp.send_message(message)
            except smtplib.SMTPException as exc:
                email.last_error = str(exc)
                continue
            email.sent_at = now
            sent += 1
    return sent
