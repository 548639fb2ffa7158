"""pytest collection of scenario files: one file, one item, one verdict.

The scenario runs in the item's setup, so a target or tool problem surfaces as a pytest
*error* (JUnit ``<error>``, Allure *broken*); a conformance failure is raised from ``runtest``
and surfaces as a *failure*. Format problems are collection errors, never failures.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import allure
import pytest

from conformance.catalogue import load_catalogue_file
from conformance.errors import ScenarioFormatError, ToolError
from conformance.evidence import curl
from conformance.failures import ConformanceFailure
from conformance.loader import check_collection, load_scenario
from conformance.model import Scenario
from conformance.plugin.state import get_context, get_state
from conformance.profiles import Profile
from conformance.reports.failure import failing_exchange
from conformance.resources import specs_dir
from conformance.results import ScenarioResult
from conformance.runner import ScenarioRunner
from conformance.verdicts import Verdict

_KNOWN: set[str] | None = None


def allure_epic(profile: Profile) -> str:
    """Allure epic: the standard and its version, e.g. ``klantinteracties-v1 (API 0.9.0)``."""
    return f"{profile.name} (API {profile.api_version})"


def known_requirement_ids() -> set[str]:
    """Ids of every shipped catalogue (ids are global across profiles)."""
    global _KNOWN
    if _KNOWN is None:
        ids: set[str] = set()
        for path in sorted((specs_dir() / "requirements").glob("*.yaml")):
            ids.update(r.id for r in load_catalogue_file(path))
        _KNOWN = ids
    return _KNOWN


class ScenarioError(ToolError):
    """Raised from an item's setup when the scenario could not be evaluated (verdict error)."""


class ScenarioFile(pytest.File):
    """A ``*.scenario.yaml`` file."""

    def collect(self) -> Iterator[pytest.Item]:
        scenario = load_scenario(self.path)
        state = get_state(self.config)
        problems = check_collection([scenario], known_requirement_ids())
        first = state.seen_ids.setdefault(scenario.id, self.path)
        if first != self.path:
            problems.insert(
                0,
                ScenarioFormatError(
                    str(self.path),
                    scenario.key_lines.get("id"),
                    f"duplicate scenario id `{scenario.id}` (also in {first})",
                    key="id",
                ),
            )
        if problems:
            raise problems[0]
        yield ScenarioItem.from_parent(self, name=scenario.id, scenario=scenario)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, ScenarioFormatError):
            return f"scenario format error: {excinfo.value}"
        return str(super().repr_failure(excinfo))


class ScenarioItem(pytest.Item):
    """One scenario; see the module docstring for how verdicts map to outcomes."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.result: ScenarioResult | None = None
        for requirement in scenario.verifies:
            self.add_marker(pytest.mark.requirement(requirement))
            self.add_marker(pytest.mark.allure_label(requirement, label_type="requirement"))
        self.add_marker(pytest.mark.allure_label(scenario.id, label_type="as_id"))
        severity = "critical" if scenario.level == "MUST" else "normal"  # allure's severity vocabulary
        self.add_marker(pytest.mark.allure_label(severity, label_type="severity"))
        for tag in scenario.tags:
            self.keywords[tag] = True

    def setup(self) -> None:
        ctx = get_context(self.config)
        result = ScenarioRunner(ctx.runner_context()).run(self.scenario)
        self.result = result
        ctx.recorder.record_scenario(result)
        if isinstance(result.failure, KeyboardInterrupt):  # Ctrl-C: cleaned up and recorded; now stop
            raise result.failure
        self._attach_evidence(result)
        if result.verdict is Verdict.ERROR and result.failure is not None:
            # pytest renders setup errors with a traceback, not repr_failure: keep it to the summary.
            __tracebackhide__ = True
            raise ScenarioError(self._summary(result.failure)) from None
        if result.verdict in (Verdict.INCONCLUSIVE, Verdict.NOT_APPLICABLE):
            pytest.skip(f"{result.verdict.value}: {result.message}")

    def runtest(self) -> None:
        if (
            self.result is not None
            and self.result.verdict is Verdict.FAIL
            and self.result.failure is not None
        ):
            raise self.result.failure

    def _attach_evidence(self, result: ScenarioResult) -> None:
        ctx = get_context(self.config)
        allure.dynamic.title(self.scenario.title)
        allure.dynamic.epic(allure_epic(ctx.profile))
        allure.dynamic.story(self.scenario.id)
        texts = [self.scenario.description]
        for requirement_id in self.scenario.verifies:
            allure.dynamic.feature(requirement_id)
            requirement = ctx.catalogue.get(requirement_id)
            if requirement is None:
                continue
            # ``--allure-link-pattern requirement:https://…/report.html#req-{}`` makes it a URL.
            allure.dynamic.link(requirement_id, link_type="requirement", name=requirement_id)
            texts.append(
                f"{requirement_id} ({requirement.section}):\n> {requirement.quote}\n\n{requirement.statement}"
            )
        # allure-pytest sets the description from this marker after setup (a dynamic call would be lost).
        self.add_marker(pytest.mark.allure_description("\n\n".join(texts)))
        for exchange in result.exchanges:
            scrub = get_context(self.config).redactor.text
            allure.attach(
                scrub(json.dumps(exchange.to_dict(), indent=2, ensure_ascii=False)),
                name=scrub(f"{exchange.step}: {exchange.method} -> {exchange.status or exchange.error}"),
                attachment_type=allure.attachment_type.JSON,
            )

    def _summary(self, exc: BaseException) -> str:
        head = f"scenario {self.scenario.id} (verifies {', '.join(self.scenario.verifies)})"
        if isinstance(exc, ConformanceFailure):
            body = exc.describe()
        else:
            body = f"could not evaluate the target: {type(exc).__name__}: {exc}"
        lines = [head, body]
        if self.result is not None and self.result.exchanges:
            lines.append("exchanges:")
            lines.extend(f"  {e.summary()}" for e in self.result.exchanges[-6:])
            failing = failing_exchange(self.result.exchanges, getattr(exc, "step", None))
            if failing is not None:
                lines.append(f"reproduce ({failing.step}):")
                lines.append(f"  {curl(failing)}")
        return "\n".join(lines)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceFailure | ToolError):
            return self._summary(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, self.scenario.line - 1, f"scenario {self.scenario.id}"
