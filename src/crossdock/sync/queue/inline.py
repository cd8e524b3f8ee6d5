"""The embedded queue: a thread inside ``crossdock serve`` that runs the background jobs.

Durable state in the database is the truth: the worker only looks for pending items and due
publish jobs, so work accepted before a restart is picked up again when the server starts.
The API wakes it after each accepted batch; without a wake-up it still looks every
``idle_seconds``. It also sends the email outbox when ``CROSSDOCK_SMTP_URL`` is set.

What it holds in the database (a pull's lease, publish claims) is recorded under its name,
``embedded:<host>:<pid>:<token>``. On start it hands back what embedded workers of this host
whose process no longer exists held (a ``crossdock serve`` killed or crashed), so that work
resumes at once instead of when the leases run out.
"""

from __future__ import annotations

import os
import smtplib
import socket
import threading
import time
import uuid

import structlog

from crossdock.hub import Hub
from crossdock.mail import send_pending
from crossdock.store.engine import refresh_statistics
from crossdock.sync.jobs import drain, holders, release
from crossdock.sync.queue.base import JobKind

log = structlog.get_logger("crossdock.worker")


class EmbeddedWorker:
    def __init__(
        self,
        hub: Hub,
        *,
        idle_seconds: float = 2.0,
        chunk: int = 500,
        statistics_every: float = 600.0,
    ) -> None:
        self.hub = hub
        self.idle_seconds = idle_seconds
        self.chunk = chunk
        self.statistics_every = statistics_every
        self._statistics_at = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.holder = f"embedded:{_host()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="crossdock-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    async def announce(self, kind: JobKind) -> None:
        self.wake()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def hand_back(self) -> list[str]:
        """Release what embedded workers of this host, their process gone, held."""
        gone = [held for held in holders(self.hub) if _process_gone(held)]
        for held in gone:
            pulls, claims = release(self.hub, held)
            log.warning(
                "a stopped worker's work handed back", holder=held, pulls=pulls, claims=claims
            )
        return gone

    def _run(self) -> None:
        try:
            self.hand_back()
        except Exception:
            log.exception("handing back a stopped worker's work failed; its leases will run out")
        while not self._stop.is_set():
            try:
                done = drain(self.hub, chunk=self.chunk, holder=self.holder)
            except Exception:
                # The chunk rolled back: its items stay pending and are retried.
                log.exception("processing accepted records failed; retrying")
                done = 0
                self._stop.wait(self.idle_seconds)
            self._send_email()
            if done and time.monotonic() - self._statistics_at > self.statistics_every:
                # Tables grow with ingestion; the query planner needs to know.
                refresh_statistics(self.hub.engine)
                self._statistics_at = time.monotonic()
            if not done:
                self._wake.wait(self.idle_seconds)
                self._wake.clear()

    def _send_email(self) -> None:
        settings = self.hub.settings
        if not settings.smtp_url:
            return
        try:
            with self.hub.transaction() as session:
                send_pending(session, settings.smtp_url, settings.email_from, self.hub.clock())
        except (OSError, smtplib.SMTPException):
            # Unsent emails stay in the outbox and are tried again on the next round.
            log.warning("the SMTP server could not be reached; emails stay queued")


def _process_gone(holder: str) -> bool:
    """Whether ``holder`` is an embedded worker of this host whose process has exited. Another
    host's, or a live process's (this one's included), is left to its lease."""
    kind, host, pid, *_ = [*holder.split(":"), "", "", ""]
    if kind != "embedded" or host != _host() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


def _host() -> str:
    """This machine's name as holders carry it (short enough for the 100-character column)."""
    return socket.gethostname().replace(":", "-")[:60]
