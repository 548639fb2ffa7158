"""The scenario format as frozen dataclasses; built by ``loader``, executed by ``runner``.

No I/O and no behaviour beyond small accessors: the format is data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.auth import AuthMode

StatusItem = int | str  # 201 or "4xx"

BODY_OPERATORS = (
    "equals",
    "not_equals",
    "one_of",
    "contains",
    "not_contains",
    "absent",
    "present",
    "matches",
    "count",
)


@dataclass(frozen=True)
class RequestSpec:
    """An HTTP request before templating: by operationId, or by method and path."""

    operation: str | None = None
    method: str | None = None
    path: str | None = None
    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    has_json: bool = False
    auth: AuthMode = AuthMode.DEFAULT

    def label(self) -> str:
        return self.operation or f"{self.method} {self.path}"


@dataclass(frozen=True)
class Assertion:
    """``{path: ..., <operator>: operand}`` on the JSON body."""

    path: str
    operator: str
    operand: Any


@dataclass(frozen=True)
class HeaderAssertion:
    """An expectation on one response header (name compared case-insensitively)."""

    name: str
    operator: str  # equals | matches | present | absent
    operand: Any = None


@dataclass(frozen=True)
class Expect:
    """What one response must look like."""

    status: tuple[StatusItem, ...] = ()
    headers: tuple[HeaderAssertion, ...] = ()
    body: tuple[Assertion, ...] = ()
    body_excludes: tuple[Any, ...] = ()
    problem: bool = False
    invalid_params: tuple[str, ...] = ()
    contract: bool = True


@dataclass(frozen=True)
class CountAssertion:
    """How many responses of a parallel set have a status."""

    status: tuple[StatusItem, ...]
    equals: int | None = None
    at_least: int | None = None
    at_most: int | None = None


@dataclass(frozen=True)
class Capture:
    """Copy a body path or a header value into a variable."""

    name: str
    source: str  # "body" | "header" | "status"
    path: str


@dataclass(frozen=True)
class Step:
    """One request (or N parallel copies) with its expectations, captures and cleanup."""

    name: str
    request: RequestSpec
    expect: Expect | None = None
    captures: tuple[Capture, ...] = ()
    cleanup: RequestSpec | None = None
    parallel: int | None = None
    expect_each: Expect | None = None
    counts: tuple[CountAssertion, ...] = ()
    setup: bool = False
    verify: bool = False  # a control step (e.g. a lookup with valid credentials): non-2xx is inconclusive
    line: int | None = None


@dataclass(frozen=True)
class Scenario:
    """One scenario file."""

    id: str
    title: str
    description: str
    verifies: tuple[str, ...]
    profiles: tuple[str, ...]
    level: str
    steps: tuple[Step, ...]
    file: Path
    tags: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    refusal_statuses: tuple[StatusItem, ...] = ()
    vars: tuple[tuple[str, Any], ...] = ()
    line: int = 1
    key_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
