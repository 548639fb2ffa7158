"""schemathesis check failures -> redacted ``ContractFinding`` objects, one per distinct defect.

schemathesis reports a failure per failing case; hundreds of cases can share one defect. A finding
is keyed by (requirement, operation, failure code, title, first message line) and keeps the first
reproduction. A 5xx answer to negative data is CONTRACT-NO-SERVER-ERROR's (and, when undocumented,
CONTRACT-STATUS's) defect, not CONTRACT-NEGATIVE-DATA's: the request was not accepted, the server
failed. schemathesis' own default treats 5xx the same way for negative_data_rejection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.evidence import Redactor
from conformance.fuzz.options import CHECK_REQUIREMENTS_ALL
from conformance.results import ContractFinding

SOURCE = "fuzz"
MAX_MESSAGE = 2000
# Checks whose verdict on a 5xx response adds nothing to not_a_server_error's.
_SUBSUMED_BY_SERVER_ERROR = frozenset({"negative_data_rejection"})


@dataclass(frozen=True)
class RawFailure:
    """One failed check on one case, as read from a schemathesis recorder (not yet redacted)."""

    check: str
    operation: str
    code: str
    title: str
    message: str
    curl: str
    case_id: str
    status: int | None = None
    phase: str = ""


def requirement_for(check: str) -> str:
    """The CONTRACT id a check verifies; an unknown (custom) check maps to CONTRACT-STATUS's sibling."""
    return CHECK_REQUIREMENTS_ALL.get(check, f"CONTRACT-{check.upper().replace('_', '-')}")


def failures_from_recorder(recorder: Any, phase: str) -> Iterator[RawFailure]:
    """Every failed check in a ``schemathesis.engine.recorder.ScenarioRecorder``."""
    for case_id, checks in recorder.checks.items():
        for node in checks:
            info = node.failure_info
            if info is None:
                continue
            failure = info.failure
            target_id = failure.case_id or case_id
            node_case = recorder.cases.get(target_id)
            operation = failure.operation or (
                node_case.value.operation.label if node_case else recorder.label
            )
            interaction = recorder.interactions.get(target_id)
            status = None
            if interaction is not None and interaction.response is not None:
                status = int(interaction.response.status_code)
            yield RawFailure(
                check=str(node.name),
                operation=str(operation),
                code=str(getattr(failure, "code", "")),
                title=str(failure.title),
                message=str(failure.message or ""),
                curl=str(info.code_sample or ""),
                case_id=str(target_id),
                status=status,
                phase=phase,
            )


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


@dataclass
class FindingCollector:
    """Deduplicates raw failures into findings and counts how often each was seen."""

    redactor: Redactor
    _findings: dict[tuple[str, str, str, str, str], ContractFinding] = field(default_factory=dict)
    _seen: dict[tuple[str, str, str, str, str], int] = field(default_factory=dict)

    def add_all(self, failures: Iterable[RawFailure]) -> list[ContractFinding]:
        """Add a batch (one unit's failures); returns the batch's distinct findings, first seen first."""
        batch = list(failures)
        server_errors = {f.case_id for f in batch if f.check == "not_a_server_error"}
        touched: dict[tuple[str, str, str, str, str], ContractFinding] = {}
        for failure in batch:
            if failure.check in _SUBSUMED_BY_SERVER_ERROR and failure.case_id in server_errors:
                continue
            key = self.add(failure)
            touched.setdefault(key, self._findings[key])
        return list(touched.values())

    def add(self, failure: RawFailure) -> tuple[str, str, str, str, str]:
        """Count one failure; the first of its kind becomes a finding. Returns its dedupe key."""
        requirement = requirement_for(failure.check)
        key = (requirement, failure.operation, failure.code, failure.title, _first_line(failure.message))
        self._seen[key] = self._seen.get(key, 0) + 1
        if key in self._findings:
            return key
        message = f"[{failure.code}] {failure.title}" if failure.code else failure.title
        if failure.status is not None:
            message += f" (HTTP {failure.status})"
        if failure.message:
            message += f": {failure.message.strip()}"
        if failure.phase:
            message += f" [phase: {failure.phase}]"
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + " …"
        self._findings[key] = ContractFinding(
            requirement=requirement,
            check=failure.check,
            operation=self.redactor.text(failure.operation),
            message=self.redactor.text(message),
            source=SOURCE,
            reproduction=self.redactor.text(failure.curl) if failure.curl else None,
        )
        return key

    @property
    def findings(self) -> list[ContractFinding]:
        return list(self._findings.values())

    def occurrences(self) -> int:
        return sum(self._seen.values())
