"""A run's results as plain data, so parallel workers (pytest-xdist) can hand them to one report.

Each worker records into its own ``RunRecorder``; at its end it ships ``to_payload`` (the recorder's
one wire form, ``RunRecorder.to_dict``: JSON-safe, nothing but redacted evidence) and the controller
folds every payload in with ``merge`` before writing the one report. The preflight section stays the
controller's: it probed once for all. What the run should have run (the declared inventory) is the
controller's too, so a worker that deselected or never reported leaves its units ``not-run``.
"""

from __future__ import annotations

from typing import Any

from conformance.report import RunRecorder


def to_payload(recorder: RunRecorder) -> dict[str, Any]:
    """Everything ``recorder`` holds, as JSON-safe data."""
    return recorder.to_dict()


def merge(recorder: RunRecorder, payload: dict[str, Any]) -> None:
    """Fold a worker's payload into ``recorder`` (scenario findings are in ``contract_findings``)."""
    worker = RunRecorder.from_dict(payload)
    with recorder._lock:
        recorder.scenarios.extend(worker.scenarios)
        recorder.contract_findings.extend(worker.contract_findings)
        recorder.contract_checked.update(worker.contract_checked)
        for requirement, reason in worker.contract_errors.items():
            recorder.contract_errors.setdefault(requirement, reason)
        recorder.not_run.extend(worker.not_run)
        for name, section in worker.sections.items():
            recorder.sections.setdefault(name, section)
        if recorder.aborted is None:
            recorder.aborted = worker.aborted
        recorder.units_ran.update(worker.units_ran)
        recorder.incidents.extend(worker.incidents)
        # expected_units and started_at stay the controller's: the run's denominator and start.
