"""Crossdock's default CML templates, one per system, sync type, direction and stream or action,
shipped as package data in ``templates/`` and listed in docs/mappings.md.

    text = default_template("cro", "customers", "in", "customers")
    program = integration_mapping("cro", "customers", "in", "customers", system_settings)

Commerce Connect (``crescodata``) and API records cross as they are: they have no templates.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal

from crossdock.errors import FixRequest
from crossdock.mapping.cml import CmlError, Program, compile_template

__all__ = ["DEFAULTS", "default_template", "integration_mapping"]

# (system id, sync type, direction, stream or action) -> template file in templates/.
# "in": a vendor record of the named stream -> our sync type's record;
# "out": our master record -> the vendor's payload for the named action.
DEFAULTS: dict[tuple[str, str, str, str], str] = {
    ("cro", "customers", "in", "customers"): "cro_customers_in.yaml",
    ("cro", "customers", "out", "create_customer"): "cro_customers_out.yaml",
    ("carecloud", "customers", "in", "customers"): "carecloud_customers_in.yaml",
    ("carecloud", "customers", "out", "create_customer"): "carecloud_customers_out.yaml",
    ("cropster", "stock", "in", "greenLots"): "cropster_stock_in.yaml",
    ("cropster", "stock", "in", "roastedLots"): "cropster_roasted_stock_in.yaml",
    ("cropster", "stock", "in", "blendedLots"): "cropster_blended_stock_in.yaml",
    # A product's stock and its master product are sent alike: one lot per record.
    ("cropster", "stock", "out", "import_green_lot"): "cropster_green_lot_out.yaml",
    ("cropster", "products", "out", "import_green_lot"): "cropster_green_lot_out.yaml",
    ("customtrades", "customers", "in", "customers"): "customtrades_customers_in.yaml",
    # Jobs are the orders the sync engine pulls; an invoice is a bill for (part of) a job.
    ("customtrades", "orders", "in", "jobs"): "customtrades_jobs_in.yaml",
    ("customtrades", "orders", "in", "invoices"): "customtrades_invoices_in.yaml",
    # The same body creates a customer (POST) and updates one (PUT).
    ("customtrades", "customers", "out", "create_customer"): "customtrades_customers_out.yaml",
    # Orders out take {"rows": [<data row>, ...]}, one row per line item, and the variables
    # customerUuid (both) and jobUuid (the invoice).
    ("customtrades", "orders", "out", "create_job"): "customtrades_job_out.yaml",
    ("customtrades", "orders", "out", "create_invoice"): "customtrades_invoice_out.yaml",
}


def default_template(
    system_id: str, sync_type: str, direction: Literal["in", "out"], name: str = ""
) -> str | None:
    """The template text, or None when the system has no default for this.

    direction "in": a vendor record of stream ``name`` (e.g. "customers", "greenLots") -> our
    ``sync_type`` record; "out": our master record's data row / record -> the vendor's write
    payload for action ``name`` (e.g. "create_customer", "create_job", "create_invoice",
    "import_green_lot"). Without ``name``, the one template for the system, sync type and
    direction; a ValueError when there are several to choose from."""
    if name:
        file = DEFAULTS.get((system_id, sync_type, direction, name))
    else:
        files = [
            f
            for (system, sync, way, _), f in DEFAULTS.items()
            if (system, sync, way) == (system_id, sync_type, direction)
        ]
        if len(files) > 1:
            names = sorted(
                n
                for (system, sync, way, n) in DEFAULTS
                if (system, sync, way) == (system_id, sync_type, direction)
            )
            raise ValueError(
                f"{system_id} has {len(files)} default {sync_type} templates {direction}: "
                f"name one of {', '.join(names)}"
            )
        file = files[0] if files else None
    if file is None:
        return None
    return _read(file)


@functools.cache
def _read(file: str) -> str:
    """A template's text, read once per process: publishing asks for it on every delivery."""
    return resources.files(__name__).joinpath("templates", file).read_text(encoding="utf-8")


# The settings an integration's own template and its overwrites are in, by direction.
_SETTINGS = {
    "in": ("mappingTemplate", "mappingOverwrites"),
    "out": ("publishTemplate", "publishOverwrites"),
}


def integration_mapping(
    system_id: str,
    sync_type: str,
    direction: Literal["in", "out"],
    name: str,
    settings: Mapping[str, Any],
) -> Program:
    """The program an integration maps with: its own template (``mappingTemplate`` in,
    ``publishTemplate`` out) or the system's default for stream or action ``name``, with its
    overwrites (``mappingOverwrites``, ``publishOverwrites``) layered on top. ``FixRequest``
    when there is none, or it does not compile."""
    template_key, overwrites_key = _SETTINGS[direction]
    template = settings.get(template_key) or default_template(system_id, sync_type, direction, name)
    if not template:
        what = (
            f"from {system_id} {name} into {sync_type}"
            if direction == "in"
            else f"from {sync_type} to {system_id}'s {name}"
        )
        raise FixRequest(
            f"No mapping {what}: set {template_key} in the integration's systemSettings.",
            field=f"systemSettings.{template_key}",
        )
    try:
        return compile_template(template, list(settings.get(overwrites_key) or []))
    except CmlError as exc:
        kind = "mapping" if direction == "in" else "publish"
        raise FixRequest(f"The {kind} template is not valid: {exc}", field=template_key) from exc
