"""Mako templates, rendered in confined processes: ``render_mako`` and ``MakoRenderer``.

See docs/mapping.md for what the confinement guarantees and what it does not. Names load on
first use (PEP 562): the zygote imports this package for its sandbox modules, and must not
pull in the hub's logging and HTTP stack, which every render process would then carry.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crossdock.mapping.mako.errors import (
        LimitExceeded,
        MakoBusy,
        MakoDisabled,
        MakoUnavailable,
        TemplateError,
    )
    from crossdock.mapping.mako.limits import (
        MakoLimits,
        access_from,
        limits_from,
    )
    from crossdock.mapping.mako.renderer import (
        MakoRenderer,
        Rendered,
        ZygoteInfo,
        render_mako,
    )

_HOMES = {
    "LimitExceeded": "errors",
    "MakoBusy": "errors",
    "MakoDisabled": "errors",
    "MakoUnavailable": "errors",
    "TemplateError": "errors",
    "MakoLimits": "limits",
    "access_from": "limits",
    "limits_from": "limits",
    "MakoRenderer": "renderer",
    "Rendered": "renderer",
    "ZygoteInfo": "renderer",
    "render_mako": "renderer",
}

__all__ = [
    "LimitExceeded",
    "MakoBusy",
    "MakoDisabled",
    "MakoLimits",
    "MakoRenderer",
    "MakoUnavailable",
    "Rendered",
    "TemplateError",
    "ZygoteInfo",
    "access_from",
    "limits_from",
    "render_mako",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
