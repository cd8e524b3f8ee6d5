"""What every sandbox shares: clock, faults, recorder, control API and seed-data helpers."""

from __future__ import annotations

from crossdock.sandboxes.base.clock import Clock
from crossdock.sandboxes.base.faults import FaultRule, Faults, parse_faults
from crossdock.sandboxes.base.sandbox import Sandbox, SandboxConfig, VendorState, install_sandbox

__all__ = [
    "Clock",
    "FaultRule",
    "Faults",
    "Sandbox",
    "SandboxConfig",
    "VendorState",
    "install_sandbox",
    "parse_faults",
]
