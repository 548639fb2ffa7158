"""Schemathesis fuzzing of the contract, mapped onto ``CONTRACT-*`` requirements.

Core package: never imports pytest or the CLI. ``FuzzSession`` runs units (the auth check, one
per operation, the stateful run), ``conformance.plugin.fuzz_items`` turns them into pytest items.
See docs/fuzzing.md.
"""

from __future__ import annotations

from conformance.fuzz.cleanup import CleanupReport
from conformance.fuzz.context import ContractRecorder, FuzzRunContext, MemoryRecorder, SimpleContext
from conformance.fuzz.engine import OperationInfo
from conformance.fuzz.fuzzer import AUTH_UNIT, STATEFUL_UNIT, FuzzSession, Unit, UnitOutcome, plan
from conformance.fuzz.options import CHECK_REQUIREMENTS, REFUSAL_STATUSES, FuzzOptions, parse_phases

__all__ = [
    "AUTH_UNIT",
    "CHECK_REQUIREMENTS",
    "REFUSAL_STATUSES",
    "STATEFUL_UNIT",
    "CleanupReport",
    "ContractRecorder",
    "FuzzOptions",
    "FuzzRunContext",
    "FuzzSession",
    "MemoryRecorder",
    "OperationInfo",
    "SimpleContext",
    "Unit",
    "UnitOutcome",
    "parse_phases",
    "plan",
]
