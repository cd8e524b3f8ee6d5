"""Inside one render process: confine it, then compile and render the template.

Runs in a child the zygote forked (standard library and Mako only). The order matters: every
kernel limit is in place, and the process has given up root for good, before the first byte
of the request is even read, let alone the template compiled. Any step that fails ends the
process with a ``confinement`` error frame, and the hub refuses to render rather than render
unconfined.
"""

from __future__ import annotations

import ctypes
import json
import keyword
import os
import re
import resource
import signal
from typing import Any

from crossdock.mapping.mako.protocol import ERROR, OUTPUT, frame, json_frame, write_all

# The descriptors a render process keeps: 0 the request pipe (then /dev/null again), 1 and 2
# /dev/null, 3 the result pipe. RLIMIT_NOFILE = 4 then forbids any new descriptor, so no
# file, socket or pipe can be opened, whatever the filesystem and network namespace allow.
REQUEST_FD = 0
RESULT_FD = 3
NOFILE = 4

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38

#: Names the template sees besides the variables: ``records``, ``record`` (the first record,
#: or None), ``variables`` and ``tojson``. Mako's own names cannot be variables.
RESERVED = frozenset(
    {"records", "record", "variables", "tojson", "context", "loop", "UNDEFINED"}
    | {"STOP_RENDERING", "capture", "caller", "local", "self", "parent", "next"}
)
_UNDEFINED = re.compile(r"'(\w+)' is not defined")
_FILEPOS = re.compile(r" (in file '[^']*' )?at line: \d+ char: \d+$")


class ConfinementFailed(Exception):
    """A confinement step failed; the render must not happen."""


def confine(limits: dict[str, Any], uid: int, gid: int, libc: ctypes.CDLL) -> None:
    """Limit, scrub and de-privilege this process, checking each step took effect."""
    step = "start"
    try:
        step = "signals"
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        # Writing a file past RLIMIT_FSIZE then fails with EFBIG instead of killing silently.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        step = "filesystem"
        # The zygote's root: an empty directory, already deleted, only root may enter.
        if os.listdir("/") or not os.path.samestat(os.stat("."), os.stat("/")):
            raise ConfinementFailed("the process still sees the host's filesystem")
        step = "rlimits"
        cpu = int(limits["cpu"])
        memory = int(limits["memory"])
        for which, value in (
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_FSIZE, 0),
            (resource.RLIMIT_NOFILE, NOFILE),
            (resource.RLIMIT_NPROC, 0),
            (resource.RLIMIT_MEMLOCK, 0),
            (resource.RLIMIT_MSGQUEUE, 0),
            (resource.RLIMIT_AS, memory),
        ):
            resource.setrlimit(which, (value, value))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        os.nice(10)
        step = "environment"
        os.environ.clear()
        step = "credentials"
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
            raise ConfinementFailed("the user or group did not change")
        if os.getgroups():
            raise ConfinementFailed("supplementary groups remain")
        try:
            os.setuid(0)
        except PermissionError:
            pass
        else:
            raise ConfinementFailed("root could be regained")
        step = "prctl"
        # Not dumpable: no other process of the same user may ptrace this one or read its
        # memory. Parent-death signal: set after the uid change, which clears it.
        for option, value in (
            (PR_SET_DUMPABLE, 0),
            (PR_SET_NO_NEW_PRIVS, 1),
            (PR_SET_PDEATHSIG, signal.SIGKILL),
        ):
            if libc.prctl(option, value, 0, 0, 0) != 0:
                raise ConfinementFailed(f"prctl({option}) failed: errno {ctypes.get_errno()}")
    except ConfinementFailed as exc:
        raise ConfinementFailed(f"{step}: {exc}") from None
    except Exception as exc:
        raise ConfinementFailed(f"{step}: {type(exc).__name__}: {exc}") from None


def read_request(max_input: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = os.read(REQUEST_FD, 1 << 16)
        if not chunk:
            break
        size += len(chunk)
        if size > max_input:
            raise OverflowError("request too large")
        chunks.append(chunk)
    # /dev/null again on 0, so the descriptor count stays at the limit.
    os.dup2(1, REQUEST_FD)
    return b"".join(chunks)


def namespace(records: list[Any], variables: dict[str, Any]) -> dict[str, Any]:
    names: dict[str, Any] = {
        name: value
        for name, value in variables.items()
        if name.isidentifier() and not keyword.iskeyword(name) and name not in RESERVED
    }
    names.update(
        records=records,
        record=records[0] if records else None,
        variables=variables,
        tojson=tojson,
    )
    return names


def tojson(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def render(payload: bytes, limits: dict[str, Any]) -> bytes:
    """Compile and render; answers one frame (output or error). Never raises."""
    from mako import exceptions  # type: ignore[import-untyped]
    from mako.template import Template  # type: ignore[import-untyped]

    try:
        request = json.loads(payload)
        template_text: str = request["template"]
        records: list[Any] = request["records"]
        variables: dict[str, Any] = request["variables"]
    except Exception as exc:  # the hub wrote it; this is a bug, not the template's fault
        return _error("input", f"unreadable request: {exc}")
    try:
        # S702: the output is a payload for another system, never a page a browser shows us.
        template = Template(text=template_text, strict_undefined=True)  # noqa: S702
    except exceptions.MakoException as exc:
        return _error("syntax", _FILEPOS.sub("", str(exc)), getattr(exc, "lineno", None))
    except MemoryError:
        return _error("memory", "compiling the template ran out of memory")
    except BaseException as exc:  # anything a broken template triggers
        return _error("syntax", f"{type(exc).__name__}: {exc}")
    try:
        text = template.render(**namespace(records, variables))
        if not isinstance(text, str):
            return _error("render", "the template did not produce text")
        body = text.encode("utf-8")
    except MemoryError:
        return _error("memory", "the template ran out of memory")
    except BaseException as exc:  # SystemExit and friends included
        return _error("render", _describe(exc), _template_line(exc, template_text))
    if len(body) > int(limits["max_output"]):
        return _error(
            "output", f"the output is {len(body)} bytes; the limit is {limits['max_output']}"
        )
    return frame(OUTPUT, body)


def _error(kind: str, detail: str, line: int | None = None) -> bytes:
    value: dict[str, Any] = {"kind": kind, "detail": detail[:2000]}
    if line:
        value["line"] = line
    return json_frame(ERROR, value)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _template_line(exc: BaseException, source: str) -> int | None:
    """The template line that raised: from Mako's traceback of the generated module, or, for
    an undefined name (which strict mode reports before the body runs), its first use."""
    try:
        from mako.exceptions import RichTraceback  # type: ignore[import-untyped]

        for record in RichTraceback(error=exc, traceback=exc.__traceback__).reverse_records:
            if record[4] is not None and record[5]:
                return int(record[5])
    except Exception:  # noqa: S110 - a line number is a courtesy; the error still goes back
        pass
    undefined = _UNDEFINED.match(str(exc)) if isinstance(exc, NameError) else None
    if undefined:
        pattern = re.compile(rf"(?<![\w.]){re.escape(undefined.group(1))}(?!\w)")
        for number, text in enumerate(source.splitlines(), start=1):
            if pattern.search(text):
                return number
    return None


def run_child(
    header: dict[str, Any], uid: int, gid: int, libc: ctypes.CDLL
) -> None:  # pragma: no cover - runs in the forked process, exits there
    """The forked render process: its descriptors are already in place. Never returns."""
    code = 0
    try:
        try:
            confine(header, uid, gid, libc)
        except ConfinementFailed as exc:
            write_all(RESULT_FD, _error("confinement", str(exc)))
            code = 3
            return
        try:
            payload = read_request(int(header["max_input"]))
        except OverflowError:
            write_all(RESULT_FD, _error("input", "the request passed the input limit"))
            return
        write_all(RESULT_FD, render(payload, header))
    except BaseException:  # whatever happens, the process ends here
        code = 4
    finally:
        os._exit(code)
