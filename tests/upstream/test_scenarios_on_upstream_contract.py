"""The scenarios need nothing beyond the published Open Klant contract.

Run against the reference server but resolved through the upstream Open Klant 2.18 document,
every operationId a scenario names must exist there, every behavioural verdict must stay ``pass``,
and no contract finding appears: upstream documents no 4xx at all, and the profile's implicit error
statuses (400, 401, 404, 415, …) keep the refusals the scenarios provoke from being CONTRACT-STATUS
failures.
"""

from __future__ import annotations

from pathlib import Path

from conformance.config import Settings
from conformance.loader import load_scenario, scenario_files
from conformance.runner import ScenarioRunner
from conformance.session import RunContext
from conformance.verdicts import Verdict
from tests.upstream.test_contract_facts import UPSTREAM_FILE


def test_every_scenario_resolves_and_passes_through_the_upstream_contract(upstream_dir: Path) -> None:
    settings = Settings(spec=str(upstream_dir / UPSTREAM_FILE), run_id="upstream-contract")
    ctx = RunContext.open(settings)
    try:
        runner = ScenarioRunner(ctx.runner_context())
        results = [runner.run(load_scenario(p)) for p in scenario_files([ctx.profile.scenarios_path])]
    finally:
        ctx.close()
    assert len(results) >= 30
    not_passing = {r.scenario_id: r.message for r in results if r.verdict is not Verdict.PASS}
    assert not_passing == {}
    findings = [f.to_dict() for r in results for f in r.contract_findings]
    assert findings == []
    checked = set().union(*(r.contract_checked for r in results))
    assert {"CONTRACT-STATUS", "CONTRACT-SCHEMA", "CONTRACT-PROBLEM-DETAILS"} <= checked
