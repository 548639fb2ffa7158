"""'Conformant' only from a certification-grade run (issue 21, root cause 3).

Reproduced against the reference before this change: a contract-only run, a ``--spec`` with a
loosened schema or missing operations, a token fuzz budget, a waiver expiring 9999-12-31, and
``--ignore-glob='*.scenario.yaml'`` each exited 0 with the badge "conformant".
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from conformance import inventory
from conformance.claims import FUZZ_FLOOR, apply_claim, certification_facts
from conformance.config import Settings, resolve
from conformance.invariants import INVARIANT
from conformance.report import RunRecorder, build_report
from conformance.reports.badge import render_badge
from conformance.reports.bundle import verify_bundle
from conformance.reports.summary import markdown_summary
from conformance.reports.waivers import Waiver, apply_waivers, horizon
from conformance.results import ScenarioResult
from conformance.verdicts import ExitCode, Verdict
from tests.certification.test_inventory import CATALOGUE, PROFILE, _cli_run, _inputs

TODAY = datetime.date(2026, 12, 7)
FLOOR = Settings(fuzz=True)  # the defaults are the floor


def _clean_report(*, failing: str | None = None) -> tuple[dict[str, Any], RunRecorder]:
    """A whole-inventory run where everything passed (or ``failing`` failed)."""
    recorder = RunRecorder()
    recorder.expected_units = inventory.expected(_inputs())
    for unit in recorder.expected_units:
        # the invariant layer records one result per invariant id, as scenarios do
        if unit.kind in (inventory.SCENARIO, INVARIANT):
            verdict = Verdict.FAIL if unit.id == failing else Verdict.PASS
            recorder.record_scenario(ScenarioResult(unit.id, list(unit.requirements), verdict, "x"))
    contract = {r.id for r in CATALOGUE.requirements if r.verified_by == "contract"}
    recorder.record_contract([], contract)
    units = {
        u.id.removeprefix("fuzz "): {"skipped": None}
        for u in recorder.expected_units
        if u.kind in (inventory.FUZZ_AUTH, inventory.FUZZ_OPERATION)
    }
    recorder.record_section("fuzz", {"units": units})
    report = build_report(
        recorder=recorder, catalogue=CATALOGUE, profile=PROFILE.name, target="t", spec_path=PROFILE.spec_path
    )
    return report, recorder


def _claimed(
    settings: Settings, *, spec: Path | None = None, scenarios: bool = True, waivers: Any = ()
) -> Any:
    report, _ = _clean_report(failing="KI-R4-duplicate-bsn-race" if waivers else None)
    if waivers:
        apply_waivers(report, list(waivers), today=TODAY)
    facts = certification_facts(settings, PROFILE, spec or PROFILE.spec_path)
    return apply_claim(report, facts, scenarios_in_scope=scenarios)


def test_a_whole_run_at_the_floor_on_the_published_contract_is_conformant() -> None:
    report = _claimed(FLOOR)
    assert report["exit_code"] == ExitCode.CONFORMANT and report["claim"]["status"] == "conformant"
    assert report["claim"]["certification_grade"] is True
    assert "conformant 20" in render_badge({**report, "finished_at": "2026-12-07"})


def test_a_contract_only_run_claims_only_that() -> None:
    report = _claimed(FLOOR, scenarios=False)
    assert report["exit_code"] == ExitCode.QUALIFIED == 5
    assert report["claim"]["status"] == "contract only: no findings"
    badge = render_badge({**report, "finished_at": "2026-12-07"})
    assert "contract only: no findings" in badge and ">conformant " not in badge


def test_a_custom_contract_is_named_with_its_sha256(tmp_path: Path) -> None:
    loose = tmp_path / "loose.yaml"
    loose.write_text(PROFILE.spec_path.read_text(encoding="utf-8").replace("type: string", "{}", 1))
    report = _claimed(FLOOR.with_overrides(spec=str(loose)), spec=loose)
    assert report["exit_code"] == ExitCode.QUALIFIED and report["claim"]["status"] == "custom contract"
    import hashlib

    assert hashlib.sha256(loose.read_bytes()).hexdigest() in report["claim"]["reasons"][0]
    summary = markdown_summary({**report, "target": "t", "suite": {"version": "x"}})
    assert "**custom contract**" in summary


@pytest.mark.parametrize(
    "settings",
    [FLOOR.with_overrides(fuzz_budget=1), FLOOR.with_overrides(fuzz_phases="stateful")],
    ids=["budget-1", "stateful-only"],
)
def test_fuzzing_below_the_floor_is_reduced_fuzzing(settings: Settings) -> None:
    report = _claimed(settings)
    assert report["exit_code"] == ExitCode.QUALIFIED and report["claim"]["status"] == "reduced fuzzing"
    assert FUZZ_FLOOR["budget"] == 10


def test_the_claim_says_where_the_fuzz_knobs_came_from() -> None:
    settings = resolve({}, {"KLANTEN_CONFORMANCE_FUZZ_BUDGET": "1"}, {"fuzz_phases": "examples"})
    assert settings.sources == {"fuzz_budget": "env KLANTEN_CONFORMANCE_FUZZ_BUDGET", "fuzz_phases": "file"}
    reason = " ".join(_claimed(settings)["claim"]["reasons"])
    assert (
        "fuzz_budget from env KLANTEN_CONFORMANCE_FUZZ_BUDGET" in reason and "fuzz_phases from file" in reason
    )


def _waiver(expires: datetime.date, **subject: Any) -> Waiver:
    return Waiver(reason="r", ticket="T-1", expires=expires, **subject)


def test_a_waived_run_is_conformant_with_waivers_not_conformant() -> None:
    soon = TODAY + datetime.timedelta(days=30)
    report = _claimed(FLOOR, waivers=[_waiver(soon, scenario="KI-R4-duplicate-bsn-race")])
    assert report["exit_code"] == ExitCode.QUALIFIED
    assert report["claim"]["status"] == f"conformant with 1 waiver (expires {soon.isoformat()})"


def test_a_waiver_beyond_the_one_year_horizon_fails_the_run() -> None:
    far = datetime.date(9999, 12, 31)
    report = _claimed(FLOOR, waivers=[_waiver(far, scenario="KI-R4-duplicate-bsn-race")])
    assert report["exit_code"] == ExitCode.NON_CONFORMANT
    assert "one-year horizon (2027-12-07)" in report["waivers"]["problems"][0]
    assert horizon(datetime.date(2028, 2, 29)) == datetime.date(2029, 2, 28)


def test_a_requirement_waiver_hides_only_the_scenarios_it_names() -> None:
    soon = TODAY + datetime.timedelta(days=30)
    other = "KI-R4-duplicate-bsn-nested"
    report, _ = _clean_report(failing="KI-R4-duplicate-bsn-race")
    for scenario in report["scenarios"]:  # a second, new failure of the same requirement
        if scenario["id"] == other:
            scenario["verdict"] = "fail"
    waiver = _waiver(soon, requirement="KLOK01-R4", scenarios=("KI-R4-duplicate-bsn-race",))
    apply_waivers(report, [waiver], today=TODAY)
    row = next(r for r in report["requirements"] if r["id"] == "KLOK01-R4")
    assert row["verdict"] == "fail"  # the new failure is not hidden
    assert report["exit_code"] == ExitCode.NON_CONFORMANT
    # without naming scenarios, a requirement waiver waives nothing and says so
    report, _ = _clean_report(failing="KI-R4-duplicate-bsn-race")
    apply_waivers(report, [_waiver(soon, requirement="KLOK01-R4")], today=TODAY)
    assert report["exit_code"] == ExitCode.NON_CONFORMANT
    assert "waiver names no scenarios" in report["waivers"]["problems"][0]


FAST_FUZZ = ("--fuzz-budget", "1", "--fuzz-phases", "examples")


def test_fuzz_command_claims_contract_only_and_its_bundle_agrees(tmp_path: Path) -> None:
    code, report = _cli_run(tmp_path, "--bundle", *FAST_FUZZ, command="fuzz")
    assert code == ExitCode.QUALIFIED, report["claim"]
    assert report["claim"]["status"].startswith("contract only: no findings")
    assert "conformant" not in (tmp_path / "reports" / "badge.svg").read_text().replace("non-conformant", "")
    assert verify_bundle(tmp_path / "reports" / "conformance-bundle.zip") == []


@pytest.mark.parametrize("parallel", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_ignoring_every_scenario_is_partial_not_conformant(tmp_path: Path, parallel: tuple[str, ...]) -> None:
    glob = f"--ignore-glob={PROFILE.scenarios_path}/*/*.scenario.yaml"
    # The invariant layer's INV-R4 catches dup-bsn-accepted on its own; it is off here so that
    # ignoring every scenario is all that decides R4.
    code, report = _cli_run(
        tmp_path,
        "--reference-variant",
        "dup-bsn-accepted",
        "--invariants",
        "false",
        *FAST_FUZZ,
        "--",
        glob,
        *parallel,
    )
    assert code == ExitCode.INCONCLUSIVE and report["partial"] is True
    assert report["claim"]["status"] == "partial"
    assert next(r for r in report["requirements"] if r["id"] == "KLOK01-R4")["verdict"] == "not-run"


def test_a_spec_missing_profile_operations_is_partial(tmp_path: Path) -> None:
    text = PROFILE.spec_path.read_text(encoding="utf-8")
    for operation in ("betrokkenenList", "betrokkenenCreate"):
        text = text.replace(f"operationId: {operation}", f"operationId: {operation}Renamed")
    spec = tmp_path / "cut.yaml"
    spec.write_text(text, encoding="utf-8")
    code, report = _cli_run(tmp_path, "--spec", str(spec), *FAST_FUZZ, "--", "-k", "R5")
    assert code == ExitCode.INCONCLUSIVE
    assert "fuzz betrokkenenList (not in the contract used)" in report["inventory"]["missing"]
    facts = report["sections"]["certification"]["contract"]
    assert facts["kind"] == "custom" and facts["missing_operations"] == [
        "betrokkenenList",
        "betrokkenenCreate",
    ]
    assert json.dumps(report).count(facts["sha256"]) >= 1
