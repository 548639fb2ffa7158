"""pytest collection of the contract file when fuzzing is on: one item per fuzz unit.

``FuzzFile`` (the active contract, e.g. ``specs/klantinteracties-v1/openapi.yaml``) yields one
``FuzzItem`` for the auth check, one per operation and one for the stateful run, so JUnit has one
testcase per operation and Allure distinct history ids. The session is opened in the file's
setup and cleaned up (created resources deleted, ``fuzz`` report section written) in its
teardown, i.e. after the last fuzz item. Like scenarios, a unit runs in the item's *setup*: a
target or tool problem is a pytest *error*; findings are raised from ``runtest`` as a
``ConformanceFailure`` (pytest *failed*).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import allure
import pytest

from conformance.errors import ToolError
from conformance.failures import ConformanceFailure
from conformance.fuzz import CHECK_REQUIREMENTS, FuzzOptions, FuzzSession, Unit, UnitOutcome, plan
from conformance.fuzz.options import CHECK_REQUIREMENTS_ALL
from conformance.plugin.items import allure_epic
from conformance.plugin.progress import FUZZ_CASES_PROPERTY
from conformance.plugin.state import get_context, get_state
from conformance.results import ContractFinding

_MAX_LISTED = 10


class FuzzFailure(ConformanceFailure):
    """Contract findings of one fuzz unit."""

    def __init__(self, unit: str, findings: list[ContractFinding]) -> None:
        requirements = sorted({f.requirement for f in findings})
        super().__init__(
            f"{unit}: {len(findings)} contract finding(s) ({', '.join(requirements)})",
            expected="no contract violation",
            received="; ".join(f"{f.requirement} on {f.operation}" for f in findings[:_MAX_LISTED]),
        )
        self.unit = unit
        self.findings = findings

    def render(self) -> str:
        lines = [self.message]
        for finding in self.findings[:_MAX_LISTED]:
            first = finding.message.splitlines()[0] if finding.message else ""
            lines.append(f"- {finding.requirement} {finding.operation}: {first}")
            if finding.reproduction:
                lines.append(f"    {finding.reproduction}")
        if len(self.findings) > _MAX_LISTED:
            lines.append(f"... and {len(self.findings) - _MAX_LISTED} more (see the conformance report)")
        return "\n".join(lines)


class FuzzUnitError(ToolError):
    """A fuzz unit could not judge (already redacted); raised without the chain of its cause."""


class FuzzFile(pytest.File):
    """The active contract file; owns the run's ``FuzzSession``."""

    fuzz_session_: FuzzSession | None = None

    def _options(self) -> FuzzOptions:
        return FuzzOptions.from_settings(get_state(self.config).settings)

    def collect(self) -> Iterator[pytest.Item]:
        try:
            units = plan(self.path, self._options())
        except ToolError as exc:
            raise pytest.UsageError(f"klanten-conformance fuzz: {exc}") from exc
        for unit in units:
            yield FuzzItem.from_parent(self, name=_item_name(unit), unit=unit)

    def setup(self) -> None:
        ctx = get_context(self.config)
        session = FuzzSession(ctx)
        try:
            session.check_reachable()
        except ToolError as exc:
            # pytest renders setup errors with a traceback (and its frames' arguments): keep it to the
            # redacted message.
            __tracebackhide__ = True
            raise FuzzUnitError(str(exc)) from None
        # One engine run covers the operations whose items will run (not deselected, not -k'd out).
        mine = [i for i in self.session.items if isinstance(i, FuzzItem) and i.parent is self]
        session.expect(i.unit.name for i in mine)
        self.fuzz_session_ = session

    def teardown(self) -> None:
        if self.fuzz_session_ is not None:
            self.fuzz_session_.finish()

    def fuzz_session(self) -> FuzzSession:
        if self.fuzz_session_ is None:  # setup raised; pytest reports that error on every item
            raise ToolError("fuzz session not started")
        return self.fuzz_session_


def _item_name(unit: Unit) -> str:
    """Distinct names without ``[``: allure-pytest derives fullName/historyId from the part before it."""
    if unit.kind == "operation":
        return f"fuzz {unit.name}"
    if unit.kind == "stateful":
        return "fuzz stateful links"
    return "fuzz auth: unauthenticated requests are refused"


class FuzzItem(pytest.Item):
    """One fuzz unit: the auth check, one operation, or the stateful run."""

    parent: FuzzFile

    def __init__(self, *, unit: Unit, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unit = unit
        self.outcome: UnitOutcome | None = None
        if unit.kind == "auth":
            requirements = [CHECK_REQUIREMENTS_ALL["unauthenticated_refused"]]
        else:
            requirements = sorted(
                set(CHECK_REQUIREMENTS.values()) | {CHECK_REQUIREMENTS_ALL["problem_details"]}
            )
        for requirement in requirements:
            self.add_marker(pytest.mark.requirement(requirement))
            self.add_marker(pytest.mark.allure_label(requirement, label_type="requirement"))
        self.add_marker(pytest.mark.allure_label("contract fuzzing", label_type="feature"))
        self.add_marker(pytest.mark.allure_label(unit.name, label_type="story"))
        if unit.operation is not None:
            self.add_marker(pytest.mark.allure_label(unit.operation.label, label_type="operation"))
            for tag in unit.operation.tags:
                self.add_marker(pytest.mark.allure_label(tag, label_type="tag"))
        self.keywords["fuzz"] = True

    def setup(self) -> None:
        session = self.parent.fuzz_session()
        outcome = session.run_unit(self.unit.name)
        self.outcome = outcome
        self.user_properties.append((FUZZ_CASES_PROPERTY, outcome.cases))
        if outcome.skipped is not None:
            pytest.skip(outcome.skipped)
        if outcome.error is not None and not outcome.findings:
            __tracebackhide__ = True
            raise FuzzUnitError(f"{type(outcome.error).__name__}: {outcome.error}") from None

    def charge(self, report: pytest.TestReport) -> None:
        """Report the unit's own time: the first operation item runs the engine for every operation,
        and JUnit should still show each operation's share (from the engine's events)."""
        if self.outcome is not None and self.outcome.skipped is None:
            report.duration = self.outcome.duration_s

    def runtest(self) -> None:
        outcome = self.outcome
        if outcome is None:
            return
        allure.dynamic.title(f"fuzz {self.unit.name}")
        allure.dynamic.epic(allure_epic(get_context(self.config).profile))
        _attach_scrubbed(
            self.config,
            json.dumps(
                {
                    "unit": outcome.unit,
                    "requests": outcome.requests,
                    "cases": outcome.cases,
                    "checked": sorted(outcome.checked),
                    "findings": [f.to_dict() for f in outcome.findings],
                    "error": str(outcome.error) if outcome.error else None,
                    "cut_short": outcome.cut_short,
                },
                indent=2,
                ensure_ascii=False,
            ),
            name=f"fuzz {self.unit.name}",
            attachment_type=allure.attachment_type.JSON,
        )
        if outcome.findings:
            raise FuzzFailure(self.unit.name, outcome.findings)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        exc = excinfo.value
        if isinstance(exc, FuzzFailure):
            text = exc.render()
            if self.outcome is not None and self.outcome.error is not None:
                text += f"\n(also: {type(self.outcome.error).__name__}: {self.outcome.error})"
            return text
        if isinstance(exc, ToolError):
            return f"fuzz {self.unit.name}: could not evaluate the target: {type(exc).__name__}: {exc}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, f"fuzz {self.unit.name}"


def _attach_scrubbed(config: pytest.Config, text: str, **kwargs: Any) -> None:
    """An Allure attachment, scrubbed by the run's redactor as it leaves the process."""
    allure.attach(get_context(config).redactor.text(text), **kwargs)
