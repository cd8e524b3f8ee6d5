"""The hub's side of Mako rendering: starts the zygote, sends it renders, turns answers into
results or errors, and restarts it when it dies.

One ``MakoRenderer`` serves a whole process (the API keeps one on ``app.state``); it is
thread-safe, and starts its zygote on the first render, not when it is built.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import orjson
import structlog

from crossdock.mapping.mako.errors import (
    LimitExceeded,
    MakoBusy,
    MakoUnavailable,
    TemplateError,
)
from crossdock.mapping.mako.limits import MakoLimits, MiB
from crossdock.mapping.mako.protocol import ERROR, OUTPUT, STATUS, Frame, FrameReader

log = structlog.get_logger("crossdock.mapping.mako")

#: How long the hub waits past a render's own timeout before it decides the zygote is stuck.
GRACE = 2.0
STARTUP_TIMEOUT = 30.0
_NO_RECORD = object()


@dataclass(frozen=True)
class Rendered:
    """A render's text, and the JSON object or array it parses as, if it does."""

    output: str
    record: Any = _NO_RECORD

    @property
    def is_json(self) -> bool:
        return self.record is not _NO_RECORD

    def envelope(self) -> dict[str, Any]:
        """The API's answer: ``{"output"}``, plus ``"record"`` when the output is JSON."""
        body: dict[str, Any] = {"output": self.output}
        if self.is_json:
            body["record"] = self.record
        return body


@dataclass(frozen=True)
class ZygoteInfo:
    pid: int
    network_isolated: bool


class _Zygote:
    def __init__(self, process: subprocess.Popen[bytes], control: socket.socket, info: ZygoteInfo):
        self.process = process
        self.control = control
        self.info = info

    def send(self, header: bytes, fds: Sequence[int]) -> None:
        self.control.sendmsg(
            [header], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array("i", fds).tobytes())]
        )

    def stop(self) -> None:
        try:
            self.control.close()  # the zygote kills its render processes and exits
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class MakoRenderer:
    """Renders Mako templates in confined processes forked from one zygote."""

    def __init__(
        self,
        limits: MakoLimits | None = None,
        *,
        user: str = "nobody",
        group: str = "nogroup",
        python: str | None = None,
    ) -> None:
        self.limits = limits or MakoLimits()
        self.user = user
        self.group = group
        self.python = python or sys.executable
        self._slots = threading.BoundedSemaphore(self.limits.concurrency)
        self._lock = threading.Lock()
        self._zygote: _Zygote | None = None
        self._closed = False

    def __enter__(self) -> MakoRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> ZygoteInfo:
        """Start the zygote now (renders start it when needed); what confinement it has."""
        return self._current().info

    def close(self) -> None:
        with self._lock:
            self._closed = True
            zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.stop()

    def render(
        self,
        template: str,
        records: Sequence[Any],
        variables: Mapping[str, Any] | None = None,
    ) -> Rendered:
        payload = _encode(
            {"template": template, "records": list(records), "variables": dict(variables or {})}
        )
        if len(payload) > self.limits.max_input:
            raise LimitExceeded(
                f"The template, records and variables take {len(payload)} bytes as JSON; "
                f"the limit is {self.limits.max_input}.",
                limit="input",
            )
        if not self._slots.acquire(timeout=self.limits.timeout):
            raise MakoBusy(
                "Every Mako render slot is busy.", field="template", headers={"Retry-After": "1"}
            )
        try:
            zygote = self._current()
            try:
                return self._exchange(zygote, payload)
            except _ZygoteGone:
                # One retry on a fresh zygote: the old one died before it took this render.
                try:
                    return self._exchange(self._replace(zygote), payload)
                except _ZygoteGone:
                    raise _unavailable("The Mako zygote keeps dying; see the hub's log.") from None
        finally:
            self._slots.release()

    # -- the zygote's lifecycle ------------------------------------------------------------

    def _current(self) -> _Zygote:
        with self._lock:
            if self._closed:
                raise MakoUnavailable("The Mako renderer is closed.", field="template")
            if self._zygote is not None and self._zygote.process.poll() is not None:
                self._zygote.stop()  # it exited: release its socket
                self._zygote = None
            if self._zygote is None:
                self._zygote = self._spawn()
            return self._zygote

    def _replace(self, dead: _Zygote) -> _Zygote:
        with self._lock:
            if self._zygote is dead:
                self._zygote = None
        dead.stop()
        return self._current()

    def _spawn(self) -> _Zygote:
        if os.geteuid() != 0:
            raise _unavailable(
                "Crossdock is not running as root, so it cannot chroot and drop privileges "
                "for Mako templates; it refuses to render them unconfined."
            )
        try:
            uid = pwd.getpwnam(self.user).pw_uid
            gid = grp.getgrnam(self.group).gr_gid
        except KeyError as exc:
            raise _unavailable(f"The Mako user or group does not exist: {exc}.") from None
        if uid == 0 or gid == 0:
            raise _unavailable("The Mako user and group must not be root.")
        jail = tempfile.mkdtemp(prefix="crossdock-mako-")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        startup_log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
        try:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    self.python,
                    "-I",
                    "-m",
                    "crossdock.mapping.mako.zygote",
                    f"--control-fd={theirs.fileno()}",
                    f"--uid={uid}",
                    f"--gid={gid}",
                    f"--jail={jail}",
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=startup_log,
                env={},  # nothing of the hub's environment, secrets included
                cwd=jail,
                start_new_session=True,
            )
            theirs.close()
            return self._handshake(process, ours, startup_log)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
            startup_log.close()
            try:
                os.rmdir(jail)  # the zygote's root is now a deleted, empty directory
            except OSError:
                log.warning("mako jail not removed", jail=jail)

    def _handshake(
        self, process: subprocess.Popen[bytes], control: socket.socket, startup_log: IO[bytes]
    ) -> _Zygote:
        control.settimeout(STARTUP_TIMEOUT)
        try:
            answer = control.recv(4096)
            state = json.loads(answer) if answer else {}
        except (OSError, ValueError):
            state = {}
        control.settimeout(None)
        if not state.get("ok"):
            process.kill()
            process.wait()
            startup_log.seek(0)
            tail = startup_log.read()[-2000:].decode(errors="replace").strip()
            reason = state.get("error") or tail or f"exit code {process.returncode}"
            raise _unavailable(f"The Mako zygote could not confine itself: {reason}")
        info = ZygoteInfo(pid=int(state["pid"]), network_isolated=bool(state.get("network")))
        if not info.network_isolated:
            log.warning(
                "mako renders share the host network namespace; sockets stay impossible "
                "(no file descriptors) but unshare(CLONE_NEWNET) was refused"
            )
        return _Zygote(process, control, info)

    # -- one render ------------------------------------------------------------------------

    def _exchange(self, zygote: _Zygote, payload: bytes) -> Rendered:
        request_r, request_w = os.pipe()
        result_r, result_w = os.pipe()
        try:
            try:
                zygote.send(json.dumps(self.limits.header()).encode(), [request_r, result_w])
            except OSError:
                os.close(request_w)
                raise _ZygoteGone from None
            finally:
                os.close(request_r)
                os.close(result_w)
            frames = self._converse(zygote, request_w, result_r, payload)
        finally:
            os.close(result_r)
        return self._outcome(frames)

    def _converse(
        self, zygote: _Zygote, request_w: int, result_r: int, payload: bytes
    ) -> list[Frame]:
        """Write the payload and read frames until an answer, a status or the end."""
        reader = FrameReader(self.limits.max_output + (64 << 10))
        deadline = time.monotonic() + self.limits.timeout + GRACE
        pending = memoryview(payload)
        frames: list[Frame] = []
        os.set_blocking(request_w, False)
        with selectors.DefaultSelector() as selector:
            selector.register(request_w, selectors.EVENT_WRITE)
            selector.register(result_r, selectors.EVENT_READ)
            writing = True
            try:
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self._replace(zygote)
                        raise _unavailable("The Mako zygote stopped answering; it was restarted.")
                    for key, _ in selector.select(remaining):
                        if key.fd == request_w:
                            pending = _write_some(request_w, pending)
                            if not pending:
                                selector.unregister(request_w)
                                os.close(request_w)
                                writing = False
                            continue
                        data = os.read(result_r, 1 << 16)
                        if not data:
                            # The zygote reports on every render process it reaps, so a
                            # silent end means the zygote itself died.
                            raise _ZygoteGone
                        try:
                            frames += reader.feed(data)
                        except OverflowError:
                            raise LimitExceeded(
                                "The render answered more than the output limit.", limit="output"
                            ) from None
                        except ValueError:
                            raise TemplateError(
                                "The render process answered garbage.", kind="render"
                            ) from None
                        if frames:
                            return frames
            finally:
                if writing:
                    os.close(request_w)

    def _outcome(self, frames: list[Frame]) -> Rendered:
        first = frames[0]
        if first.kind == OUTPUT:
            try:
                text = first.body.decode("utf-8")
            except UnicodeDecodeError:
                raise TemplateError("The output is not UTF-8 text.", kind="render") from None
            return Rendered(text, _as_json(text))
        if first.kind == ERROR:
            raise _error_for(first.json(), self.limits)
        assert first.kind == STATUS
        raise _status_error(first.json(), self.limits)


class _ZygoteGone(Exception):
    """The zygote did not take the request: it exited or closed its socket."""


def _write_some(fd: int, pending: memoryview) -> memoryview:
    try:
        written = os.write(fd, pending[: 1 << 16])
    except BlockingIOError:
        return pending
    except BrokenPipeError:
        return pending[:0]  # the render process is gone; its status frame says why
    return pending[written:]


def _encode(value: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # integers past 64 bits, which the render process reads fine
        return json.dumps(value, ensure_ascii=False).encode()


def _as_json(text: str) -> Any:
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return _NO_RECORD
    # The standard library, not orjson: orjson reads integers past 64 bits as floats.
    try:
        return json.loads(stripped, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return _NO_RECORD


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity would break the answer


def _unavailable(detail: str) -> MakoUnavailable:
    log.error("mako rendering unavailable", detail=detail)
    return MakoUnavailable(detail, field="template")


def _error_for(error: dict[str, Any], limits: MakoLimits) -> Exception:
    kind = str(error.get("kind", "render"))
    detail = str(error.get("detail", "the render failed"))
    line = error.get("line")
    if kind in ("syntax", "render"):
        return TemplateError(detail, kind=kind, line=line if isinstance(line, int) else None)
    sentence = detail[:1].upper() + detail[1:]
    if kind == "memory":
        return LimitExceeded(f"{sentence} (limit {limits.memory // MiB} MiB).", limit="memory")
    if kind in ("output", "input"):
        return LimitExceeded(f"{sentence}.", limit=kind)
    return _unavailable(f"A Mako render process could not be confined: {detail}")


def _status_error(status: dict[str, Any], limits: MakoLimits) -> Exception:
    if status.get("timedOut"):
        return LimitExceeded(
            f"The template ran longer than {limits.timeout:g} seconds and was stopped.",
            limit="timeout",
        )
    number = status.get("signal")
    if number == signal.SIGXCPU:
        return LimitExceeded(
            f"The template used more than {limits.cpu} seconds of CPU time and was stopped.",
            limit="cpu",
        )
    if number == signal.SIGKILL:
        return LimitExceeded(
            "The render process was killed (CPU time or memory exhausted).", limit="memory"
        )
    if number is not None:
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return TemplateError(f"The render process crashed ({name}).", kind="crash")
    return TemplateError(
        f"The template ended its render process (exit code {status.get('code')}) before it "
        "answered.",
        kind="render",
    )


def render_mako(
    template: str,
    records: Sequence[Any],
    variables: Mapping[str, Any] | None = None,
    limits: MakoLimits | None = None,
    *,
    renderer: MakoRenderer | None = None,
) -> Rendered:
    """Render ``template`` over ``records`` in a confined process: the text, and the JSON it
    parses as when it is an object or array (``Rendered.record``).

    Pass a long-lived ``renderer`` (the hub keeps one); without one, a zygote is started for
    this render alone, which costs a few tenths of a second.
    """
    if renderer is not None:
        return renderer.render(template, records, variables)
    with MakoRenderer(limits) as own:
        return own.render(template, records, variables)
