"""What each scenario touches in a contract: operations, parameters, request fields, response fields.

Paths are written like the diff writes them (``results[].partijIdentificator.objectId``), so a
change and a use meet on the same string. Operations are named by ``operation_key``, resolved
from a scenario's ``operationId`` (or method and path) in the contract it was written for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.jsonpath import BadPath, parse
from conformance.model import Expect, RequestSpec, Scenario, StatusItem
from conformance.specdiff.compare import operation_key
from conformance.specdiff.load import Spec

_TEMPLATE = re.compile(r"\{\{[^}]*\}\}")


@dataclass(frozen=True)
class Use:
    """One thing a scenario relies on.

    ``where`` is ``operation`` (it calls it), ``request`` (a body field it sends), ``parameter``
    (a query or path parameter it sends) or ``response`` (a body field it asserts on or captures,
    in responses with ``statuses``); ``absent`` marks an assertion that the field is *not* there.
    """

    scenario: str
    operation: str
    operation_id: str | None
    where: str
    field: str = ""
    statuses: tuple[str, ...] = ()
    value: Any = None
    absent: bool = False


def body_path(path: str) -> str | None:
    """A scenario body path (``results[0].uuid``, ``a[*].b``) as a diff field path."""
    try:
        parts = parse(path)
    except BadPath:
        return None
    out = ""
    for part in parts:
        if isinstance(part, int) or part == "*":
            out += "[]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


def _json_fields(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every field path a request body sets, with the literal value at leaves."""
    if isinstance(value, dict):
        for key, sub in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path, sub if not isinstance(sub, dict | list) else None
            yield from _json_fields(sub, path)
    elif isinstance(value, list):
        for item in value:
            yield f"{prefix}[]", item if not isinstance(item, dict | list) else None
            yield from _json_fields(item, f"{prefix}[]")


def _statuses(expect: Expect | None) -> tuple[str, ...]:
    items: tuple[StatusItem, ...] = expect.status if expect else ()
    return tuple(str(s).upper() for s in items)


def status_matches(status: str, expected: tuple[str, ...]) -> bool:
    """``"201"`` matches ``("201",)``, ``("2XX",)``, or no expectation at all."""
    if not expected or status == "default":
        return True
    status = status.upper()
    return any(s == status or (s.endswith("XX") and status[:1] == s[:1]) for s in expected)


def resolve_operation(request: RequestSpec, spec: Spec) -> tuple[str, str | None] | None:
    """``(operation_key, operationId)`` of a scenario request, or None when the contract lacks it."""
    if request.operation:
        found = spec.operation_ids.get(request.operation)
        if found is None:
            return None
        return operation_key(*found), request.operation
    if request.method and request.path:
        path = _TEMPLATE.sub("{}", request.path.split("?", 1)[0])
        key = operation_key(request.method, path)
        for op_id, (method, template) in spec.operation_ids.items():
            if operation_key(method, template) == key:
                return key, op_id
        return key, None
    return None


def _request_uses(
    scenario: Scenario, request: RequestSpec, spec: Spec, expect: Expect | None
) -> Iterator[Use]:
    resolved = resolve_operation(request, spec)
    if resolved is None:
        key, op_id = f"? {request.label()}", request.operation
    else:
        key, op_id = resolved
    sid = scenario.id
    yield Use(sid, key, op_id, "operation", statuses=_statuses(expect))
    for name, value in {**request.query, **request.path_params}.items():
        yield Use(sid, key, op_id, "parameter", str(name), value=value)
    if request.has_json:
        yield Use(sid, key, op_id, "request", "", value=request.json)
        for path, value in _json_fields(request.json):
            yield Use(sid, key, op_id, "request", path, value=value)
    if expect is None:
        return
    statuses = _statuses(expect)
    for assertion in expect.body:
        read = body_path(assertion.path)
        if read is not None:
            yield Use(sid, key, op_id, "response", read, statuses, absent=assertion.operator == "absent")


def scenario_uses(scenario: Scenario, spec: Spec) -> list[Use]:
    """Everything one scenario relies on, resolved in the contract it was written for."""
    uses: list[Use] = []
    for step in scenario.steps:
        expect = step.expect or step.expect_each
        found = list(_request_uses(scenario, step.request, spec, expect))
        uses.extend(found)
        key, op_id = found[0].operation, found[0].operation_id
        for capture in step.captures:
            path = body_path(capture.path) if capture.source == "body" else None
            if path is not None:
                uses.append(Use(scenario.id, key, op_id, "response", path, _statuses(expect)))
        if step.cleanup is not None:
            uses.extend(_request_uses(scenario, step.cleanup, spec, None))
    return uses
