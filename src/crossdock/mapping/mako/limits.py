"""The limits every Mako render runs under, and who may call ``POST /mapping/mako``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

MiB = 1024 * 1024

MakoAccess = Literal["operators", "all", "off"]
ACCESS_VALUES: tuple[MakoAccess, ...] = ("operators", "all", "off")


@dataclass(frozen=True)
class MakoLimits:
    """Per render: wall-clock ``timeout`` (s), ``cpu`` time (whole s, ``RLIMIT_CPU``),
    ``memory`` (the render process's whole address space, ``RLIMIT_AS``), and the sizes of
    the payload sent in (template, records, variables as JSON) and the output sent back.

    ``concurrency`` renders run at once per renderer; a render waits for a free slot at most
    ``timeout`` seconds before it is refused as busy.
    """

    timeout: float = 5.0
    cpu: int = 5
    memory: int = 256 * MiB
    max_input: int = 8 * MiB
    max_output: int = 4 * MiB
    concurrency: int = 4

    def __post_init__(self) -> None:
        if not 0 < self.timeout <= 600:
            raise ValueError("timeout must be in (0, 600] seconds")
        if not 1 <= self.cpu <= 600:
            raise ValueError("cpu must be 1 to 600 seconds")
        if self.memory < 64 * MiB:
            raise ValueError("memory below 64 MiB cannot start a Python render process")
        if self.max_input < 1024 or self.max_output < 1024:
            raise ValueError("max_input and max_output must be at least 1 KiB")
        if not 1 <= self.concurrency <= 64:
            raise ValueError("concurrency must be 1 to 64")

    def header(self) -> dict[str, Any]:
        """What the zygote and the render process need to know, as JSON."""
        return asdict(self)


def limits_from(settings: Any) -> MakoLimits:
    """The limits a hub's settings ask for (``mako_timeout``, ``mako_cpu``,
    ``mako_memory_mib``, ``mako_concurrency``), with the defaults for those it lacks."""
    base = MakoLimits()
    return MakoLimits(
        timeout=float(getattr(settings, "mako_timeout", base.timeout)),
        cpu=int(getattr(settings, "mako_cpu", base.cpu)),
        memory=int(getattr(settings, "mako_memory_mib", base.memory // MiB)) * MiB,
        concurrency=int(getattr(settings, "mako_concurrency", base.concurrency)),
    )


def access_from(settings: Any) -> MakoAccess:
    """Who may render: ``operators`` (admin and staff, the default), ``all`` roles, or ``off``."""
    value = str(getattr(settings, "mako_access", "operators")).strip().lower()
    if value not in ACCESS_VALUES:
        raise ValueError(f"mako_access must be one of {ACCESS_VALUES}, not {value!r}")
    return value
