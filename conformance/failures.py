"""Conformance failures: the target answered, and the answer breaks a rule (verdict ``fail``).

They subclass ``AssertionError`` so pytest reports them as failed and Allure as failed (not
broken). Tool and target problems live in ``errors.py``.
"""

from __future__ import annotations

from typing import Any


class ConformanceFailure(AssertionError):
    """An expectation of a scenario step was not met.

    ``expected`` and ``received`` are short human-readable renderings; ``step`` names the step.
    """

    def __init__(
        self,
        message: str,
        *,
        expected: Any = None,
        received: Any = None,
        step: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.received = received
        self.step = step

    def describe(self, *, with_step: bool = True) -> str:
        """Render the failure as the lines shown in terminal, JUnit and JSON reports."""
        lines = []
        if self.step and with_step:
            lines.append(f"step {self.step!r}: {self.message}")
        else:
            lines.append(self.message)
        if self.expected is not None:
            lines.append(f"  expected: {self.expected}")
        if self.received is not None:
            lines.append(f"  received: {self.received}")
        return "\n".join(lines)


class StatusMismatch(ConformanceFailure):
    """The response status is not one the scenario accepts."""


class BodyMismatch(ConformanceFailure):
    """A body, header or leak assertion does not hold."""
