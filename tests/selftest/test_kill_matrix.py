"""The suite's self-test: the reference passes everything and each broken variant is caught.

For every variant, each requirement it claims to break must get ``fail`` and every other
decided requirement must still ``pass`` (no collateral false failures). The matrix is printed
at the end of the session (see ``tests/conftest.py``).
"""

from __future__ import annotations

import pytest

from conformance.catalogue import Catalogue, load_catalogue_file
from conformance.config import Settings
from conformance.loader import load_scenario, scenario_files
from conformance.profiles import available_profiles, load_profile
from conformance.reference.variants import variants_for
from conformance.report import RunRecorder, judge, requirement_verdicts
from conformance.resources import specs_dir
from conformance.runner import ScenarioRunner
from conformance.session import RunContext
from conformance.verdicts import Verdict
from tests.fuzz.test_fuzz_variants import FUZZ_PROVEN
from tests.selftest import matrix

CATALOGUE_IDS = {
    r.id for path in sorted((specs_dir() / "requirements").glob("*.yaml")) for r in load_catalogue_file(path)
}


def _verdicts(profile: str, variant: str, spec: str | None = None) -> dict[str, Verdict]:
    return _run(profile, variant, spec)[0]


def _run(
    profile: str, variant: str, spec: str | None = None
) -> tuple[dict[str, Verdict], Catalogue, RunRecorder]:
    """The literal reading's verdicts the matrix judges, and what judging under other readings needs."""
    settings = Settings(
        profile=profile, reference_variant=variant, run_id=f"selftest-{profile}-{variant}", spec=spec
    )
    ctx = RunContext.open(settings)
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
        verdicts = {
            r.requirement.id: r.verdict
            for r in rows
            # In scope: what scenarios decide. Fuzz-only contract checks are proven in tests/fuzz.
            if r.requirement.verified_by == "scenarios" or r.requirement.id in ctx.recorder.contract_checked
        }
        return verdicts, ctx.catalogue, ctx.recorder
    finally:
        ctx.close()


def _check_claims(variant: str, breaks: set[str], verdicts: dict[str, Verdict], profile: str) -> None:
    """A variant's claims are catalogue ids, and each is decided by the matrix or a fuzz test."""
    unknown = sorted(breaks - CATALOGUE_IDS)
    assert not unknown, f"{variant}: `breaks` names ids that are in no catalogue: {unknown}"
    proven = FUZZ_PROVEN.get((profile, variant), frozenset())
    undecided = sorted(breaks - set(verdicts) - proven)
    assert not undecided, (
        f"{profile}/{variant}: claims {undecided}, which neither the scenario matrix nor a fuzz test "
        "(tests/fuzz/test_fuzz_variants.py FUZZ_PROVEN) decides"
    )


# Every (profile, variant) pair the reference server has: the matrix is generic over profiles.
CASES = [
    pytest.param(profile, variant, id=f"{profile}:{variant}")
    for profile in available_profiles()
    if load_profile(profile).reference is not None
    for variant in sorted(variants_for(profile))
]


@pytest.mark.parametrize(("profile", "variant"), CASES)
def test_variant_is_caught_by_exactly_its_requirements(profile: str, variant: str) -> None:
    verdicts, catalogue, recorder = _run(profile, variant)
    matrix.record(f"{variant} [{profile}]", verdicts)
    _check_claims(variant, set(variants_for(profile)[variant].breaks_in(profile)), verdicts, profile)
    assert_exact(profile, variant, verdicts)
    assert_readings(profile, variant, catalogue, recorder)


# Variants reproducing behaviours the standard's later decisions contest (Open Klant's, mostly):
# under the profile's default (register) reading these broken requirements are contested warnings.
CONTESTED: dict[tuple[str, str], frozenset[str]] = {
    ("klantinteracties-v1", "dup-bsn-via-sub-identificator"): frozenset({"KLOK01-R4"}),  # C1, scoped BSN
    ("klantinteracties-v1", "kvk-unique"): frozenset({"KLOK01-R5"}),  # C2, one partij per KvK
    ("klantinteracties-v1", "zelfstandig-linkable"): frozenset({"KLOK01-R13"}),  # C4, attached later
    ("klantinteracties-v1", "identificator-required"): frozenset({"KLOK01-R1", "KLOK01-R9"}),  # C3
    # C4 contests every R13 route (specs/readings/klok01.yaml, KI-R13-* and INV-R13-*), these included
    ("klantinteracties-v1", "inv-betrokkene-link-via-put"): frozenset({"KLOK01-R13"}),
    ("klantinteracties-v1", "inv-zelfstandig-via-move"): frozenset({"KLOK01-R13"}),
    ("klantinteracties-v1", "inv-zelfstandig-via-put"): frozenset({"KLOK01-R13"}),
}


def assert_readings(profile: str, variant: str, catalogue: Catalogue, recorder: RunRecorder) -> None:
    """Under the default reading a contested break warns (exit 0 when nothing else breaks) and the
    uncontested ones still fail; ``--strict`` and ``--reading literal`` count every break (exit 1)."""
    scenario_only = Catalogue(tuple(r for r in catalogue.requirements if r.verified_by == "scenarios"))
    chosen = variants_for(profile)[variant]
    breaks = set(chosen.breaks_in(profile)) & scenario_only.ids()
    if chosen.invariant_only:
        # This recorder holds the scenarios only; an invariant-layer variant's defect is on a route no
        # scenario covers (assert_exact lets them miss it, tests/invariants proves the invariants catch
        # it). The readings must still judge consistently what the scenarios did see, and nothing more.
        literal = requirement_verdicts(catalogue, profile, recorder)
        breaks &= {r.requirement.id for r in literal if r.verdict is Verdict.FAIL}
    contested = CONTESTED.get((profile, variant), frozenset())
    if chosen.invariant_only:
        contested &= breaks  # contested warnings only for what the scenarios saw
    default = judge(scenario_only, profile, recorder)
    failed = {r["id"] for r in default["requirements"] if r["verdict"] == "fail"}
    warned = {r["id"] for r in default["requirements"] if r.get("contested") and r["warning"]}
    assert failed == breaks - contested, f"{profile}/{variant}: default reading fails {sorted(failed)}"
    assert contested <= warned, (
        f"{profile}/{variant}: not reported as contested: {sorted(contested - warned)}"
    )
    must = {r.id for r in scenario_only.requirements if r.level == "MUST"}
    unsure = 4 if any(r["verdict"] == "inconclusive" for r in default["requirements"]) else 0
    assert default["exit_code"] == (1 if (breaks - contested) & must else unsure)
    for strict, reading in ((True, None), (False, "literal")):
        counted = judge(scenario_only, profile, recorder, strict=strict, reading=reading)
        failed = {r["id"] for r in counted["requirements"] if r["verdict"] == "fail"}
        assert failed == breaks, (
            f"{profile}/{variant} strict={strict} reading={reading}: fails {sorted(failed)}"
        )
        assert counted["exit_code"] == (1 if breaks & (scenario_only.ids() if strict else must) else unsure)


def assert_exact(profile: str, variant: str, verdicts: dict[str, Verdict]) -> None:
    """Every requirement the variant breaks fails, nothing else does, nothing errors."""
    chosen = variants_for(profile)[variant]
    breaks = set(chosen.breaks_in(profile))
    decided = {rid: v for rid, v in verdicts.items() if v in (Verdict.PASS, Verdict.FAIL)}
    # An invariant-layer variant's defect is on a route no scenario was written for: the scenarios may
    # miss it (tests/invariants proves the invariant layer catches it), but must not fail anything else.
    expected = set() if chosen.invariant_only else breaks
    missed = sorted(rid for rid in expected & set(verdicts) if verdicts[rid] is not Verdict.FAIL)
    collateral = sorted(rid for rid, v in decided.items() if v is Verdict.FAIL and rid not in breaks)
    assert not missed, (
        f"{profile}/{variant}: violations missed for {missed} (verdicts {[verdicts.get(m) for m in missed]})"
    )
    assert not collateral, (
        f"{profile}/{variant}: requirements failed that the variant does not break: {collateral}"
    )
    errors = sorted(rid for rid, v in verdicts.items() if v is Verdict.ERROR)
    assert not errors, f"{profile}/{variant}: requirements in error {errors}"
    if not breaks:  # the reference and the strict modes: conformant, and the suite stays decisive
        assert all(v is Verdict.PASS for rid, v in decided.items()), verdicts
        assert not [rid for rid, v in verdicts.items() if v is Verdict.INCONCLUSIVE], verdicts


def test_a_claim_outside_the_catalogue_is_caught() -> None:
    with pytest.raises(AssertionError, match="in no catalogue"):
        _check_claims("typo", {"KLOK01-R99-TYPO"}, {}, "klantinteracties-v1")


def test_a_claim_no_test_decides_is_caught() -> None:
    # CONTRACT-CONTENT-TYPE is a catalogue id, but no variant's scenario run or fuzz test decides it here.
    with pytest.raises(AssertionError, match="neither the scenario matrix nor a fuzz test"):
        _check_claims("any-token", {"CONTRACT-AUTH", "CONTRACT-CONTENT-TYPE"}, {}, "klantinteracties-v1")


def test_every_profile_with_a_reference_has_variants_for_each_tested_requirement() -> None:
    """At least one variant per requirement a profile's scenarios decide, so none goes unproven."""
    for profile in available_profiles():
        loaded = load_profile(profile)
        if loaded.reference is None:
            continue
        scenarios = [load_scenario(p) for p in scenario_files([loaded.scenarios_path])]
        tested = {rid for s in scenarios if profile in s.profiles for rid in s.verifies}
        broken = {rid for v in variants_for(profile).values() for rid in v.breaks_in(profile)}
        assert tested <= broken, f"{profile}: no variant breaks {sorted(tested - broken)}"
