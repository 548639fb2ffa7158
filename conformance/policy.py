"""Profile policies for what a contract file leaves unsaid, each with the source it comes from.

A published contract may list only success statuses (Open Klant's 0.9.0 document does) while every
server rightly refuses bad requests with 400, 401, 404…: which undocumented error statuses are
acceptable, and what a 4xx body must look like, is decided here from the profile's data, never by
the contract file alone. One policy serves scenario responses (``conformance.contract``) and fuzzing
(``conformance.fuzz.findings``), for our contract and for any ``--spec``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.errors import ConfigError
from conformance.fastschema import QuickCheck

STATUS_POINTER = "/implicit_error_statuses"
PROBLEM_POINTER = "/problem_details/schema"
VALIDATION_POINTER = "/problem_details/validation_codes"


def documented(status: int, responses: Iterable[str]) -> bool:
    """Whether ``status`` is covered by a documented response key (``"200"``, ``"2XX"``, ``"default"``)."""
    keys = {str(key).upper() for key in responses}
    return str(status) in keys or f"{status // 100}XX" in keys or "DEFAULT" in keys


@dataclass(frozen=True)
class StatusPolicy:
    """Error statuses allowed on every operation although a contract leaves them out."""

    implicit: Mapping[int, str] = field(default_factory=dict)  # status -> where it comes from

    @classmethod
    def from_data(cls, data: Any, *, source: str) -> StatusPolicy:
        if data is None:
            return cls()
        if not isinstance(data, dict) or not all(str(k).isdigit() for k in data):
            raise ConfigError(f"{source}: implicit_error_statuses must map status codes to their source")
        statuses = {int(k): str(v) for k, v in data.items()}
        bad = sorted(s for s in statuses if not 400 <= s < 500)
        if bad:
            raise ConfigError(f"{source}: implicit_error_statuses may only hold 4xx statuses, not {bad}")
        return cls(statuses)

    def undocumented_status(self, status: int, responses: Iterable[str]) -> str | None:
        """Why ``status`` breaks the contract's documented ``responses``, or None when it does not.

        A documented status passes; an undocumented one passes only when the policy lists it. Any
        undocumented 2xx, 3xx or 5xx is a finding (a 5xx is CONTRACT-NO-SERVER-ERROR's as well).
        """
        keys = [str(k) for k in responses]
        if documented(status, keys) or status in self.implicit:
            return None
        allowed = ", ".join(str(s) for s in sorted(self.implicit)) or "none"
        listed = ", ".join(sorted(keys)) or "none"
        return (
            f"Undocumented status code {status}: the operation documents {listed}; "
            f"the profile allows on any operation: {allowed}"
        )


@dataclass(frozen=True)
class ProblemPolicy:
    """What a 4xx body must be: a problem-details object; ``invalidParams`` on validation errors."""

    schema: Mapping[str, Any] = field(default_factory=dict)
    validation_codes: frozenset[str] = frozenset()
    source: str = ""

    @classmethod
    def from_data(cls, data: Any, *, source: str) -> ProblemPolicy | None:
        if data is None:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("schema"), dict):
            raise ConfigError(f"{source}: problem_details needs a `schema` mapping")
        return cls(
            schema=data["schema"],
            validation_codes=frozenset(str(c) for c in data.get("validation_codes", [])),
            source=str(data.get("source", "")),
        )

    @functools.cached_property
    def _quick(self) -> QuickCheck:
        """The fast "valid" answer for conforming bodies (``conformance.fastschema``)."""
        return QuickCheck(self.schema)

    @functools.cached_property
    def _validator(self) -> Any:
        """The schema's validator, built once per policy (not once per 4xx body)."""
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.schema)

    def problems(self, status: int, body: bytes | None) -> list[tuple[str, str]]:
        """``(message, profile pointer)`` for every way a 4xx ``body`` breaks the policy; [] otherwise.

        An empty body says nothing and is not judged; a body that is not a JSON object is.
        """
        if not 400 <= status < 500 or not body or not body.strip():
            return []
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return [
                (f"HTTP {status}: the body is not JSON, so not a problem-details object", PROBLEM_POINTER)
            ]
        errors = [] if self._quick.valid(document) else sorted(self._validator.iter_errors(document), key=str)
        found = [
            (
                f"HTTP {status}: {'/'.join(str(p) for p in error.absolute_path) or 'body'}: {error.message}",
                PROBLEM_POINTER,
            )
            for error in errors
        ]
        if not isinstance(document, dict):
            return found
        if "status" in document and isinstance(document["status"], int) and document["status"] != status:
            found.append(
                (
                    f"HTTP {status}: `status` is {document['status']}, not the response's status "
                    "(RFC 9457 §3.1.2: the same status code as the HTTP response)",
                    PROBLEM_POINTER,
                )
            )
        if (
            status == 400
            and document.get("code") in self.validation_codes
            and "invalidParams" not in document
        ):
            found.append(
                (
                    f"HTTP 400: a validation error (code {document.get('code')!r}) without `invalidParams`",
                    VALIDATION_POINTER,
                )
            )
        return found
