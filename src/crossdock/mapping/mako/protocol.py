"""The frames the hub, the zygote and a render process exchange (standard library only).

Per render the hub makes two pipes and passes the zygote, over a ``SOCK_SEQPACKET`` socket,
one message: a small JSON header of limits plus the request pipe's read end and the result
pipe's write end (``SCM_RIGHTS``). The zygote forks; the render process reads the JSON payload
from its request pipe and writes one frame to its result pipe; once it has exited, the zygote
appends a status frame there. So the zygote never holds a payload, and a render process
forked later cannot find an earlier tenant's records in memory inherited from the zygote.

A frame is one type byte, a four-byte big-endian length and the body:

- ``O``: the rendered output, UTF-8 (render process);
- ``E``: a JSON error ``{"kind", "detail", "line"?}`` (render process);
- ``S``: a JSON exit status ``{"code"?, "signal"?, "timedOut"}`` (zygote).
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from typing import Any

OUTPUT = b"O"
ERROR = b"E"
STATUS = b"S"
KINDS = frozenset({OUTPUT, ERROR, STATUS})
HEAD = struct.Struct(">cI")

#: Room for the descriptors of one request (two) in ``recvmsg``'s ancillary buffer.
FDS_PER_REQUEST = 2
MAX_HEADER = 4096


def frame(kind: bytes, body: bytes) -> bytes:
    return HEAD.pack(kind, len(body)) + body


def json_frame(kind: bytes, value: dict[str, Any]) -> bytes:
    return frame(kind, json.dumps(value).encode())


def write_all(fd: int, data: bytes) -> None:
    """Write every byte to a blocking descriptor."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


@dataclass(frozen=True)
class Frame:
    kind: bytes
    body: bytes

    def json(self) -> dict[str, Any]:
        value = json.loads(self.body)
        if not isinstance(value, dict):
            raise ValueError("frame body is not a JSON object")
        return value


class FrameReader:
    """Splits a byte stream into frames; refuses frames longer than ``max_body``."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        while len(self._buffer) >= HEAD.size:
            kind, length = HEAD.unpack_from(self._buffer)
            if kind not in KINDS:
                raise ValueError(f"unknown frame type {kind!r}")
            if length > self.max_body:
                raise OverflowError(f"a {length}-byte frame passes the {self.max_body}-byte cap")
            end = HEAD.size + length
            if len(self._buffer) < end:
                break
            frames.append(Frame(kind, bytes(self._buffer[HEAD.size : end])))
            del self._buffer[:end]
        return frames

    @property
    def pending(self) -> int:
        return len(self._buffer)
