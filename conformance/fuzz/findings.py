"""schemathesis check failures -> redacted ``ContractFinding`` objects, one per distinct defect.

schemathesis reports a failure per failing case; hundreds of cases can share one defect. A finding
is keyed by (requirement, operation, failure code, title, first message line) and keeps the first
reproduction. A 5xx is one defect, CONTRACT-NO-SERVER-ERROR's: not also CONTRACT-NEGATIVE-DATA's (the
request was not accepted, the server failed; schemathesis' own default treats 5xx the same way for
negative_data_rejection), nor an undocumented status, a wrong body or content type of the same
answer. A finding is filed under the operation of the request that raised it: an OPTIONS (or other
undeclared method) request schemathesis sends while covering ``GET /x`` is ``OPTIONS /x``'s.

schemathesis' ``status_code_conformance`` is wrapped by the profile's status policy: its failure on
a status the profile allows on any operation (401, 404, …) is no finding. 4xx bodies are judged by
the profile's problem-details policy (``problem_failures``). Each finding cites its basis: the
contract (or, for problem details, the profile) with the JSON pointer of what was violated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance.basis import Document, escape, operation_pointer, profile_document
from conformance.evidence import Redactor, curl_command
from conformance.fuzz.options import CHECK_REQUIREMENTS_ALL, PROBLEM_CHECK
from conformance.policy import ProblemPolicy, StatusPolicy
from conformance.results import ContractFinding
from conformance.yamlsafe import safe_load

SOURCE = "fuzz"
MAX_MESSAGE = 2000
# Checks whose verdict on a 5xx response adds nothing to not_a_server_error's.
_SUBSUMED_BY_SERVER_ERROR = frozenset(
    {
        "negative_data_rejection",
        "status_code_conformance",
        "response_schema_conformance",
        "content_type_conformance",
    }
)


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
    pointer: str | None = None  # set when the failure knows its basis (problem details: the profile's)
    method: str = ""  # the request's own method, when it is not the operation's (OPTIONS while covering GET)

    @property
    def filed_under(self) -> str:
        """The operation the finding belongs to: the request's method on the operation's path."""
        label_method, _, path = self.operation.partition(" ")
        if self.method and path and self.method.upper() != label_method.upper():
            return f"{self.method.upper()} {path}"
        return self.operation


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
            status, method = None, ""
            if interaction is not None and interaction.response is not None:
                status = int(interaction.response.status_code)
            if interaction is not None:
                method = str(interaction.request.method)
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
                method=method,
            )


def problem_failures(
    exchanges: Iterable[Any], policy: ProblemPolicy | None, redactor: Redactor, phase: str = ""
) -> tuple[list[RawFailure], bool]:
    """Problem-details violations of the 4xx bodies among engine ``exchanges``; and whether any was judged."""
    failures: list[RawFailure] = []
    judged = False
    if policy is None:
        return failures, judged
    for index, exchange in enumerate(exchanges):
        status = exchange.status
        if status is None or not 400 <= status < 500:
            continue
        judged = True
        for message, pointer in policy.problems(status, exchange.response_body):
            body = exchange.body.decode("utf-8", "replace") if exchange.body else None
            reproduction = curl_command(
                exchange.method,
                redactor.text(exchange.url),
                redactor.headers(exchange.headers),
                redactor.text(body) if body is not None else None,
            )
            failures.append(
                RawFailure(
                    check=PROBLEM_CHECK,
                    operation=exchange.operation,
                    code="",
                    title="Not a problem-details body",
                    message=message,
                    curl=reproduction,
                    case_id=f"problem-{index}",
                    status=status,
                    phase=exchange.phase or phase,
                    pointer=pointer,
                    method=exchange.method,
                )
            )
    return failures, judged


class BasisLookup:
    """The basis of a fuzz finding: the contract at the pointer of what was violated, or the profile."""

    def __init__(self, spec_path: Path, profile_path: Path | None) -> None:

        self.contract = Document.of(spec_path)
        self.profile = profile_document(profile_path) if profile_path is not None else None
        try:
            self._raw: dict[str, Any] = safe_load(spec_path.read_bytes()) or {}
        except yaml.YAMLError:
            self._raw = {}

    def __call__(self, failure: RawFailure, requirement: str) -> dict[str, Any] | None:
        if failure.pointer is not None:
            return self.profile.at(failure.pointer) if self.profile is not None else None
        method, _, path = failure.filed_under.partition(" ")
        item = self._raw.get("paths", {}).get(path)
        operation = (item or {}).get(method.lower())
        if not isinstance(operation, dict):  # an undeclared method: the path's item lists the declared ones
            return self.contract.at(f"/paths/{escape(path)}" if isinstance(item, dict) else "/paths")
        pointer = self._pointer(operation, path, method, requirement, failure.status)
        return self.contract.at(pointer, (method, path))

    def _pointer(
        self, operation: dict[str, Any], path: str, method: str, requirement: str, status: int | None
    ) -> str:
        if requirement == "CONTRACT-NEGATIVE-DATA":
            return operation_pointer(path, method)
        if requirement == "CONTRACT-AUTH":
            if "security" in operation:
                return operation_pointer(path, method, "security")
            return "/security"
        responses = [str(k) for k in operation.get("responses", {})]
        key = None
        if status is not None:
            key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in responses), None)
        if requirement in ("CONTRACT-STATUS", "CONTRACT-NO-SERVER-ERROR") or key is None:
            return operation_pointer(path, method, "responses")
        content = operation["responses"][key].get("content") or {}
        if not content:  # a response without a body (204): the response itself is what was judged
            return operation_pointer(path, method, "responses", key)
        if requirement == "CONTRACT-CONTENT-TYPE":
            return operation_pointer(path, method, "responses", key, "content")
        media = (
            "application/json" if "application/json" in content else next(iter(content), "application/json")
        )
        return operation_pointer(path, method, "responses", key, "content", media, "schema")


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


@dataclass
class FindingCollector:
    """Deduplicates raw failures into findings and counts how often each was seen."""

    redactor: Redactor
    status_policy: StatusPolicy = field(default_factory=StatusPolicy)
    basis: Callable[[RawFailure, str], dict[str, Any] | None] | None = None
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
            if failure.check == "status_code_conformance" and failure.status in self.status_policy.implicit:
                continue  # the profile allows this error status on any operation
            key = self.add(failure)
            touched.setdefault(key, self._findings[key])
        return list(touched.values())

    def add(self, failure: RawFailure) -> tuple[str, str, str, str, str]:
        """Count one failure; the first of its kind becomes a finding. Returns its dedupe key."""
        requirement = requirement_for(failure.check)
        key = (requirement, failure.filed_under, failure.code, failure.title, _first_line(failure.message))
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
            operation=self.redactor.text(failure.filed_under),
            message=self.redactor.text(message),
            source=SOURCE,
            reproduction=self.redactor.text(failure.curl) if failure.curl else None,
            basis=self.basis(failure, requirement) if self.basis is not None else None,
        )
        return key

    @property
    def findings(self) -> list[ContractFinding]:
        return list(self._findings.values())

    def occurrences(self) -> int:
        return sum(self._seen.values())
