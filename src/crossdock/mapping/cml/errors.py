"""CML's two errors: a template that cannot compile, and a record a compiled template cannot map.

Both are ``FixRequest`` errors (400): the template or the record must change. A compile error
names the template and its line (``template:12``, ``overwrites.0:3``); a runtime error names
the value's place in the request (``record.variants[1].price``), the output field being built
and the template line of the step that failed.
"""

from __future__ import annotations

from crossdock.errors import FixRequest


class CmlError(FixRequest):
    """Anything CML refuses."""


class CmlCompileError(CmlError):
    explanation = "The CML template is not valid; correct it at the line named in field."

    def __init__(self, detail: str, *, source: str = "template", line: int | None = None) -> None:
        where = source if line is None else f"{source}:{line}"
        super().__init__(detail, field=where)
        self.source = source
        self.line = line

    def __str__(self) -> str:
        return f"{self.field}: {self.detail}"


class CmlRuntimeError(CmlError):
    explanation = (
        "The record could not be mapped by this CML template; field names the value that "
        "could not be mapped."
    )

    def __init__(
        self,
        detail: str,
        *,
        path: str | None = None,
        source: str = "template",
        line: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.reason = detail
        self.path = path
        """Where the value is in the request: ``record.variants[1].price``,
        ``groupSources[0].title``, ``variables.markup``; None for computed values."""
        self.source = source
        self.line = line
        self._output: list[str] = []
        self._refresh()

    @property
    def output(self) -> str:
        """The output field being built, e.g. ``listings[1].price``."""
        return "".join(reversed(self._output)).lstrip(".")

    def within(self, segment: str) -> CmlRuntimeError:
        """Called by each enclosing object and list on the way out, innermost first."""
        self._output.append(segment)
        self._refresh()
        return self

    def _refresh(self) -> None:
        template = self.source if self.line is None else f"{self.source}:{self.line}"
        context = [f"output {self.output}"] if self._output else []
        context.append(template)
        self.detail = f"{self.reason} ({', '.join(context)})"
        self.field = self.path or template
        self.args = (str(self),)

    def __str__(self) -> str:
        where = self.path
        if where is not None and where.startswith("record."):
            where = where[len("record.") :]
        return f"{where}: {self.detail}" if where else self.detail


class StepFailure(Exception):
    """Raised by a step; the expression that ran it adds the value's path."""

    def __init__(self, reason: str, source: str, line: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.line = line
