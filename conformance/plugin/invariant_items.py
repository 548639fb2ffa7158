"""pytest collection of the invariant layer: the profile file yields one item per invariant id.

``InvariantFile`` (the active profile, ``specs/profiles/<p>.yaml``, whose ``invariants:`` data
drives the layer) runs the whole ``InvariantRun`` once in its setup and records every result
through the run's ``RunRecorder``; each ``InvariantItem`` then reports its own verdict, so JUnit
has one testcase per invariant id. Shrunk violations are written as scenario files to
``<report dir>/invariants/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.errors import ToolError
from conformance.failures import ConformanceFailure
from conformance.invariants import INVARIANTS, Invariant, InvariantOutcome, InvariantRun
from conformance.invariants.run import SECTION
from conformance.plugin.state import get_context
from conformance.results import ScenarioResult
from conformance.verdicts import Verdict


class InvariantFile(pytest.File):
    """The active profile file; owns the run's invariant outcome."""

    outcome_: InvariantOutcome | None = None

    def collect(self) -> Iterator[pytest.Item]:
        for invariant in INVARIANTS:
            yield InvariantItem.from_parent(self, name=invariant.id, invariant=invariant)

    def setup(self) -> None:
        ctx = get_context(self.config)
        outcome = InvariantRun.for_context(ctx).execute()
        for result in outcome.results:
            ctx.recorder.record_scenario(result)
        for invariant, verifies, reason in outcome.not_run:
            ctx.recorder.record_not_run(invariant, verifies, reason)
        ctx.recorder.record_section(SECTION, outcome.section)
        write_exports(outcome, ctx.settings.report_dir, ctx.redactor)
        self.outcome_ = outcome


def write_exports(outcome: InvariantOutcome, report_dir: Any, redactor: Any) -> None:
    """Each shrunk violation as ``<report dir>/invariants/<id>-found.scenario.yaml``."""
    import yaml

    if not outcome.exports:
        return
    folder = report_dir / "invariants"
    folder.mkdir(parents=True, exist_ok=True)
    for invariant, document in outcome.exports.items():
        text = yaml.safe_dump(redactor.value(document), sort_keys=False, allow_unicode=True, width=110)
        (folder / f"{invariant}-found.scenario.yaml").write_text(text, encoding="utf-8")


class InvariantItem(pytest.Item):
    """One invariant id: its verdict from the file's run."""

    parent: InvariantFile

    def __init__(self, *, invariant: Invariant, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.invariant = invariant
        self.add_marker(pytest.mark.requirement(invariant.requirement))
        self.keywords["invariants"] = True

    def _result(self) -> ScenarioResult | None:
        outcome = self.parent.outcome_
        if outcome is None:
            raise ToolError("the invariant run did not start")
        return next((r for r in outcome.results if r.scenario_id == self.invariant.id), None)

    def runtest(self) -> None:
        result = self._result()
        if result is None:
            outcome = self.parent.outcome_
            reason = next(
                (r for i, _, r in (outcome.not_run if outcome else []) if i == self.invariant.id), "not run"
            )
            pytest.skip(f"{self.invariant.id}: {reason}")
        assert result is not None
        if result.verdict is Verdict.ERROR:
            raise ToolError(result.message)
        if result.verdict is Verdict.FAIL:
            raise ConformanceFailure(
                result.message, expected=self.invariant.statement, received=result.message
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceFailure | ToolError):
            return f"{self.invariant.id} ({self.invariant.requirement}): {excinfo.value}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, f"invariant {self.invariant.id}"
