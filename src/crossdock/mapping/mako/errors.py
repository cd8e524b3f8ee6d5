"""What can go wrong with a Mako render, grouped by who must act (see ``crossdock.errors``)."""

from __future__ import annotations

from crossdock.errors import FixRequest, Forbidden, GiveUp, RetryLater, ValidationFailed


class TemplateError(ValidationFailed):
    """The template does not compile, or raised while rendering: a 400 naming its line."""

    explanation = "The Mako template could not be compiled or rendered; correct the template."

    def __init__(self, detail: str, *, kind: str, line: int | None = None) -> None:
        where = f"Line {line}: " if line else ""
        entry = {"field": "template", "kind": kind, "detail": detail}
        if line:
            entry["line"] = str(line)
        super().__init__(where + detail, field="template", errors=[entry])
        self.kind = kind
        self.line = line


class LimitExceeded(FixRequest):
    """The render passed a limit (time, CPU, memory, input or output size): a 422."""

    status = 422
    explanation = (
        "The template exceeded a limit of the confined Mako renderer (time, memory or size); "
        "simplify the template or send fewer records."
    )

    def __init__(self, detail: str, *, limit: str) -> None:
        super().__init__(detail, field="template" if limit != "input" else "record")
        self.limit = limit


class MakoDisabled(Forbidden):
    explanation = "Mako rendering is switched off, or not open to your role, on this hub."


class MakoBusy(RetryLater):
    explanation = "Every Mako render slot stayed busy; retry the request later."


class MakoUnavailable(GiveUp):
    """The confinement could not be set up (or broke): Crossdock refuses to render unconfined."""

    status = 503
    explanation = (
        "Crossdock cannot confine Mako templates on this host, so it does not render them; "
        "an operator must fix the host (see docs/mapping.md)."
    )
