"""CareCloud's URL space: the two interface prefixes, and what the spec says about any path.

Routes the sandbox emulates are served by ``routes``; every other request lands here through
the 404/405 handlers, and is answered as CareCloud would: 403 ``interface_not_allowed`` for a
resource of the other interface, 405 for a method the spec does not define on a path, 404 for a
path the spec does not have, and 501 (the sandbox's own status) for a real CareCloud operation
the sandbox does not emulate.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from crossdock.sandboxes.carecloud.errors import CareCloudError
from crossdock.sandboxes.carecloud.specdata import EMULATED, load_extract

ROOT = "/webservice/rest-api"
VERSION = "v1.0"
ENTERPRISE = "enterprise"
CUSTOMER = "customer"
DISPLAY = {ENTERPRISE: "Enterprise", CUSTOMER: "Customer"}


def prefix(interface: str) -> str:
    return f"{ROOT}/{interface}-interface/{VERSION}"


@dataclass(frozen=True)
class Template:
    path: str
    pattern: re.Pattern[str]
    literals: int
    methods: tuple[str, ...]
    interfaces: tuple[str, ...]


@functools.cache
def _templates() -> list[Template]:
    out = []
    for path, info in load_extract()["paths"].items():
        segments = path.strip("/").split("/")
        regex = "/".join(
            "[^/]+" if s.startswith("{") and s.endswith("}") else re.escape(s) for s in segments
        )
        literals = sum(not s.startswith("{") for s in segments)
        out.append(
            Template(
                path,
                re.compile(f"/{regex}"),
                literals,
                tuple(info["methods"]),
                tuple(info["interfaces"]),
            )
        )
    # Literal segments beat parameters: /customers/actions/x before /customers/{id}/x.
    out.sort(key=lambda t: -t.literals)
    return out


def split(path: str) -> tuple[str | None, str]:
    """``(interface, rest)`` for a path under a known interface prefix, else ``(None, path)``."""
    for interface in (ENTERPRISE, CUSTOMER):
        base = prefix(interface)
        if path.startswith(base + "/"):
            return interface, path[len(base) :]
    return None, path


def classify(method: str, path: str) -> CareCloudError:
    """The error CareCloud gives for a request that no emulated route serves."""
    interface, rest = split(path)
    resource = rest.strip("/").split("/", 1)[0] or "/"
    if interface is None:
        return CareCloudError(
            404, "route_not_found", error_data={"resource_name": path}, resource=path
        )
    template = next((t for t in _templates() if t.pattern.fullmatch(rest)), None)
    if template is None:
        return CareCloudError(
            404, "route_not_found", error_data={"resource_name": resource}, resource=resource
        )
    if interface not in template.interfaces:
        display = DISPLAY[interface]
        return CareCloudError(
            403,
            "interface_not_allowed",
            error_data={"interface": display, "invalid_resource_name": resource},
            interface=display,
            resource=resource,
        )
    verb = method.lower()
    if verb not in template.methods:
        return CareCloudError(
            405,
            "method_not_allowed",
            error_data={"http_method": method.upper()},
            headers={"allow": ", ".join(m.upper() for m in template.methods)},
            method=method.upper(),
        )
    if f"{method.upper()} {template.path}" in EMULATED:
        # Served by a route, so only a near miss (e.g. a trailing slash) gets here.
        return CareCloudError(
            404, "route_not_found", error_data={"resource_name": resource}, resource=resource
        )
    return CareCloudError(
        501,
        "not_emulated",
        error_data={"resource_name": resource},
        method=method.upper(),
        template=template.path,
    )
