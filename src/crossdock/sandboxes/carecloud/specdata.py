"""The trimmed extract of CareCloud's OpenAPI spec that the sandbox ships and reads at run time.

The full spec is 1.4 MB; the sandbox needs only the map of every path (its methods and which
interface may call it, to answer 403/405/501 as the real API would) and, for its tests, the
response schemas of the operations it emulates. ``build_extract`` derives both from the spec;
``python -m crossdock.sandboxes.carecloud.specdata SPEC.yaml`` rewrites ``openapi-extract.json``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any

EXTRACT_FILE = "openapi-extract.json"
INTERFACES = ("enterprise", "customer")
_ONLY_IN = re.compile(r"available only in (Customer|Enterprise) API")
_METHODS = ("get", "post", "put", "patch", "delete")

# The operations the sandbox emulates, "METHOD /path" as the spec writes them.
EMULATED = (
    "POST /users/actions/login",
    "POST /users/actions/logout",
    "GET /customers",
    "POST /customers",
    "GET /customers/{customer_id}",
    "PUT /customers/{customer_id}",
    "GET /customers/{customer_id}/customer-source-records",
    "GET /customer-source-records",
    "GET /stores",
    "GET /stores/{store_id}",
    "GET /agreements",
    "GET /agreements/{agreement_id}",
    "POST /tokens",
    "POST /tokens/{token_id}/actions/login",
    "POST /tokens/{token_id}/actions/logout",
)


def build_extract(spec: dict[str, Any], source_sha256: str) -> dict[str, Any]:
    """The path map for every path and the response schemas of the emulated operations."""
    paths: dict[str, Any] = {}
    for template, item in spec["paths"].items():
        methods = {m: _interfaces(item, op) for m, op in item.items() if m in _METHODS}
        paths[template] = {"methods": sorted(methods), "interfaces": _union(methods.values())}
    operations: dict[str, Any] = {}
    for key in EMULATED:
        method, template = key.split(" ", 1)
        op = spec["paths"][template][method.lower()]
        responses = {}
        for status, response in op["responses"].items():
            resolved = _resolve(spec, response)
            schema = resolved.get("content", {}).get("application/json", {}).get("schema")
            responses[str(status)] = _strip(schema)
        operations[key] = {"operationId": op["operationId"], "responses": responses}
    schemas: dict[str, Any] = {}
    _collect_refs(spec, operations, schemas)
    return {
        "source": {"title": spec["info"]["title"], "sha256": source_sha256},
        "paths": paths,
        "operations": operations,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def _interfaces(item: dict[str, Any], op: dict[str, Any]) -> list[str]:
    servers = op.get("servers") or item.get("servers") or []
    if any("customer-interface" in s.get("url", "") for s in servers):
        return ["customer"]
    match = _ONLY_IN.search(op.get("description") or "")
    if match:
        return [match.group(1).lower()]
    return list(INTERFACES)


def _union(groups: Any) -> list[str]:
    found = {name for group in groups for name in group}
    return [name for name in INTERFACES if name in found]


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _strip(node: Any, *, in_properties: bool = False) -> Any:
    """Drop prose and examples; keep everything that constrains a value."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if not in_properties and key in ("description", "example", "title", "x-codeSamples"):
                continue
            out[key] = _strip(value, in_properties=key == "properties" and not in_properties)
        return out
    if isinstance(node, list):
        return [_strip(item) for item in node]
    return node


def _collect_refs(spec: dict[str, Any], node: Any, schemas: dict[str, Any]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in schemas:
                schemas[name] = _strip(spec["components"]["schemas"][name])
                _collect_refs(spec, schemas[name], schemas)
        for value in node.values():
            _collect_refs(spec, value, schemas)
    elif isinstance(node, list):
        for item in node:
            _collect_refs(spec, item, schemas)


@functools.cache
def load_extract() -> dict[str, Any]:
    """The shipped extract (read once per process, on first use)."""
    text = resources.files(__package__).joinpath(EXTRACT_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def extract_from_file(spec_path: Path) -> dict[str, Any]:
    import yaml

    raw = spec_path.read_bytes()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(raw, Loader=loader)  # noqa: S506 - a safe loader, chosen for speed
    return build_extract(spec, hashlib.sha256(raw).hexdigest())


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m crossdock.sandboxes.carecloud.specdata SPEC.yaml")
    extract = extract_from_file(Path(argv[0]))
    target = Path(__file__).with_name(EXTRACT_FILE)
    target.write_text(json.dumps(extract, indent=1, sort_keys=False) + "\n", "utf-8")
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
