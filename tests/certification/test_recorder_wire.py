"""One serialization of a run's results: xdist's merge and the bundle's run record both use
``RunRecorder.to_dict``/``from_dict``; a field left out of it fails here (issue 21: ``merge``
dropped ``contract_errors``, so a target that dropped connections read ``pass`` under ``-n 2``)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from conformance.evidence import Exchange
from conformance.inventory import Unit
from conformance.merge import merge, to_payload
from conformance.report import RunRecorder
from conformance.reports.bundle import recorder_from, run_record
from conformance.results import CleanupRecord, ContractFinding, ScenarioResult
from conformance.verdicts import Verdict

NOT_DATA = {"redactor", "_lock"}  # the run's live redactor and lock are not results


def _full() -> RunRecorder:
    """A recorder with a non-default value in every field."""
    finding = ContractFinding("CONTRACT-SCHEMA", "response_schema_conformance", "GET /x", "bad", "fuzz")
    exchange = Exchange(
        step="s",
        method="GET",
        url="http://t/x",
        request_headers={"a": "b"},
        request_body=None,
        status=200,
        response_headers={},
        response_body={"k": 1},
        elapsed_s=0.1,
    )
    scenario = ScenarioResult(
        "S-1",
        ["KLOK01-R4"],
        Verdict.FAIL,
        "two 201",
        1.5,
        [exchange],
        [finding],
        {"CONTRACT-SCHEMA"},
        [CleanupRecord("delete", 204, True, url="http://t/x/1")],
    )
    recorder = RunRecorder(started_at="2026-01-01T00:00:00+00:00")
    recorder.record_scenario(scenario)
    recorder.record_contract([finding], ["CONTRACT-STATUS"])
    recorder.record_contract_error(["CONTRACT-AUTH"], "connection dropped")
    recorder.record_not_run("S-2", ["KLOK01-R5"], "deselected")
    recorder.scenarios_in_scope = False
    recorder.record_section("fuzz", {"units": {"auth": {"skipped": None}}})
    recorder.aborted = (Verdict.ERROR, "preflight failed")
    recorder.expected_units = [Unit("S-1", "scenario", ("KLOK01-R4",))]
    recorder.record_ran("invariant x")
    recorder.record_incident("worker gw1 crashed")
    return recorder


def _data(recorder: RunRecorder) -> dict[str, Any]:
    return {f.name: getattr(recorder, f.name) for f in dataclasses.fields(recorder) if f.name not in NOT_DATA}


def test_every_recorder_field_is_set_by_the_fixture() -> None:
    """Guards the next test: a new field must get a non-default value in ``_full``."""
    default = _data(RunRecorder(started_at="2026-01-01T00:00:00+00:00"))
    full = _data(_full())
    unset = sorted(name for name in full if name != "started_at" and full[name] == default[name])
    assert unset == [], f"give these fields a non-default value in _full(): {unset}"


def test_to_dict_round_trips_every_field_through_json() -> None:
    recorder = _full()
    back = RunRecorder.from_dict(json.loads(json.dumps(recorder.to_dict())))
    assert _data(back) == _data(recorder)


def test_xdist_merge_carries_every_field_but_the_controllers_own() -> None:
    controller = RunRecorder()
    merge(controller, json.loads(json.dumps(to_payload(_full()))))
    merged, worker = _data(controller), _data(_full())
    own = {"started_at", "expected_units", "scenarios_in_scope"}  # the controller decides these
    assert {k: v for k, v in merged.items() if k not in own} == {
        k: v for k, v in worker.items() if k not in own
    }
    assert controller.contract_errors == {"CONTRACT-AUTH": "connection dropped"}


def test_the_bundle_run_record_is_the_same_form() -> None:
    record = json.loads(json.dumps(run_record(_full(), profile="p", catalogues=["contract"])))
    assert record["profile"] == "p" and record["catalogues"] == ["contract"]
    assert _data(recorder_from(record)) == _data(_full())
