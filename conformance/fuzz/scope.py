"""Which operations of a contract a fuzz session covers: those the profile declares.

A contract given with ``--spec`` (the published upstream file, say) can hold far more than the
profile tests (actoren, bijlagen, internetaken…). Fuzzing those would judge a target on resources
the profile never asked for, so the session keeps the profile's operations and reports the rest as
left out — never silently.
"""

from __future__ import annotations

from typing import Any

from conformance.fuzz.engine import OperationInfo, list_operations


def scoped(schema: Any, operation_ids: tuple[str, ...]) -> Any:
    """``schema`` restricted to ``operation_ids``; the whole schema when the profile names none."""
    if not operation_ids:
        return schema
    wanted = frozenset(operation_ids)
    # An exclusion, not an inclusion: schemathesis ORs inclusions, so the per-unit `include` that
    # follows would otherwise widen the scope again.
    return schema.exclude(func=lambda ctx: ctx.operation.definition.raw.get("operationId") not in wanted)


def left_out(schema: Any, operation_ids: tuple[str, ...]) -> list[str]:
    """Labels of the contract's operations that the profile does not declare, in contract order."""
    if not operation_ids:
        return []
    wanted = frozenset(operation_ids)
    return [op.label for op in list_operations(schema) if op.operation_id not in wanted]


def covered(operations: list[OperationInfo], operation_ids: tuple[str, ...]) -> list[OperationInfo]:
    """The operations a scoped session runs (for planning without a second schema load)."""
    if not operation_ids:
        return operations
    wanted = frozenset(operation_ids)
    return [op for op in operations if op.operation_id in wanted]
