"""A scenario result as plain data and back: the one wire form of ``RunRecorder.to_dict``.

xdist workers ship their results to the controller in it (``conformance.merge``) and the
certification bundle stores it as its run record (``conformance.reports.bundle``), so the two can
never drift apart. Everything in it is already redacted evidence. ``ScenarioResult.failure`` (a
live exception, for pytest's rendering) is not data and does not travel.
"""

from __future__ import annotations

from typing import Any

from conformance.evidence import Exchange
from conformance.results import CleanupRecord, ContractFinding, ScenarioResult
from conformance.verdicts import Verdict


def exchange_from_dict(data: dict[str, Any]) -> Exchange:
    """The inverse of ``Exchange.to_dict``."""
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


def scenario_to_dict(result: ScenarioResult) -> dict[str, Any]:
    """Everything a scenario result holds but its live exception."""
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


def scenario_from_dict(data: dict[str, Any]) -> ScenarioResult:
    """The inverse of ``scenario_to_dict``."""
    return ScenarioResult(
        scenario_id=data["id"],
        verifies=list(data["verifies"]),
        verdict=Verdict(data["verdict"]),
        message=data["message"],
        duration_s=data["duration_s"],
        exchanges=[exchange_from_dict(e) for e in data["exchanges"]],
        contract_findings=[ContractFinding(**f) for f in data["findings"]],
        contract_checked=set(data["checked"]),
        cleanups=[CleanupRecord(**c) for c in data["cleanups"]],
    )
