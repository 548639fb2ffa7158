"""Response validation against the profile's OpenAPI contract, reusing schemathesis' checks.

Findings are kept apart from behavioural verdicts: a wrongly typed field is a ``CONTRACT-*``
failure, not a KLOK01 one. Only side-effect-free checks are used (the default list would
re-send requests without credentials). Statuses are judged by the profile's policy
(``conformance.policy``), not by schemathesis' ``status_code_conformance``: an undocumented 401 or
404 is allowed when the profile lists it. 4xx bodies are judged by the profile's problem-details
policy. Every finding cites its basis: the document and the JSON pointer it was judged against.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.basis import Document, operation_pointer, profile_document
from conformance.discriminator import load_document
from conformance.errors import ConfigError
from conformance.evidence import Exchange, Redactor, curl
from conformance.policy import ProblemPolicy, StatusPolicy
from conformance.profiles import Profile
from conformance.results import ContractFinding

STATUS_CHECK = "status_code_policy"  # our policy-aware replacement of status_code_conformance
PROBLEM_CHECK = "problem_details"
PROBLEM_REQUIREMENT = "CONTRACT-PROBLEM-DETAILS"


def _checks() -> dict[str, tuple[str, Callable[..., Any]]]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    return {
        "CONTRACT-NO-SERVER-ERROR": ("not_a_server_error", not_a_server_error),
        "CONTRACT-CONTENT-TYPE": ("content_type_conformance", content_type_conformance),
        "CONTRACT-SCHEMA": ("response_schema_conformance", response_schema_conformance),
    }


def _server_error_only(
    checks: dict[str, tuple[str, Callable[..., Any]]],
) -> dict[str, tuple[str, Callable[..., Any]]]:
    return {k: v for k, v in checks.items() if k == "CONTRACT-NO-SERVER-ERROR"}


def response_pointer(operation: Any, requirement: str, status: int, content_type: str | None) -> str:
    """The JSON pointer of what ``requirement`` judged in ``operation``'s definition."""
    responses = [str(k) for k in operation.definition.raw.get("responses", {})]
    if requirement in ("CONTRACT-STATUS", "CONTRACT-NO-SERVER-ERROR"):
        return operation_pointer(operation.path, operation.method, "responses")
    key = next(
        (k for k in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default") if k in responses),
        None,
    )
    if key is None:
        return operation_pointer(operation.path, operation.method, "responses")
    content = operation.definition.raw["responses"][key].get("content", {}) or {}
    if not content:  # a response without a body (204): the response itself is what was judged
        return operation_pointer(operation.path, operation.method, "responses", key)
    if requirement == "CONTRACT-CONTENT-TYPE":
        return operation_pointer(operation.path, operation.method, "responses", key, "content")
    media = (content_type or "").split(";")[0].strip()
    chosen = media if media in content else next(iter(content), "application/json")
    return operation_pointer(operation.path, operation.method, "responses", key, "content", chosen, "schema")


def _path_params(template: str, concrete: str) -> dict[str, str]:
    pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
    match = re.match(pattern, concrete)
    return match.groupdict() if match else {}


class ContractValidator:
    """Validates responses of one target against one contract file."""

    def __init__(
        self,
        spec_path: Path,
        root_url: str,
        redactor: Redactor,
        *,
        status_policy: StatusPolicy | None = None,
        problem_policy: ProblemPolicy | None = None,
        profile_path: Path | None = None,
    ) -> None:
        import schemathesis

        try:
            self._schema = schemathesis.openapi.from_dict(load_document(spec_path))
        except Exception as exc:  # schemathesis raises several loader error types
            raise ConfigError(f"cannot load the contract {spec_path}: {exc}") from exc
        self._root_path = urlsplit(root_url).path.rstrip("/")
        self._redactor = redactor
        self._checks = _checks()
        self._status_policy = status_policy or StatusPolicy()
        self._problem_policy = problem_policy
        self.document = Document.of(spec_path)
        self._profile = profile_document(profile_path) if profile_path is not None else None
        self._lock = threading.Lock()  # schemathesis caches are not documented as thread-safe

    @classmethod
    def for_profile(
        cls, spec_path: Path, root_url: str, redactor: Redactor, profile: Profile, **overrides: Any
    ) -> ContractValidator:
        """A validator with ``profile``'s status and problem-details policies (``overrides`` replace them)."""
        policies: dict[str, Any] = {
            "status_policy": profile.status_policy,
            "problem_policy": profile.problem_policy,
            "profile_path": profile.source,
        }
        return cls(spec_path, root_url, redactor, **{**policies, **overrides})

    def operation_of(self, method: str, url: str) -> Any:
        """The contract operation for a concrete request, or None when it is not in the contract."""
        path = urlsplit(url).path
        if self._root_path and path.startswith(self._root_path):
            path = path[len(self._root_path) :] or "/"
        return self._schema.find_operation_by_path(method.upper(), path), path

    def operation_id(self, operation_id: str) -> tuple[str, str]:
        """``(METHOD, path template)`` of an operationId; ``ConfigError`` when it is unknown."""
        try:
            operation = self._schema.find_operation_by_id(operation_id)
        except Exception as exc:
            raise ConfigError(f"operation {operation_id!r} is not in the contract") from exc
        return operation.method.upper(), operation.path

    def has_operation(self, operation_id: str) -> bool:
        try:
            self._schema.find_operation_by_id(operation_id)
        except Exception:
            return False
        return True

    def validate(
        self, exchange: Exchange, response: Any, source: str
    ) -> tuple[list[ContractFinding], set[str]]:
        """Run every contract check on one response: ``(findings, ids of the checks that ran)``."""
        with self._lock:
            operation, path = self.operation_of(exchange.method, str(response.request.url))
            if operation is None:
                return [], set()
            case = operation.Case(
                path_parameters=_path_params(operation.path, path) or None,
                query=dict(response.request.url.params) or None,
            )
            findings: list[ContractFinding] = []
            status, content_type = int(response.status_code), response.headers.get("content-type")

            def add(requirement: str, check: str, message: str, basis: dict[str, Any]) -> None:
                findings.append(
                    ContractFinding(
                        requirement=requirement,
                        check=check,
                        operation=operation.label,
                        message=self._redactor.text(message),
                        source=source,
                        reproduction=curl(exchange),
                        basis=basis,
                    )
                )

            converted = _as_schemathesis(response)  # once, not once per check
            # A 5xx is one defect, CONTRACT-NO-SERVER-ERROR's: its status, body and content type are not
            # judged again (that would count one server error as several MUST failures).
            checks = self._checks if status < 500 else _server_error_only(self._checks)
            for requirement, (name, check) in checks.items():
                try:
                    case.validate_response(converted, checks=[check])
                except (AssertionError, BaseExceptionGroup) as exc:
                    pointer = response_pointer(operation, requirement, status, content_type)
                    add(requirement, name, _describe(exc), self.document.at(pointer))
            responses = operation.definition.raw.get("responses", {})
            reason = self._status_policy.undocumented_status(status, responses) if status < 500 else None
            if reason is not None:
                pointer = response_pointer(operation, "CONTRACT-STATUS", status, content_type)
                add("CONTRACT-STATUS", STATUS_CHECK, reason, self.document.at(pointer))
            checked = {*self._checks, "CONTRACT-STATUS"}  # a 5xx is judged too: as a server error
            if self._problem_policy is not None and self._profile is not None and 400 <= status < 500:
                checked.add(PROBLEM_REQUIREMENT)
                for message, pointer in self._problem_policy.problems(status, response.content):
                    add(PROBLEM_REQUIREMENT, PROBLEM_CHECK, message, self._profile.at(pointer))
            return findings, checked


def _as_schemathesis(response: Any) -> Any:
    """schemathesis' own response object, as ``Response.from_httpx`` makes it, built once per response.

    ``from_httpx`` re-prepares the request through ``requests`` (URL parsing, IDNA, re-quoting),
    which cost as much as the three checks together. The checks used here judge the status, headers
    and body only; the request rides along for messages, so it is carried over as sent, unparsed.
    """
    import httpx
    from requests import PreparedRequest
    from requests.structures import CaseInsensitiveDict
    from schemathesis.core.transport import Response

    if not isinstance(response, httpx.Response):  # another transport's: schemathesis converts it
        return Response.from_any(response)
    sent = response.request
    request = PreparedRequest()
    request.method = sent.method
    request.url = str(sent.url)
    request.headers = CaseInsensitiveDict(sent.headers.items())
    request.body = sent.content or None
    return Response(
        status_code=response.status_code,
        headers={key: [value] for key, value in response.headers.items()},
        content=response.content,
        request=request,
        elapsed=response.elapsed.total_seconds(),
        message=response.reason_phrase,
        encoding=response.encoding,
        http_version=response.http_version,
        verify=True,
    )


def _describe(exc: BaseException) -> str:
    """The failures' own titles and messages, without schemathesis' reproduction block."""
    parts = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
    texts = []
    for part in parts:
        title = getattr(part, "title", "") or type(part).__name__
        message = getattr(part, "message", "") or str(part)
        texts.append(f"{title}: {_first_lines(message)}")
    return "\n".join(texts)


def _first_lines(text: str, limit: int = 12) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    # schemathesis appends its own curl with the real credential masked; ours is redacted already.
    lines = [line for line in lines if not line.lstrip().startswith("curl ")]
    return "\n".join(lines[:limit])
