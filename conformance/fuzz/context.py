"""What the fuzzer needs from a run, as protocols.

``conformance.session.RunContext`` satisfies ``FuzzRunContext``; the fuzz package only depends on
this shape (``session`` imports ``fuzz``, never the other way round), and tests and the benchmark
can pass a small stand-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from conformance.auth import AuthProvider
from conformance.config import Settings
from conformance.evidence import Redactor
from conformance.results import ContractFinding


class ContractRecorder(Protocol):
    """The part of ``conformance.report.RunRecorder`` the fuzzer writes to."""

    def record_contract(self, findings: Iterable[ContractFinding], checked: Iterable[str]) -> None: ...

    def record_contract_error(self, requirements: Iterable[str], reason: str) -> None: ...

    def record_section(self, name: str, data: dict[str, Any]) -> None: ...


class FuzzRunContext(Protocol):
    """The part of ``conformance.session.RunContext`` the fuzzer reads."""

    @property
    def settings(self) -> Settings: ...

    @property
    def auth(self) -> AuthProvider: ...

    @property
    def redactor(self) -> Redactor: ...

    @property
    def target_url(self) -> str: ...

    @property
    def spec_path(self) -> Path: ...

    @property
    def recorder(self) -> ContractRecorder: ...


@dataclass
class MemoryRecorder:
    """A ``ContractRecorder`` that keeps everything in memory (tests, benchmark, library use)."""

    findings: list[ContractFinding] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def record_contract(self, findings: Iterable[ContractFinding], checked: Iterable[str]) -> None:
        self.findings.extend(findings)
        self.checked.update(checked)

    def record_contract_error(self, requirements: Iterable[str], reason: str) -> None:
        for requirement in requirements:
            self.errors.setdefault(requirement, reason)

    def record_section(self, name: str, data: dict[str, Any]) -> None:
        self.sections[name] = data


@dataclass
class SimpleContext:
    """A plain ``FuzzRunContext``: what a caller without a full ``RunContext`` hands the fuzzer."""

    settings: Settings
    auth: AuthProvider
    redactor: Redactor
    target_url: str
    spec_path: Path
    recorder: ContractRecorder = field(default_factory=MemoryRecorder)
