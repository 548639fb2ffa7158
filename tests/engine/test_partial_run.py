"""A partial run is never "conformant": testable requirements not run are kept apart from not-tested."""

from __future__ import annotations

from pathlib import Path

from conformance.catalogue import load_catalogues
from conformance.profiles import load_profile
from conformance.report import RunRecorder, build_report, requirement_verdicts
from conformance.results import ScenarioResult
from conformance.verdicts import ExitCode, Verdict

PROFILE = load_profile("klantinteracties-v1")
CATALOGUE = load_catalogues(PROFILE.catalogues)


def _report(recorder: RunRecorder) -> dict[str, object]:
    return build_report(
        recorder=recorder,
        catalogue=CATALOGUE,
        profile=PROFILE.name,
        target="http://example.invalid/api",
        spec_path=Path(PROFILE.spec_path),
    )


def test_one_scenario_run_is_partial_not_conformant() -> None:
    recorder = RunRecorder()
    recorder.record_scenario(ScenarioResult("KI-R5-same-rsin", ["KLOK01-R5"], Verdict.PASS))
    rows = {r.requirement.id: r for r in requirement_verdicts(CATALOGUE, PROFILE.name, recorder)}
    assert rows["KLOK01-R5"].verdict is Verdict.PASS
    assert rows["KLOK01-R4"].verdict is Verdict.NOT_RUN
    assert "not run in this run" in rows["KLOK01-R4"].reason
    # untestable requirements stay not-tested, with the catalogue's reason
    assert rows["KLOK01-R2"].verdict is Verdict.NOT_TESTED
    assert "not run" not in rows["KLOK01-R2"].reason
    # contract requirements without fuzzing are not run either
    assert rows["CONTRACT-AUTH"].verdict is Verdict.NOT_RUN
    report = _report(recorder)
    assert report["exit_code"] == ExitCode.INCONCLUSIVE == 4
    assert report["partial"] is True
    assert "KLOK01-R4" in report["not_run"] and "CONTRACT-AUTH" in report["not_run"]
    assert "KLOK01-R2" not in report["not_run"]


def test_deselected_scenario_of_a_passing_requirement_is_not_a_pass() -> None:
    recorder = RunRecorder()
    recorder.record_scenario(ScenarioResult("KI-R5-same-rsin", ["KLOK01-R5"], Verdict.PASS))
    recorder.record_not_run("KI-R5-same-kvk-three-partijen", ["KLOK01-R5"], "deselected")
    rows = {r.requirement.id: r for r in requirement_verdicts(CATALOGUE, PROFILE.name, recorder)}
    assert rows["KLOK01-R5"].verdict is Verdict.NOT_RUN
    assert "KI-R5-same-kvk-three-partijen" in rows["KLOK01-R5"].reason


def test_a_failure_still_exits_1_in_a_partial_run() -> None:
    recorder = RunRecorder()
    recorder.record_scenario(ScenarioResult("KI-R5-same-rsin", ["KLOK01-R5"], Verdict.FAIL, "bad"))
    assert _report(recorder)["exit_code"] == 1


FUZZED = {"CONTRACT-AUTH", "CONTRACT-SCHEMA", "CONTRACT-STATUS"}


def _fuzzed(units: dict[str, dict[str, object]]) -> dict[str, Verdict]:
    recorder = RunRecorder()
    recorder.record_contract([], FUZZED)
    recorder.record_section("fuzz", {"units": units})
    rows = requirement_verdicts(CATALOGUE, PROFILE.name, recorder)
    return {r.requirement.id: r.verdict for r in rows if r.requirement.id in FUZZED}


def test_fuzz_units_cut_by_the_budget_leave_their_requirements_not_run() -> None:
    ran = {"cases": 10, "skipped": None}
    cut = {"cases": 0, "skipped": "not run: fuzz_max_time of 1s exhausted"}
    assert set(_fuzzed({"GET /partijen": ran, "auth": ran}).values()) == {Verdict.PASS}
    assert set(_fuzzed({"GET /partijen": ran, "POST /partijen": cut}).values()) == {Verdict.NOT_RUN}
    # Started but wound down by the budget (one engine run: not every phase reached it): no pass either.
    wound_down = {"cases": 40, "skipped": None, "cut_short": True}
    assert set(_fuzzed({"GET /partijen": ran, "POST /partijen": wound_down}).values()) == {Verdict.NOT_RUN}
    # The auth unit judges only CONTRACT-AUTH: when only it did not run, the others still pass.
    only_auth = _fuzzed({"GET /partijen": ran, "auth": cut})
    assert only_auth == {
        "CONTRACT-AUTH": Verdict.NOT_RUN,
        "CONTRACT-SCHEMA": Verdict.PASS,
        "CONTRACT-STATUS": Verdict.PASS,
    }
