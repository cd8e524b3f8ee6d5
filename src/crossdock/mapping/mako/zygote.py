"""The zygote: a small root process that imported Mako once and forks one process per render.

Started by the hub as ``python -I -m crossdock.mapping.mako.zygote`` with an empty
environment, so it holds none of the hub's memory, settings or secrets. At start it loads
Mako and the modules templates may import (warming every lazy import with a sample render),
leaves the network (a new, empty network namespace, where the kernel allows it), and
``chroot``s into an empty directory the hub then deletes. It reports what it achieved on its
control socket and serves requests until the hub closes that socket.

It enforces each render's wall-clock deadline itself: it is the render process's parent, so
the process id it kills cannot have been reused, and it reports how each render ended.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import selectors
import signal
import socket
import sys
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

from crossdock.mapping.mako.protocol import (
    ERROR,
    FDS_PER_REQUEST,
    MAX_HEADER,
    STATUS,
    json_frame,
)
from crossdock.mapping.mako.sandbox import REQUEST_FD, RESULT_FD, run_child

CLONE_NEWNET = 0x40000000

#: Modules a template may import (``<%! import json %>``): loaded before the chroot, since
#: nothing can be read from disk afterwards.
PRELOAD = (
    "base64",
    "calendar",
    "collections",
    "datetime",
    "decimal",
    "functools",
    "hashlib",
    "html",
    "itertools",
    "json",
    "math",
    "operator",
    "re",
    "string",
    "textwrap",
    "time",
    "unicodedata",
    "urllib.parse",
    "uuid",
)

WARM_UP = """<%!
    import json
%><%def name="row(item)">${item['sku'] | h}:${str(item.get('qty', 0)) | n}</%def>\\
<%block name="body">
% for item in records:
${row(item)} ${loop.index} ${item['sku'] | u} ${item['sku'] | x} ${' a ' | trim}
% endfor
</%block>${tojson(variables)} ${json.dumps(record)}
"""


@dataclass
class Child:
    result_fd: int
    deadline: float
    timed_out: bool = False


@dataclass
class Zygote:
    control: socket.socket
    uid: int
    gid: int
    libc: ctypes.CDLL
    children: dict[int, Child] = field(default_factory=dict)

    def serve(self) -> None:
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        os.set_blocking(wake_r, False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(wake_w)
        selector = selectors.DefaultSelector()
        selector.register(self.control, selectors.EVENT_READ)
        selector.register(wake_r, selectors.EVENT_READ)
        while True:
            deadlines = [c.deadline for c in self.children.values() if not c.timed_out]
            timeout = max(0.0, min(deadlines) - now()) if deadlines else None
            for key, _ in selector.select(timeout):
                if key.fileobj is self.control:
                    if not self.accept():
                        self.shutdown()
                        return
                else:
                    while True:
                        try:
                            if not os.read(wake_r, 512):
                                break
                        except BlockingIOError:
                            break
            self.reap()
            self.expire()

    def accept(self) -> bool:
        """Take one request from the hub and fork its render process; False once the hub left."""
        try:
            data, ancillary, _, _ = self.control.recvmsg(
                MAX_HEADER, socket.CMSG_SPACE(FDS_PER_REQUEST * array("i").itemsize)
            )
        except (ConnectionError, OSError):
            return False
        fds = array("i")
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
        if not data:
            for fd in fds:
                os.close(fd)
            return False
        if len(fds) != FDS_PER_REQUEST:
            for fd in fds:
                os.close(fd)
            return True
        request_fd, result_fd = fds
        try:
            header: dict[str, Any] = json.loads(data)
            deadline = now() + float(header["timeout"])
            pid = os.fork()
        except (ValueError, KeyError, TypeError, OSError) as exc:
            refuse(result_fd, f"could not start a render process: {exc}")
            os.close(request_fd)
            return True
        if pid == 0:  # pragma: no cover - the render process
            os.dup2(request_fd, REQUEST_FD)
            os.dup2(result_fd, RESULT_FD)
            os.closerange(RESULT_FD + 1, os.sysconf("SC_OPEN_MAX"))
            run_child(header, self.uid, self.gid, self.libc)
        os.close(request_fd)
        self.children[pid] = Child(result_fd, deadline)
        return True

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is not None:
                report(child, status)

    def expire(self) -> None:
        moment = now()
        for pid, child in self.children.items():
            if not child.timed_out and child.deadline <= moment:
                child.timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                # SIGKILL cannot be caught; SIGCHLD wakes the loop to reap and report it.

    def shutdown(self) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def report(child: Child, status: int) -> None:
    value: dict[str, Any] = {"timedOut": child.timed_out}
    if os.WIFSIGNALED(status):
        value["signal"] = os.WTERMSIG(status)
    else:
        value["code"] = os.waitstatus_to_exitcode(status)
    try:
        os.set_blocking(child.result_fd, False)
        os.write(child.result_fd, json_frame(STATUS, value))
    except OSError:
        pass  # the hub stopped listening (it gave up on this render)
    finally:
        os.close(child.result_fd)


def refuse(result_fd: int, detail: str) -> None:
    try:
        os.set_blocking(result_fd, False)
        os.write(result_fd, json_frame(ERROR, {"kind": "unavailable", "detail": detail}))
    except OSError:
        pass
    finally:
        os.close(result_fd)


def now() -> float:
    return time.monotonic()


def warm_up() -> None:
    """Import everything a render may touch, so nothing needs the disk after the chroot."""
    import importlib

    from mako.exceptions import RichTraceback  # type: ignore[import-untyped]
    from mako.template import Template  # type: ignore[import-untyped]

    from crossdock.mapping.mako.sandbox import namespace, render

    for name in PRELOAD:
        importlib.import_module(name)
    Template(text=WARM_UP, strict_undefined=True).render(  # noqa: S702 - not HTML
        **namespace([{"sku": "A&B", "qty": 2}], {"v": 1})
    )
    limits = {"max_output": 1 << 20}
    render(json.dumps({"template": "${1/0}", "records": [], "variables": {}}).encode(), limits)
    render(json.dumps({"template": "${x +}", "records": [], "variables": {}}).encode(), limits)
    try:
        Template(text="<%def name='f()'>${f()}</%def>${f()}").render()  # noqa: S702
    except RecursionError as exc:
        RichTraceback(error=exc, traceback=exc.__traceback__)
    "é".encode().decode("utf-8")


def leave_network(libc: ctypes.CDLL) -> bool:
    return bool(libc.unshare(CLONE_NEWNET) == 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crossdock-mako-zygote")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--uid", type=int, required=True)
    parser.add_argument("--gid", type=int, required=True)
    parser.add_argument("--jail", required=True)
    args = parser.parse_args(argv)
    control = socket.socket(fileno=args.control_fd)
    state: dict[str, Any] = {"ok": False, "pid": os.getpid()}
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        warm_up()
        state["network"] = leave_network(libc)
        os.chroot(args.jail)
        os.chdir("/")
        if os.listdir("/"):
            raise RuntimeError("the jail directory is not empty")
        # Render processes inherit 0-2: /dev/null all three (2 was the startup log).
        os.dup2(0, 1)
        os.dup2(0, 2)
        # Everything loaded so far stays out of the collector's sight: render processes then
        # share these pages with the zygote instead of copying them on the first collection.
        gc.collect()
        gc.freeze()
        state["ok"] = True
    except Exception as exc:
        state["error"] = f"{type(exc).__name__}: {exc}"
    control.sendall(json.dumps(state).encode())
    if not state["ok"]:
        return 1
    Zygote(control, args.uid, args.gid, libc).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
