"""The ``/_sandbox/`` control API: reset, seed, recorded requests, credentials, faults, clock.

It is a separate ASGI app mounted beside the vendor's routes, so its errors use a plain
``{"detail": ...}`` body and never the vendor's format, and faults never apply to it.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException
from pydantic import BaseModel, Field

from crossdock.sandboxes.base.faults import ActiveFault, FaultRule
from crossdock.sandboxes.base.sandbox import Sandbox


class SeedRequest(BaseModel):
    seed: int | None = None
    records: int | None = Field(default=None, ge=0, le=2_000_000)


class AdvanceRequest(BaseModel):
    seconds: float = Field(gt=0)


def create_control_app(sandbox: Sandbox) -> FastAPI:
    app = FastAPI(title=f"{sandbox.state.vendor} sandbox control API", docs_url="/docs")

    @app.get("/")
    def status() -> dict[str, Any]:
        with sandbox.state.lock:
            counts = sandbox.state.counts()
        return {
            "vendor": sandbox.state.vendor,
            "seed": sandbox.config.seed,
            "records": sandbox.config.records,
            "counts": counts,
            "clock": {"now": sandbox.clock.now().isoformat(), "offset": sandbox.clock.offset},
            "faults": [f.model_dump() for f in sandbox.faults.rules()],
            "credentials": sandbox.state.credentials(),
        }

    @app.post("/reset")
    def reset() -> dict[str, Any]:
        """Back to the start: the configured seed data, no faults, no recorded requests."""
        sandbox.reset()
        return {"ok": True}

    @app.post("/seed")
    def seed(request: SeedRequest) -> dict[str, Any]:
        """Regenerate the data from another seed or at another size; faults stay."""
        with sandbox.state.lock:
            sandbox.state.reset(
                seed=sandbox.config.seed if request.seed is None else request.seed,
                records=sandbox.config.records if request.records is None else request.records,
            )
            counts = sandbox.state.counts()
        return {"ok": True, "counts": counts}

    @app.get("/requests")
    def requests(limit: int = 100) -> list[dict[str, Any]]:
        items = sandbox.recorder.items()[-max(limit, 1) :]
        return [dataclasses.asdict(item) for item in items]

    @app.delete("/requests", status_code=204)
    def clear_requests() -> None:
        sandbox.recorder.clear()

    @app.post("/credentials", status_code=201)
    def issue_credentials(
        params: Annotated[dict[str, Any] | None, Body()] = None,
    ) -> dict[str, Any]:
        with sandbox.state.lock:
            try:
                return sandbox.state.issue_credentials(params or {})
            except ValueError as exc:
                raise HTTPException(400, str(exc)) from exc

    @app.get("/faults")
    def list_faults() -> list[ActiveFault]:
        return sandbox.faults.rules()

    @app.post("/faults", status_code=201)
    def add_fault(rule: FaultRule) -> ActiveFault:
        return sandbox.faults.add(rule)

    @app.delete("/faults", status_code=204)
    def clear_faults() -> None:
        sandbox.faults.clear()

    @app.delete("/faults/{fault_id}", status_code=204)
    def remove_fault(fault_id: int) -> None:
        if not sandbox.faults.remove(fault_id):
            raise HTTPException(404, f"no fault with id {fault_id}")

    @app.get("/clock")
    def clock() -> dict[str, Any]:
        return {"now": sandbox.clock.now().isoformat(), "offset": sandbox.clock.offset}

    @app.post("/clock/advance")
    def advance(request: AdvanceRequest) -> dict[str, Any]:
        sandbox.clock.advance(request.seconds)
        return {"now": sandbox.clock.now().isoformat(), "offset": sandbox.clock.offset}

    @app.post("/tokens/expire")
    def expire_tokens() -> dict[str, Any]:
        with sandbox.state.lock:
            return {"expired": sandbox.state.expire_tokens()}

    @app.post("/records/insert")
    def insert_records(count: int = 1) -> dict[str, Any]:
        with sandbox.state.lock:
            return {"inserted": sandbox.state.insert_records(max(count, 1))}

    return app
