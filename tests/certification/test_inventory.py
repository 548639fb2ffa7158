"""The denominator of "pass" is the profile's declared inventory, not what pytest collected.

Issue 21 reproduced a "pass" for KLOK01-R4 with its race scenario ignored, and exit 0 with every
scenario ignored; ``--ignore`` and ``--ignore-glob`` never call ``pytest_deselected``, and xdist
workers deselect without telling the controller.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance import inventory
from conformance.catalogue import load_catalogues
from conformance.invariants import INVARIANT
from conformance.inventory import Inputs, Unit
from conformance.profiles import load_profile
from conformance.report import RunRecorder, build_report, requirement_verdicts
from conformance.results import ScenarioResult
from conformance.verdicts import ExitCode, Verdict

PROFILE = load_profile("klantinteracties-v1")
CATALOGUE = load_catalogues(PROFILE.catalogues)
CLI = [sys.executable, "-m", "conformance"]
RACE = "KI-R4-duplicate-bsn-race"
RACE_GLOB = f"--ignore-glob={PROFILE.scenarios_path}/*race*"  # pytest anchors a glob at the cwd


def _inputs(**changes: Any) -> Inputs:
    values: dict[str, Any] = {
        "profile": PROFILE,
        "catalogue": CATALOGUE,
        "spec_path": PROFILE.spec_path,
        "scenarios": True,
        "fuzz": True,
    }
    values.update(changes)
    return Inputs(**values)


def test_the_inventory_lists_every_scenario_and_every_declared_operation() -> None:
    units = inventory.expected(_inputs())
    scenarios = [u for u in units if u.kind == inventory.SCENARIO]
    fuzz = [u for u in units if u.kind == inventory.FUZZ_OPERATION]
    assert RACE in {u.id for u in scenarios} and len(scenarios) == len(
        list(PROFILE.scenarios_path.rglob("*.scenario.yaml"))
    )
    assert len(fuzz) == len(PROFILE.operations) == 30
    assert "fuzz POST /partijen" in {u.id for u in fuzz}
    assert "fuzz auth" in {u.id for u in units}
    # a contract-only run does not expect scenarios; --no-fuzz still expects the fuzz units
    assert not [u for u in inventory.expected(_inputs(scenarios=False)) if u.kind == inventory.SCENARIO]


def test_a_contract_missing_operations_leaves_them_expected(tmp_path: Path) -> None:
    text = PROFILE.spec_path.read_text(encoding="utf-8").replace(
        "operationId: betrokkenenList", "operationId: x"
    )
    spec = tmp_path / "cut.yaml"
    spec.write_text(text, encoding="utf-8")
    ids = {u.id for u in inventory.fuzz_units(_inputs(spec_path=spec))}
    assert "fuzz betrokkenenList (not in the contract used)" in ids


def test_another_layer_registers_its_unit_kind_with_one_call() -> None:
    unit = Unit("invariant R4-unique-bsn", "invariant-test", ("KLOK01-R4",))
    inventory.register("invariant-test", lambda inputs: [unit])
    try:
        recorder = _all_ran_but(set())
        recorder.expected_units = inventory.expected(_inputs())
        recorder.units_ran |= {u.id for u in recorder.expected_units if u.kind != "invariant-test"}
        rows = {r.requirement.id: r for r in requirement_verdicts(CATALOGUE, PROFILE.name, recorder)}
        assert rows["KLOK01-R4"].verdict is Verdict.NOT_RUN
        assert "invariant R4-unique-bsn" in rows["KLOK01-R4"].reason
        recorder.record_ran(unit.id)
        rows = {r.requirement.id: r for r in requirement_verdicts(CATALOGUE, PROFILE.name, recorder)}
        assert rows["KLOK01-R4"].verdict is Verdict.PASS
    finally:
        inventory._SOURCES.pop("invariant-test")


def _all_ran_but(dropped: set[str]) -> RunRecorder:
    """A recorder where every declared scenario and invariant passed except ``dropped`` (never
    recorded); the invariant layer records one result per invariant id, as scenarios do."""
    recorder = RunRecorder()
    recorder.expected_units = inventory.expected(_inputs(fuzz=False))
    for unit in recorder.expected_units:
        if unit.kind in (inventory.SCENARIO, INVARIANT) and unit.id not in dropped:
            recorder.record_scenario(ScenarioResult(unit.id, list(unit.requirements), Verdict.PASS))
    return recorder


def test_a_scenario_that_never_reached_the_recorder_is_not_run_and_the_run_partial() -> None:
    # No pytest_deselected, no "not executed": the scenario is simply absent (--ignore-glob, xdist).
    recorder = _all_ran_but({RACE})
    rows = {r.requirement.id: r for r in requirement_verdicts(CATALOGUE, PROFILE.name, recorder)}
    assert rows["KLOK01-R4"].verdict is Verdict.NOT_RUN, rows["KLOK01-R4"].reason
    assert RACE in rows["KLOK01-R4"].reason
    assert rows["KLOK01-R5"].verdict is Verdict.PASS
    report = build_report(
        recorder=recorder,
        catalogue=CATALOGUE,
        profile=PROFILE.name,
        target="http://example.invalid",
        spec_path=PROFILE.spec_path,
    )
    assert report["partial"] is True and report["exit_code"] != ExitCode.CONFORMANT
    assert report["inventory"]["missing"] == [RACE]
    # the whole inventory ran: nothing missing
    assert _all_ran_but(set()).missing_units() == []


def _cli_run(tmp_path: Path, *args: str, command: str = "run") -> tuple[int, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLANTEN_CONFORMANCE_")}
    proc = subprocess.run(
        [*CLI, command, "--report-dir", str(tmp_path / "reports"), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout[-3000:] + proc.stderr[-3000:]
    path = tmp_path / "reports" / "conformance-report.json"
    assert path.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.returncode, json.loads(path.read_text(encoding="utf-8"))


def _verdict(report: dict[str, Any], requirement: str) -> str:
    return str(next(r["verdict"] for r in report["requirements"] if r["id"] == requirement))


@pytest.mark.parametrize(
    "dropping",
    [
        (RACE_GLOB,),
        ("-k", "not race"),
        ("-n", "2", "-k", "not race"),
        ("-n", "2", RACE_GLOB),
    ],
    ids=["ignore-glob", "k", "xdist-k", "xdist-ignore-glob"],
)
def test_dropping_the_race_scenario_leaves_r4_not_run_on_the_race_variant(
    tmp_path: Path, dropping: tuple[str, ...]
) -> None:
    # The invariant layer's INV-R4 catches this variant on its own (a fail, never a pass); it is off
    # here so that only the dropped scenario decides R4's verdict.
    code, report = _cli_run(
        tmp_path,
        "--no-fuzz",
        "--invariants",
        "false",
        "--reference-variant",
        "dup-bsn-race",
        "--",
        "-k",
        "R4",
        *dropping,
    )
    assert _verdict(report, "KLOK01-R4") == "not-run"
    assert RACE in report["inventory"]["missing"]
    assert report["partial"] is True and code == ExitCode.INCONCLUSIVE
