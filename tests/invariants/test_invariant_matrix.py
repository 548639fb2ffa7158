"""The invariant layer's kill matrix: every variant of the reference, scenarios switched off.

An invariant-layer variant (``invariant_only``) must be caught under each requirement it breaks;
every variant, old and new, and every conformant control must get no failure outside what it
breaks (no false fail). The reference passes every invariant.
"""

from __future__ import annotations

import pytest

from conformance.invariants.checks import INVARIANTS
from conformance.profiles import available_profiles, load_profile
from conformance.reference.variants import variants_for
from tests.invariants.conftest import Runner, failing_requirements

# What the invariant layer legitimately sees beyond a pre-existing variant's scenario claims, and why.
EXTRA: dict[tuple[str, str], tuple[set[str], str]] = {
    ("klantinteracties-v1", "anonymous-writes"): (
        {"KLOK01-R8"},
        "an accepted anonymous PATCH answers with the partij and its identificatoren: a disclosure",
    ),
    ("klanten-v1", "anonymous-writes"): (
        {"KLOK01-R8"},
        "an accepted anonymous PUT/PATCH answers with the klant it changed: a disclosure",
    ),
}

CASES = [
    pytest.param(profile, variant, id=f"{profile}:{variant}")
    for profile in available_profiles()
    if load_profile(profile).reference is not None and load_profile(profile).invariants
    for variant in sorted(variants_for(profile))
]


@pytest.mark.parametrize(("profile", "variant"), CASES)
def test_invariants_catch_exactly_what_a_variant_breaks(
    run_invariants: Runner, profile: str, variant: str
) -> None:
    chosen = variants_for(profile)[variant]
    breaks = set(chosen.breaks_in(profile))
    outcome = run_invariants(profile, variant)
    failing = failing_requirements(outcome)
    extra = EXTRA.get((profile, variant), (set(), ""))[0]
    collateral = sorted(failing - breaks - extra)
    assert not collateral, (
        f"{profile}/{variant}: invariants failed requirements it does not break: {collateral}: "
        + "; ".join(r.message for r in outcome.results if r.verdict.value == "fail")
    )
    errors = [r.message for r in outcome.results if r.verdict.value == "error"]
    assert not errors, errors
    if chosen.invariant_only:
        # Only what an invariant verifies: a decision the same defect also breaks (inv-bsn-unique-on-
        # create-only's DEC-F8226, a correction checked for uniqueness) is the scenario matrix's to catch.
        missed = sorted((breaks & {i.requirement for i in INVARIANTS}) - failing)
        assert not missed, f"{profile}/{variant}: the invariant layer missed {missed}"
    if not breaks:  # the reference and the conformant controls: every invariant held
        assert {r.verdict.value for r in outcome.results} == {"pass"}, [
            (r.scenario_id, r.message) for r in outcome.results
        ]
        assert not outcome.not_run, outcome.not_run


def test_there_are_enough_invariant_variants_and_controls() -> None:
    """Issue 18: at least 15 broken variants across both profiles and 5 controls."""
    broken = {n for p in available_profiles() for n, v in variants_for(p).items() if v.invariant_only}
    controls = {n for p in available_profiles() for n in variants_for(p) if n.startswith("ctl-")}
    profiles = {p for p in available_profiles() for v in variants_for(p).values() if v.invariant_only}
    assert len(broken) >= 15 and len(controls) >= 5 and len(profiles) == 2
