"""Contract claims of the broken variants that only fuzzing decides (the kill matrix relies on this).

``FUZZ_PROVEN`` lists, per variant, the ``CONTRACT-*`` ids of its ``breaks`` that the scenario matrix
cannot decide; ``tests/selftest`` requires every claimed id to be decided by the matrix or listed here,
and the test below proves each listed claim with a fuzz run.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.config import Settings
from conformance.fuzz import AUTH_UNIT, FuzzSession
from conformance.session import RunContext

# (profile, variant) -> the claims only fuzzing decides.
FUZZ_PROVEN: dict[tuple[str, str], frozenset[str]] = {
    (profile, variant): frozenset({"CONTRACT-AUTH"})
    for profile in ("klantinteracties-v1", "klanten-v1")
    for variant in ("anonymous-reads", "anonymous-writes", "any-token")
}


@pytest.mark.parametrize(("profile", "variant"), sorted(FUZZ_PROVEN))
def test_fuzzing_decides_the_variants_contract_claims(profile: str, variant: str) -> None:
    settings = Settings(profile=profile, reference_variant=variant, fuzz=True, fuzz_phases="examples")
    ctx = RunContext.open(settings)
    try:
        session = FuzzSession(ctx)
        outcome = session.run_unit(AUTH_UNIT)
        assert outcome.error is None, outcome.error
        assert {f.requirement for f in outcome.findings} == set(FUZZ_PROVEN[(profile, variant)])
        assert session.finish().failed == []
    finally:
        ctx.close()


def test_the_reference_gives_no_auth_finding(fuzz_run: Any) -> None:
    run = fuzz_run("reference", fuzz_phases="examples", finish=False)
    outcome = run.session.run_unit(AUTH_UNIT)
    assert outcome.error is None and outcome.findings == [] and outcome.checked == {"CONTRACT-AUTH"}
    run.session.finish()
