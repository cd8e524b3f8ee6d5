"""CML, the Crossdock mapping language: declarative YAML or JSON templates that map one record
to another, compiled once (cached by content hash) and applied fast. The language is specified
in docs/cml.md.

    program = compile_template(text, overwrites=[...])
    mapped = program.apply(record, group=[...], variables={...})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crossdock.mapping.cml.errors import CmlCompileError, CmlError, CmlRuntimeError
from crossdock.mapping.cml.program import Program, ProgramCache, Source
from crossdock.mapping.cml.runtime import MAX_OUTPUT, MAX_WORK

__all__ = [
    "MAX_OUTPUT",
    "MAX_WORK",
    "CmlCompileError",
    "CmlError",
    "CmlRuntimeError",
    "Program",
    "ProgramCache",
    "Source",
    "compile_template",
    "map_record",
    "program_cache",
]

# The process's compiled templates. An empty cache is all that exists at import time.
_CACHE = ProgramCache()


def program_cache() -> ProgramCache:
    return _CACHE


def compile_template(
    template: str, overwrites: Sequence[str] = (), *, name: str = "template"
) -> Program:
    """Validate and compile a template and its overwrites, or take them from the cache.
    Errors name ``template`` (or ``name``) and ``overwrites.<n>`` with the line."""
    sources = [Source(name, template)]
    sources += [Source(f"overwrites.{i}", text) for i, text in enumerate(overwrites)]
    return _CACHE.get(sources)


def map_record(
    template: str,
    record: Mapping[str, Any],
    *,
    overwrites: Sequence[str] = (),
    group_sources: Sequence[Mapping[str, Any]] = (),
    variables: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Compile (or reuse) the template and map one record: what ``POST /mapping/cml`` does."""
    program = compile_template(template, overwrites)
    return program.apply(record, group=group_sources, variables=variables)
