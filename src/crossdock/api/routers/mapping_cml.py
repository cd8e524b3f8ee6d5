"""``POST /mapping/cml``: run a CML template (with its overwrites) on one record.

Any authenticated user may call it: a template reads only what the request sends and runs no
code. The answer is ``{"record": <the mapped record>}``. A template that does not compile is a
400 whose ``field`` names the template and line (``template:12``, ``overwrites.0:3``); a record
the template cannot map is a 400 whose ``field`` names the value (``record.variants[1].price``).
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi import APIRouter, Response
from pydantic import Field

from crossdock.api.deps import CurrentUser
from crossdock.api.models import StrictModel
from crossdock.mapping.cml import compile_template

router = APIRouter(tags=["mapping"])

MAX_GROUP_SOURCES = 1_000


class CmlMappingModel(StrictModel):
    template: str
    """The CML template (YAML or JSON). Its size is checked by CML, which names the limit."""
    record: dict[str, Any]
    overwrites: list[str] = Field(default_factory=list)
    """Templates layered over ``template``, later ones winning (CML bounds how many)."""
    groupSources: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_GROUP_SOURCES)
    """Records of the same group, read by the template as ``$group``."""
    variables: dict[str, Any] = Field(default_factory=dict)
    """Values read as ``$variables.<name>``, over the template's declared defaults."""


@router.post("/mapping/cml", summary="Run a cml template")
def run_cml(body: CmlMappingModel, user: CurrentUser) -> Response:
    program = compile_template(body.template, body.overwrites)
    mapped = program.apply(body.record, group=body.groupSources, variables=body.variables)
    return Response(_json({"record": mapped}), media_type="application/json")


def _json(content: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(content)
    except orjson.JSONEncodeError:  # integers beyond 64 bits, copied from the record
        return json.dumps(content, ensure_ascii=False).encode()
