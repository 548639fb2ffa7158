"""Shipped scenarios: every "nothing found" lookup is a verify step with a positive control (issue 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.loader import load_scenario, scenario_files
from conformance.model import Scenario, Step
from conformance.resources import scenarios_dir

SCENARIOS = [load_scenario(p) for p in scenario_files([Path(scenarios_dir())])]


def _count(step: Step) -> int | None:
    for assertion in step.expect.body if step.expect else ():
        if assertion.path == "count" and assertion.operator == "equals":
            return int(assertion.operand)
    return None


def _literal_query(step: Step) -> dict[str, object]:
    """The query with templated values masked: the same *kind* of lookup, another value."""
    return {k: ("<value>" if "{{" in str(v) else v) for k, v in step.request.query.items()}


def _empty_lookups(scenario: Scenario) -> list[Step]:
    return [s for s in scenario.steps if _count(s) == 0]


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if _empty_lookups(s)], ids=lambda s: s.id)
def test_empty_lookups_are_verify_steps_with_a_positive_control(scenario: Scenario) -> None:
    for step in _empty_lookups(scenario):
        assert step.verify, f"{scenario.id}: {step.name!r} checks `count: 0` but is not `verify: true`"
        controls = [
            s
            for s in scenario.steps
            if (_count(s) or 0) >= 1
            and s.request.operation == step.request.operation
            and _literal_query(s) == _literal_query(step)
        ]
        assert controls, (
            f"{scenario.id}: {step.name!r} finds nothing, but no step shows the same lookup "
            "finding something (a positive control)"
        )


def test_there_are_empty_lookups_to_check() -> None:
    assert sum(len(_empty_lookups(s)) for s in SCENARIOS) >= 10
