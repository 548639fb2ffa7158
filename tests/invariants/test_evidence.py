"""A violation is shrunk, reported with its exchanges and replay command, and exported as a scenario
file that passes the scenario schema, fails on the broken server and passes on the reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.config import Settings
from conformance.loader import parse_scenario, schema_errors
from conformance.runner import ScenarioRunner
from conformance.session import RunContext
from conformance.verdicts import Verdict
from tests.invariants.conftest import Runner

CASES = [
    ("klantinteracties-v1", "inv-zelfstandig-via-move", "INV-R13-stays-zelfstandig"),
    ("klantinteracties-v1", "inv-bsn-link-unchecked", "INV-R4-bsn-unique"),
    ("klantinteracties-v1", "inv-refused-but-stored", "INV-R7-no-unauthenticated-registration"),
    ("klanten-v1", "inv-klant-bsn-unique-on-create-only", "INV-R4-bsn-unique"),
]


def _run_exported(document: dict[str, Any], profile: str, variant: str) -> tuple[Verdict, str]:
    scenario = parse_scenario(document, Path(f"{document['id']}.scenario.yaml"))
    settings = Settings(
        profile=profile, reference_variant=variant, run_id=f"exp-{variant}", skip_preflight=True
    )
    ctx = RunContext.open(settings)
    try:
        result = ScenarioRunner(ctx.runner_context()).run(scenario)
        return result.verdict, result.message
    finally:
        ctx.close()


@pytest.mark.parametrize(("profile", "variant", "invariant"), CASES)
def test_a_violation_is_shrunk_and_exported_as_a_working_scenario(
    run_invariants: Runner, profile: str, variant: str, invariant: str
) -> None:
    outcome = run_invariants(profile, variant)
    result = next(r for r in outcome.results if r.scenario_id == invariant)
    assert result.verdict is Verdict.FAIL
    assert result.exchanges, "a violation carries every exchange of its minimal sequence"
    assert "klanten-conformance run" in result.message and "--seed" in result.message
    violation = next(v for v in outcome.section["violations"] if v["invariant"] == invariant)
    assert len(violation["steps"]) <= 5, violation["steps"]  # shrunk (orphan-then-link needs 5)
    document = outcome.exports[invariant]
    assert not schema_errors(document, "exported"), schema_errors(document, "exported")
    verdict, message = _run_exported(document, profile, variant)
    assert verdict is Verdict.FAIL, message
    # On a conformant server the sequence is refused somewhere: pass, or inconclusive when a step
    # that builds the situation is refused; never a false fail.
    verdict, message = _run_exported(document, profile, "reference")
    assert verdict in (Verdict.PASS, Verdict.INCONCLUSIVE), message


def test_no_secret_in_the_exchanges_or_the_export(run_invariants: Runner) -> None:
    outcome = run_invariants("klanten-v1", "inv-jwt-signature-stripped")
    result = next(r for r in outcome.results if r.scenario_id == "INV-R7-no-unauthenticated-registration")
    text = repr([e.to_dict() for e in result.exchanges]) + repr(outcome.exports)
    assert "eyJ" not in text  # no JWT, valid or forged, leaves the run unredacted
