"""The suite's self-test: the reference passes everything and each broken variant is caught.

For every variant, each requirement it claims to break must get ``fail`` and every other
decided requirement must still ``pass`` (no collateral false failures). The matrix is printed
at the end of the session (see ``tests/conftest.py``).
"""

from __future__ import annotations

import pytest

from conformance.config import Settings
from conformance.loader import load_scenario, scenario_files
from conformance.reference.variants import VARIANTS
from conformance.report import requirement_verdicts
from conformance.runner import ScenarioRunner
from conformance.session import RunContext
from conformance.verdicts import Verdict
from tests.selftest import matrix


def _verdicts(variant: str, spec: str | None = None) -> dict[str, Verdict]:
    ctx = RunContext.open(Settings(reference_variant=variant, run_id=f"selftest-{variant}", spec=spec))
    try:
        runner = ScenarioRunner(ctx.runner_context())
        for path in scenario_files([ctx.profile.scenarios_path]):
            ctx.recorder.record_scenario(runner.run(load_scenario(path)))
        problems = [
            f"{s.scenario_id}: {s.message}" for s in ctx.recorder.scenarios if s.verdict is Verdict.ERROR
        ]
        assert not problems, "scenarios could not be evaluated:\n" + "\n".join(problems)
        leftovers = [c for s in ctx.recorder.scenarios for c in s.cleanups if not c.ok]
        assert not leftovers, f"cleanup failed: {leftovers}"
        rows = requirement_verdicts(ctx.catalogue, ctx.profile.name, ctx.recorder)
        return {
            r.requirement.id: r.verdict
            for r in rows
            # In scope: what scenarios decide. Fuzz-only contract checks are proven in tests/fuzz.
            if r.requirement.verified_by == "scenarios" or r.requirement.id in ctx.recorder.contract_checked
        }
    finally:
        ctx.close()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_is_caught_by_exactly_its_requirements(variant: str) -> None:
    verdicts = _verdicts(variant)
    matrix.record(variant, verdicts)
    assert_exact(variant, verdicts)


def assert_exact(variant: str, verdicts: dict[str, Verdict]) -> None:
    """Every requirement the variant breaks fails, nothing else does, nothing errors."""
    breaks = set(VARIANTS[variant].breaks)
    decided = {rid: v for rid, v in verdicts.items() if v in (Verdict.PASS, Verdict.FAIL)}
    missed = sorted(rid for rid in breaks & set(verdicts) if verdicts[rid] is not Verdict.FAIL)
    collateral = sorted(rid for rid, v in decided.items() if v is Verdict.FAIL and rid not in breaks)
    assert not missed, (
        f"{variant}: violations missed for {missed} (verdicts {[verdicts.get(m) for m in missed]})"
    )
    assert not collateral, f"{variant}: requirements failed that the variant does not break: {collateral}"
    errors = sorted(rid for rid, v in verdicts.items() if v is Verdict.ERROR)
    assert not errors, f"{variant}: requirements in error {errors}"
    if variant == "reference":
        assert all(v is Verdict.PASS for rid, v in decided.items()), verdicts
        assert not [rid for rid, v in verdicts.items() if v is Verdict.INCONCLUSIVE]
