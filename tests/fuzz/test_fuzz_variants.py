"""Contract claims of the broken variants that only fuzzing decides (the kill matrix relies on this).

``FUZZ_PROVEN`` lists, per variant, the ``CONTRACT-*`` ids of its ``breaks`` that the scenario matrix
cannot decide; ``tests/selftest`` requires every claimed id to be decided by the matrix or listed here,
and the test below proves each listed claim with a fuzz run.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.fuzz import AUTH_UNIT

# (profile, variant) -> the claims only fuzzing decides.
FUZZ_PROVEN: dict[tuple[str, str], frozenset[str]] = {
    ("klantinteracties-v1", "anonymous-reads"): frozenset({"CONTRACT-AUTH"}),
    ("klantinteracties-v1", "anonymous-writes"): frozenset({"CONTRACT-AUTH"}),
    ("klantinteracties-v1", "any-token"): frozenset({"CONTRACT-AUTH"}),
}


@pytest.mark.parametrize(("profile", "variant"), sorted(FUZZ_PROVEN))
def test_fuzzing_decides_the_variants_contract_claims(fuzz_run: Any, profile: str, variant: str) -> None:
    assert profile == "klantinteracties-v1"  # the fuzz_run fixture serves the default profile
    run = fuzz_run(variant, fuzz_phases="examples", finish=False)
    outcome = run.session.run_unit(AUTH_UNIT)
    assert outcome.error is None, outcome.error
    assert {f.requirement for f in outcome.findings} == set(FUZZ_PROVEN[(profile, variant)])
    run.session.finish()
    assert run.section["cleanup"]["failed"] == []


def test_the_reference_gives_no_auth_finding(fuzz_run: Any) -> None:
    run = fuzz_run("reference", fuzz_phases="examples", finish=False)
    outcome = run.session.run_unit(AUTH_UNIT)
    assert outcome.error is None and outcome.findings == [] and outcome.checked == {"CONTRACT-AUTH"}
    run.session.finish()
