"""Problems of the tool, its configuration or the target: they give the verdict ``error``.

Two exception trees keep verdicts honest. Everything here means "the target could not be
evaluated"; a conformance failure (the target answered, wrongly) lives in ``failures.py``.

    ToolError
    ├── ConfigError            bad settings, unknown profile, unreadable spec
    ├── ScenarioFormatError    a scenario or catalogue file is malformed (file, line, key, hint)
    ├── PreconditionUnmet      a scenario's ``requires`` does not hold (verdict inconclusive)
    ├── NotApplicable          the scenario does not apply to the active profile
    └── TargetError            connection refused/reset, timeout, oversized or non-JSON body
"""

from __future__ import annotations

from dataclasses import dataclass


class ToolError(Exception):
    """Root of every non-conformance problem: the verdict is ``error``, never ``fail``."""


class ConfigError(ToolError):
    """The settings, profile or spec cannot be used."""


@dataclass
class ScenarioFormatError(ToolError):
    """A scenario (or catalogue) file is malformed; never a failed conformance test."""

    file: str
    line: int | None
    message: str
    key: str | None = None
    suggestion: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        text = f"{where}: {self.message}"
        if self.suggestion:
            text += f" ({self.suggestion})"
        return text


class PreconditionUnmet(ToolError):
    """A ``requires`` entry does not hold for this run: the scenario is inconclusive."""


class NotApplicable(ToolError):
    """The scenario does not apply to the active profile."""


class TargetError(ToolError):
    """The target could not be evaluated: network failure, timeout, unusable response."""
