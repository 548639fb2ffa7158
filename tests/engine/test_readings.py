"""Contested readings: the data is consistent, and judging sets contested failures aside honestly."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import jsonschema
import pytest

from conformance.catalogue import Catalogue, load_catalogues
from conformance.config import Settings
from conformance.errors import ConfigError, ScenarioFormatError
from conformance.loader import load_scenario, scenario_files
from conformance.profiles import load_profile
from conformance.readings import LITERAL, REGISTER, Bearing, load_readings, load_readings_file
from conformance.report import RunRecorder, build_report, judge, terminal_table
from conformance.reports.html import render_html
from conformance.reports.summary import markdown_summary
from conformance.resources import package_file, specs_dir
from conformance.results import ScenarioResult
from conformance.session import RunContext
from conformance.verdicts import Verdict

KI = "klantinteracties-v1"
PROFILE = load_profile(KI)
CATALOGUE = load_catalogues(PROFILE.catalogues)
SCENARIO_ONLY = Catalogue(tuple(r for r in CATALOGUE.requirements if r.verified_by == "scenarios"))
SCHEMA = json.loads(package_file("report.schema.json").read_text(encoding="utf-8"))


def _recorder(*results: tuple[str, str, Verdict]) -> RunRecorder:
    recorder = RunRecorder()
    for result_id, requirement, verdict in results:
        recorder.record_scenario(
            ScenarioResult(result_id, [requirement], verdict, message=f"{result_id} said no")
        )
    return recorder


def _row(report: dict[str, object], requirement: str) -> dict[str, object]:
    rows = report["requirements"]
    assert isinstance(rows, list)
    return next(r for r in rows if r["id"] == requirement)


# -- the data ---------------------------------------------------------------------------------------


def test_every_marked_result_is_a_scenario_of_that_profile_verifying_that_requirement() -> None:
    readings = load_readings()
    for profile in ("klantinteracties-v1", "klanten-v1"):
        loaded = load_profile(profile)
        catalogue = load_catalogues(loaded.catalogues)
        scenarios = {s.id: s for s in map(load_scenario, scenario_files([loaded.scenarios_path]))}
        for (requirement, where), bearing in readings.bearings.items():
            assert catalogue.get(requirement) is not None, f"{requirement} is in no catalogue of {where}"
            if where != profile:
                continue
            for key in bearing.contested:
                if key.startswith("INV-"):  # an invariant id or pattern (INV-R13-*): another layer's
                    from conformance.invariants import INVARIANTS

                    matched = [i for i in INVARIANTS if fnmatch.fnmatchcase(i.id, key)]
                    assert matched, f"{requirement}: contested result {key} matches no invariant"
                    assert all(i.requirement == requirement for i in matched), key
                    continue
                assert key in scenarios, f"{requirement}: contested result {key} is no scenario of {profile}"
                assert requirement in scenarios[key].verifies, f"{key} does not verify {requirement}"


def test_every_decision_is_citable_and_every_reading_cites_one() -> None:
    readings = load_readings()
    for decision in readings.decisions.values():
        assert decision.repository == "VNG-Realisatie/klantinteracties" and decision.commit == "cf57c15"
        assert decision.path.startswith("docs/") and decision.lines and decision.sentence
    assert sorted(readings.readings) == [f"C{n}" for n in range(1, 9)]
    assert all(r.decisions for r in readings.readings.values())


def test_the_uncontested_core_is_marked_nowhere() -> None:
    bearing = load_readings().bearing
    for scenario in (
        "KI-R4-duplicate-bsn-nested",
        "KI-R4-duplicate-bsn-identificator-post",
        "KI-R4-duplicate-bsn-race",
    ):
        assert bearing("KLOK01-R4", KI).contest(scenario) is None
    for scenario in ("KI-R6-bsn-and-kvk-nested", "KI-R6-bsn-and-rsin-nested", "KI-R6-add-kvk-to-bsn-partij"):
        assert bearing("KLOK01-R6", KI).contest(scenario) is None
    assert bearing("KLOK01-R9", KI).contest("KI-R9-zelfstandige-betrokkene") is None


def test_profiles_have_their_default_reading_and_klanten_v1_only_the_literal_one() -> None:
    readings = load_readings()
    assert readings.resolve(KI, None) == REGISTER
    assert readings.resolve(KI, LITERAL) == LITERAL
    assert readings.resolve("klanten-v1", None) == LITERAL
    assert not readings.contested_in("klanten-v1")
    with pytest.raises(ConfigError, match="only the literal reading"):
        readings.resolve("klanten-v1", REGISTER)
    with pytest.raises(ConfigError, match="only the literal reading"):
        RunContext.open(Settings(profile="klanten-v1", reading=REGISTER))


def test_a_dangling_decision_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "profiles: {p: {default: register}}\n"
        "contested_readings: {C1: {title: t, decisions: [B404], literal: a, register: b}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioFormatError, match="unknown decision 'B404'"):
        load_readings_file(path)


def test_a_pattern_marks_any_result_id_an_exact_key_first() -> None:
    readings = load_readings()
    c1, c4 = readings.readings["C1"], readings.readings["C4"]
    bearing = Bearing(contested={"INV-R4-*": c1, "INV-R4-special": c4})
    assert bearing.contest("INV-R4-scoped-bsn") is c1
    assert bearing.contest("INV-R4-special") is c4
    assert bearing.contest("INV-R6-anything") is None


# -- judging ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "requirement"),
    [
        ("KI-R4-duplicate-bsn-sub-identificator", "KLOK01-R4"),
        ("KI-R5-same-kvk-three-partijen", "KLOK01-R5"),
        ("KI-R13-attach-via-identificator-post", "KLOK01-R13"),
        ("INV-R13-upgrade-by-any-route", "KLOK01-R13"),  # an invariant, marked by pattern
    ],
)
def test_a_contested_failure_warns_under_register_and_counts_under_strict_or_literal(
    result: str, requirement: str
) -> None:
    recorder = _recorder((result, requirement, Verdict.FAIL))
    default = judge(SCENARIO_ONLY, KI, recorder)
    row = _row(default, requirement)
    assert row["verdict"] == "pass" and row["warning"] is True
    (item,) = row["contested"]
    assert item["result"] == result and item["counted"] is False
    assert item["klok01"]["quote"] and item["decisions"][0]["path"].startswith("docs/")
    assert default["reading"] == {
        "applied": "register",
        "default": "register",
        "explicit": False,
        "contested_count": False,
        "contestable": True,
    }
    assert default["exit_code"] == 4  # nothing else ran: partial, but not a failure
    for strict, reading in ((True, None), (False, LITERAL)):
        counted = judge(SCENARIO_ONLY, KI, recorder, strict=strict, reading=reading)
        assert _row(counted, requirement)["verdict"] == "fail"
        assert counted["exit_code"] == 1


def test_an_uncontested_failure_next_to_a_contested_one_still_fails() -> None:
    recorder = _recorder(
        ("KI-R4-duplicate-bsn-sub-identificator", "KLOK01-R4", Verdict.FAIL),
        ("KI-R4-duplicate-bsn-nested", "KLOK01-R4", Verdict.FAIL),
    )
    report = judge(SCENARIO_ONLY, KI, recorder)
    row = _row(report, "KLOK01-R4")
    assert row["verdict"] == "fail" and row["warning"] is False
    assert [c["result"] for c in row["contested"]] == ["KI-R4-duplicate-bsn-sub-identificator"]
    assert "KI-R4-duplicate-bsn-nested" in row["reason"]
    assert report["exit_code"] == 1


def test_a_contested_result_that_errors_is_not_hidden() -> None:
    recorder = _recorder(("KI-R5-same-kvk-three-partijen", "KLOK01-R5", Verdict.ERROR))
    row = _row(judge(SCENARIO_ONLY, KI, recorder), "KLOK01-R5")
    assert row["verdict"] == "error" and "contested" not in row


def test_the_legacy_profile_keeps_the_literal_reading() -> None:
    profile = load_profile("klanten-v1")
    catalogue = Catalogue(
        tuple(r for r in load_catalogues(profile.catalogues).requirements if r.verified_by == "scenarios")
    )
    recorder = _recorder(("KA-R13-anything", "KLOK01-R13", Verdict.FAIL))
    report = judge(catalogue, "klanten-v1", recorder)
    assert _row(report, "KLOK01-R13")["verdict"] == "fail" and report["exit_code"] == 1
    assert report["reading"]["applied"] == "literal" and not report["reading"]["contestable"]


def test_report_terminal_and_html_say_which_reading_was_applied() -> None:
    recorder = _recorder(("KI-R5-same-kvk-three-partijen", "KLOK01-R5", Verdict.FAIL))
    report = build_report(
        recorder=recorder,
        catalogue=CATALOGUE,
        profile=KI,
        target="http://example.invalid/api",
        spec_path=PROFILE.spec_path,
    )
    jsonschema.validate(report, SCHEMA)
    table = terminal_table(report)
    assert "reading: register (default of klantinteracties-v1; contested failures are warnings)" in table
    assert re.search(r"^KLOK01-R5 +MUST +contested ", table, re.M)
    assert "KI-R5-same-kvk-three-partijen [C2, warning]" in table and "SIM-3428" in table
    summary = markdown_summary(report)
    assert "KLOK01 reading: register (default of klantinteracties-v1" in summary
    assert "| KLOK01-R5 | MUST | contested (warning) |" in summary
    html = render_html(report, CATALOGUE, {}, {})
    assert "KLOK01 reading" in html and "contested (C2" in html and "gegevenswoordenboek.md" in html
    literal = build_report(
        recorder=recorder,
        catalogue=CATALOGUE,
        profile=KI,
        target="http://example.invalid/api",
        spec_path=PROFILE.spec_path,
        reading=LITERAL,
    )
    jsonschema.validate(literal, SCHEMA)
    assert "reading: literal (--reading; contested failures count)" in terminal_table(literal)


def test_the_readings_folder_is_shipped_with_the_specs() -> None:
    assert (specs_dir() / "readings" / "klok01.yaml").is_file()
