"""Mako templates, rendered in confined processes: ``render_mako`` and ``MakoRenderer``.

See docs/mapping.md for what the confinement guarantees and what it does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crossdock.mapping.mako.errors import (
    LimitExceeded,
    MakoBusy,
    MakoDisabled,
    MakoUnavailable,
    TemplateError,
)
from crossdock.mapping.mako.limits import MakoLimits, access_from, limits_from
from crossdock.mapping.mako.renderer import MakoRenderer, Rendered, ZygoteInfo

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


def render_mako(
    template: str,
    records: Sequence[Any],
    variables: Mapping[str, Any] | None = None,
    limits: MakoLimits | None = None,
    *,
    renderer: MakoRenderer | None = None,
) -> Rendered:
    """Render ``template`` over ``records`` in a confined process.

    Pass a long-lived ``renderer`` (the hub keeps one); without one, a zygote is started for
    this render alone, which costs about a tenth of a second.
    """
    if renderer is not None:
        return renderer.render(template, records, variables)
    with MakoRenderer(limits) as own:
        return own.render(template, records, variables)
