"""Changes → the scenarios that use what changed → the requirements they verify.

A scenario is *touched* by a change to an operation, parameter or field it uses (sends, asserts
on or captures); it *breaks* when the change makes it wrong for certain: it calls a removed or
renamed operation, sends a removed field or parameter, omits a newly required one, sends a
literal value the new contract refuses, or asserts on a removed response field. A requirement
is *left untested* when every scenario verifying it breaks.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from conformance.model import Scenario
from conformance.specdiff.changes import Change, SpecDiff
from conformance.specdiff.compare import operation_key
from conformance.specdiff.load import Spec
from conformance.specdiff.usage import Use, scenario_uses, status_matches

_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}


@dataclass(frozen=True)
class Hit:
    """One scenario touched by one change (``change`` indexes ``SpecDiff.changes``)."""

    change: int
    scenario: str
    breaks: bool
    reason: str


@dataclass(frozen=True)
class Impact:
    """The impact of a diff on one profile's scenarios."""

    profile: str
    verifies: dict[str, tuple[str, ...]]  # scenario id → requirement ids
    hits: tuple[Hit, ...]
    note: str | None = None  # set when the profile does not cover the API: nothing was mapped

    def touched(self) -> list[str]:
        return sorted({h.scenario for h in self.hits})

    def broken(self) -> list[str]:
        return sorted({h.scenario for h in self.hits if h.breaks})

    def requirements(self) -> list[dict[str, Any]]:
        """Per requirement: its scenarios, the touched and the broken ones, and whether any survive."""
        touched, broken = set(self.touched()), set(self.broken())
        by_requirement: dict[str, list[str]] = {}
        for scenario, ids in sorted(self.verifies.items()):
            for requirement in ids:
                by_requirement.setdefault(requirement, []).append(scenario)
        rows = []
        for requirement, scenarios in sorted(by_requirement.items()):
            hit = [s for s in scenarios if s in touched]
            if not hit:
                continue
            rows.append(
                {
                    "id": requirement,
                    "scenarios": scenarios,
                    "touched": hit,
                    "breaking": [s for s in scenarios if s in broken],
                    "left_untested": all(s in broken for s in scenarios),
                }
            )
        return rows

    def untested_requirements(self) -> list[str]:
        return [row["id"] for row in self.requirements() if row["left_untested"]]

    def rerun_command(self, new_spec: str) -> str | None:
        """The run that shows how the touched scenarios fare under the new contract."""
        touched = self.touched()
        if not touched:
            return None
        selection = " or ".join(touched)
        return (
            f"klanten-conformance run --spec {shlex.quote(new_spec)} --no-fuzz -- -k {shlex.quote(selection)}"
        )


def _under(path: str, parent: str) -> bool:
    """``a.b`` and ``a[].b`` are under ``a``; everything is under the body itself (``""``)."""
    return parent == "" or path == parent or path.startswith((parent + ".", parent + "["))


def _literal(value: Any) -> bool:
    return not (isinstance(value, str) and "{{" in value) and not isinstance(value, dict | list)


def _violation(kind: str, constraint: Any, value: Any) -> str | None:
    """How a literal value breaks one constraint (enum, type, pattern, length), if it does."""
    if constraint is None:
        return None
    if kind == "enum" and isinstance(value, str):
        return f"sends {value!r}, not in the enum" if value not in constraint else None
    if kind == "type":
        allowed = set(constraint) | ({"integer"} if "number" in constraint else set())
        found = _JSON_TYPES.get(type(value))
        return f"sends a {found}, the field is {'/'.join(constraint)}" if found not in allowed else None
    if kind == "pattern" and isinstance(value, str):
        return f"sends {value!r}, not matching {constraint}" if not re.search(constraint, value) else None
    if kind == "length" and isinstance(value, str):
        low, high = constraint
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            return f"sends {value!r}, outside the length {low}..{high}"
    return None


def _refused_value(change: Change, value: Any) -> str | None:
    """Why the new contract refuses a literal value the old one accepted (a scenario sending an
    invalid value on purpose, e.g. an unknown codeRegister, is not broken by the change)."""
    if not _literal(value) or change.kind not in ("enum", "type", "pattern", "length"):
        return None
    if _violation(change.kind, change.old, value) is not None:
        return None
    reason = _violation(change.kind, change.new, value)
    return f"{reason} any more" if reason else None


def _required_now(change: Change) -> bool:
    return (change.kind == "required" and change.new is True) or (
        change.kind in ("field-added", "parameter-added") and change.effect == "incompatible"
    )


REMOVALS = ("field-removed", "field-renamed")  # the field under its old name is gone either way


def _gone(change: Change) -> str:
    return f"renamed to `{change.new}`" if change.kind == "field-renamed" else "removed"


def _judge(change: Change, uses: list[Use]) -> tuple[bool, str] | None:
    """Whether a scenario's uses of one operation are touched by a change, and whether it breaks."""
    calls = [u for u in uses if u.where == "operation"]
    if change.kind in ("operation-removed", "operation-id"):
        what = "removed" if change.kind == "operation-removed" else f"renamed to {change.new}"
        return True, f"calls {change.old_operation_id or change.operation}, {what}"
    if change.kind.startswith("status-"):
        status = str(change.old or change.new)
        expecting = [u for u in calls if u.statuses and status_matches(status, u.statuses)]
        return (False, f"expects {status} from {change.operation} ({change.detail})") if expecting else None
    if change.location in ("operation", "security"):
        return False, f"calls {change.operation} ({change.detail})"
    if change.location.startswith("parameter"):
        return _judge_field(change, [u for u in uses if u.where == "parameter"], sends_any=bool(calls))
    if change.location == "request":
        sent = [u for u in uses if u.where == "request"]
        if change.kind == "request-body-removed" and sent:
            return True, "sends a request body, no longer accepted"
        return _judge_field(change, sent, sends_any=bool(sent))
    status = change.location.removeprefix("response ").strip()
    read = [u for u in uses if u.where == "response" and status_matches(status, u.statuses)]
    related = [u for u in read if _under(u.field, change.field or "")]
    if change.kind in REMOVALS and any(not u.absent for u in related):
        return True, f"asserts on or captures `{related[0].field}`, {_gone(change)} in response {status}"
    return (False, f"reads `{related[0].field}` ({change.detail})") if related else None


def _judge_field(change: Change, uses: list[Use], *, sends_any: bool) -> tuple[bool, str] | None:
    field = change.field or ""
    exact = [u for u in uses if u.field == field]
    below = [u for u in uses if _under(u.field, field)]
    if change.kind in (*REMOVALS, "parameter-removed") and below:
        return True, f"sends `{below[0].field}`, {_gone(change)}"
    if _required_now(change) and not exact and sends_any:
        parent = field.rsplit(".", 1)[0] if "." in field else ""
        if change.location.startswith("parameter") or any(_under(u.field, parent) for u in uses if u.field):
            return True, f"does not send `{field}`, now required"
    for use in exact:
        reason = _refused_value(change, use.value)
        if reason:
            return True, reason
    return (False, f"sends `{below[0].field}` ({change.detail})") if below else None


def _operation_of(change: Change) -> str | None:
    method, _, path = change.operation.partition(" ")
    return operation_key(method, path) if path else None


def analyse(diff: SpecDiff, scenarios: Iterable[Scenario], old: Spec, profile: str) -> Impact:
    """Map every change to the scenarios (written for ``old``) that use what changed."""
    scenarios = list(scenarios)
    by_operation: dict[tuple[str, str], list[Use]] = {}
    for scenario in scenarios:
        for use in scenario_uses(scenario, old):
            by_operation.setdefault((scenario.id, use.operation), []).append(use)
            if use.operation.startswith("?") and use.operation_id:
                by_operation.setdefault((scenario.id, f"id:{use.operation_id}"), []).append(use)
    hits: list[Hit] = []
    for index, change in enumerate(diff.changes):
        hits.extend(_hits(index, change, by_operation))
    return Impact(profile, {s.id: s.verifies for s in scenarios}, tuple(hits))


def _hits(index: int, change: Change, by_operation: dict[tuple[str, str], list[Use]]) -> Iterator[Hit]:
    key = _operation_of(change)
    targets = {key, f"id:{change.old_operation_id}"} if key else set()
    for (scenario, operation), uses in by_operation.items():
        if operation not in targets:
            continue
        verdict = _judge(change, uses)
        if verdict is not None:
            yield Hit(index, scenario, *verdict)
