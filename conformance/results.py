"""Plain data produced by a run: contract findings, cleanup outcomes and scenario results.

Nothing here does I/O; the runner fills these in, the reporting code reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.evidence import Exchange
from conformance.verdicts import Verdict


@dataclass(frozen=True)
class ContractFinding:
    """A response that breaks the OpenAPI contract, kept apart from behavioural verdicts.

    ``requirement`` is a ``CONTRACT-*`` id from ``specs/requirements/contract.yaml``.
    """

    requirement: str
    check: str
    operation: str
    message: str
    source: str  # "scenario:<id>" or "fuzz"
    reproduction: str | None = None  # a redacted curl command
    # What it was judged against: {"document": {title, version, sha256}, "pointer": JSON pointer}.
    basis: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "check": self.check,
            "operation": self.operation,
            "message": self.message,
            "source": self.source,
            "reproduction": self.reproduction,
            "basis": self.basis,
        }


@dataclass
class CleanupRecord:
    """One cleanup action: what was to be removed and whether the target confirmed it."""

    description: str
    status: int | None
    ok: bool
    error: str | None = None
    url: str | None = None  # the record's address (what is left on the target when not ok)
    unaddressed: bool = False  # created (2xx), but the answer gave nothing to delete it by

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "status": self.status,
            "ok": self.ok,
            "error": self.error,
            "url": self.url,
            "unaddressed": self.unaddressed,
        }


@dataclass
class ScenarioResult:
    """The outcome of one scenario with all its evidence."""

    scenario_id: str
    verifies: list[str]
    verdict: Verdict
    message: str = ""
    duration_s: float = 0.0
    exchanges: list[Exchange] = field(default_factory=list)
    contract_findings: list[ContractFinding] = field(default_factory=list)
    contract_checked: set[str] = field(default_factory=set)  # CONTRACT-* ids evaluated at least once
    cleanups: list[CleanupRecord] = field(default_factory=list)
    failure: BaseException | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.scenario_id,
            "verifies": self.verifies,
            "verdict": self.verdict.value,
            "duration_s": round(self.duration_s, 4),
            "message": self.message,
            "contract_findings": [f.to_dict() for f in self.contract_findings],
            "cleanup": {
                "attempted": len(self.cleanups),
                "succeeded": sum(1 for c in self.cleanups if c.ok),
                "failed": [c.to_dict() for c in self.cleanups if not c.ok],
            },
        }
