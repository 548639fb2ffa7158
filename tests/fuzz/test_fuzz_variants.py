"""Contract claims of the broken variants that only fuzzing decides (the kill matrix relies on this).

``FUZZ_PROVEN`` lists, per variant, the ``CONTRACT-*`` ids of its ``breaks`` that the scenario matrix
cannot decide; ``tests/selftest`` requires every claimed id to be decided by the matrix or listed here,
and the test below proves each listed claim with a fuzz run. The default fuzz budget is proven too:
with every fuzz setting at its default, each variant's other contract claims are found, and nothing else.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.config import Settings
from conformance.fuzz import AUTH_UNIT, FuzzSession
from conformance.reference.variants import variants_for
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


# Every variant with a contract claim beyond CONTRACT-AUTH (the auth unit decides that one, whatever
# the budget: see above), and the reference, which must give no finding at all.
DEFAULT_BUDGET_CLAIMS: dict[tuple[str, str], frozenset[str]] = {
    (profile, name): frozenset(c for c in variant.breaks_in(profile) if c.startswith("CONTRACT-"))
    for profile in ("klantinteracties-v1", "klanten-v1")
    for name, variant in variants_for(profile).items()
    if name == "reference"
    or {c for c in variant.breaks_in(profile) if c.startswith("CONTRACT-")} - {"CONTRACT-AUTH"}
}


@pytest.mark.parametrize(("profile", "variant"), sorted(DEFAULT_BUDGET_CLAIMS))
def test_the_default_fuzz_budget_finds_exactly_each_variants_contract_claims(
    profile: str, variant: str
) -> None:
    settings = Settings(profile=profile, reference_variant=variant, fuzz=True)  # fuzz defaults throughout
    ctx = RunContext.open(settings)
    try:
        outcomes = FuzzSession(ctx).run_all()
        assert not [o.unit for o in outcomes if o.error or o.skipped or o.cut_short]
        found = {f.requirement for o in outcomes for f in o.findings}
        assert found == set(DEFAULT_BUDGET_CLAIMS[(profile, variant)])
    finally:
        ctx.close()


def test_every_contract_variant_is_proven_under_the_default_budget() -> None:
    names = {v for _, v in DEFAULT_BUDGET_CLAIMS}
    assert {"reference", "contract-drift", "dup-500", "vng-klanten-1.0"} <= names
