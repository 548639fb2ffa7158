"""A run's results as plain data, so parallel workers (pytest-xdist) can hand them to one report.

Each worker records into its own ``RunRecorder``; at its end it ships ``to_payload`` (JSON-safe
dicts, nothing but redacted evidence) and the controller folds every payload in with ``merge`` before
writing the one report. The preflight section stays the controller's: it probed once for all.
"""

from __future__ import annotations

from typing import Any

from conformance.evidence import Exchange
from conformance.report import RunRecorder
from conformance.results import CleanupRecord, ContractFinding, ScenarioResult
from conformance.verdicts import Verdict


def _exchange(data: dict[str, Any]) -> Exchange:
    request, response = data["request"], data.get("response") or {}
    return Exchange(
        step=data["step"],
        method=request["method"],
        url=request["url"],
        request_headers=request["headers"],
        request_body=request.get("body"),
        status=response.get("status"),
        response_headers=response.get("headers", {}),
        response_body=response.get("body"),
        elapsed_s=data.get("elapsed_s"),
        error=data.get("error"),
        truncated=response.get("truncated", False),
    )


def _scenario_payload(result: ScenarioResult) -> dict[str, Any]:
    return {
        "id": result.scenario_id,
        "verifies": list(result.verifies),
        "verdict": result.verdict.value,
        "message": result.message,
        "duration_s": result.duration_s,
        "exchanges": [e.to_dict() for e in result.exchanges],
        "findings": [f.to_dict() for f in result.contract_findings],
        "checked": sorted(result.contract_checked),
        "cleanups": [c.to_dict() for c in result.cleanups],
    }


def _scenario(data: dict[str, Any]) -> ScenarioResult:
    return ScenarioResult(
        scenario_id=data["id"],
        verifies=list(data["verifies"]),
        verdict=Verdict(data["verdict"]),
        message=data["message"],
        duration_s=data["duration_s"],
        exchanges=[_exchange(e) for e in data["exchanges"]],
        contract_findings=[ContractFinding(**f) for f in data["findings"]],
        contract_checked=set(data["checked"]),
        cleanups=[CleanupRecord(**c) for c in data["cleanups"]],
    )


def to_payload(recorder: RunRecorder) -> dict[str, Any]:
    """Everything ``recorder`` holds, as JSON-safe data."""
    return {
        "scenarios": [_scenario_payload(s) for s in recorder.scenarios],
        "findings": [f.to_dict() for f in recorder.contract_findings],
        "checked": sorted(recorder.contract_checked),
        "sections": dict(recorder.sections),
    }


def merge(recorder: RunRecorder, payload: dict[str, Any]) -> None:
    """Fold a worker's payload into ``recorder`` (scenario findings are in ``findings`` already)."""
    with recorder._lock:
        recorder.scenarios.extend(_scenario(s) for s in payload["scenarios"])
        recorder.contract_findings.extend(ContractFinding(**f) for f in payload["findings"])
        recorder.contract_checked.update(payload["checked"])
        for name, section in payload["sections"].items():
            recorder.sections.setdefault(name, section)
