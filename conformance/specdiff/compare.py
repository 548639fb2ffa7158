"""Two loaded contracts → the list of ``Change``s: operations, parameters, bodies, security.

Operations are matched by method and path with parameter names blanked (``/partijen/{}``), so a
renamed path parameter is not a removed operation. Bodies are compared as flat field maps
(``flatten``, ``facts``), each fact by the effect it has on what the contract allows (``classify``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.specdiff.changes import Change, SpecDiff, SpecSide
from conformance.specdiff.classify import Effect, Side, set_effect
from conformance.specdiff.facts import field_changes
from conformance.specdiff.flatten import FieldFacts, Fields, Mode, flatten
from conformance.specdiff.load import Spec
from conformance.specdiff.refs import references_named

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANONYMOUS = "(anonymous)"
Located = tuple[Any, Any]  # a node of a document and the resolver its own $refs resolve in
_PATH_PARAM = re.compile(r"\{([^}/]*)\}")


def operation_key(method: str, path: str) -> str:
    """``GET /partijen/{}``: how operations are matched across versions."""
    template = _PATH_PARAM.sub("{}", path.rstrip("/") or "/")
    return f"{method.upper()} {template}"


def _json_media(content: Any) -> Any:
    """The schema of the JSON media type of a ``content`` map (or of the only one)."""
    if not isinstance(content, dict) or not content:
        return None
    for media, body in content.items():
        if "json" in str(media):
            return (body or {}).get("schema")
    return (next(iter(content.values())) or {}).get("schema")


@dataclass
class Operation:
    """One operation of a contract, its ``$ref``s resolved where it matters for comparing."""

    key: str
    method: str
    path: str
    operation_id: str | None
    parameters: dict[str, Located] = field(default_factory=dict)
    request: Located | None = None  # (schema or None, resolver)
    request_required: bool = False
    responses: dict[str, Located] = field(default_factory=dict)
    security: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _deref(node: Any, resolver: Any) -> Located:
    """Follow ``$ref``s; the resolver returned is the one the target's own references resolve in."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        resolved = resolver.lookup(node["$ref"])
        node, resolver = resolved.contents, resolved.resolver
    return node, resolver


def _security(requirements: Any) -> frozenset[str]:
    """Alternatives as ``a+b`` strings; an empty alternative (or none at all) is anonymous access."""
    if not requirements:
        return frozenset({ANONYMOUS})
    return frozenset("+".join(sorted(alt)) if alt else ANONYMOUS for alt in requirements)


def operations(spec: Spec) -> dict[str, Operation]:
    """Every operation of a contract by ``operation_key``."""
    resolver = spec.resolver()
    found: dict[str, Operation] = {}
    for path, item in (spec.document.get("paths") or {}).items():
        item, item_resolver = _deref(item, resolver)
        item = item or {}
        shared = [(p, item_resolver) for p in item.get("parameters") or []]
        for method in METHODS:
            raw = item.get(method)
            if not isinstance(raw, dict):
                continue
            op = Operation(
                operation_key(method, path),
                method,
                path,
                raw.get("operationId"),
                security=_security(raw.get("security", spec.document.get("security"))),
            )
            path_names = _PATH_PARAM.findall(path)
            for raw_param, param_resolver in [
                *shared,
                *((p, item_resolver) for p in raw.get("parameters") or []),
            ]:
                param, located_in = _deref(raw_param, param_resolver)
                name, where = str(param.get("name")), str(param.get("in"))
                slot = f"path:{path_names.index(name)}" if where == "path" and name in path_names else None
                op.parameters[slot or f"{where}:{name}"] = (param, located_in)
            body, body_resolver = _deref(raw.get("requestBody"), item_resolver)
            if isinstance(body, dict):
                op.request = (_json_media(body.get("content")), body_resolver)
                op.request_required = bool(body.get("required"))
            for status, raw_response in (raw.get("responses") or {}).items():
                response, response_resolver = _deref(raw_response, item_resolver)
                op.responses[str(status)] = (_json_media((response or {}).get("content")), response_resolver)
            found[op.key] = op
    return found


@dataclass(frozen=True)
class _Where:
    """The fixed part of the changes found in one body or parameter."""

    operation: str
    operation_id: str | None
    old_operation_id: str | None
    location: str
    side: Side

    def change(
        self,
        kind: str,
        field: str | None,
        effect: Effect,
        old: Any,
        new: Any,
        detail: str,
        component: str | None = None,
    ) -> Change:
        return Change(
            kind,
            self.operation,
            self.operation_id,
            self.old_operation_id,
            self.location,
            field,
            self.side,
            effect,
            old,
            new,
            detail,
            component,
        )


def compare_fields(old: Fields, new: Fields, where: _Where, *, prefix: str = "") -> Iterator[Change]:
    """Added, removed and changed fields of one body (``facts.field_changes``), located."""
    for kind, path, effect, before, after, detail, origin in field_changes(old, new, where.side):
        yield where.change(kind, prefix + path, effect, before, after, detail, origin)


def _body(located: Located, mode: Mode) -> Fields:
    schema, resolver = located
    return flatten(schema, resolver, mode) if schema is not None else {}


def compare_operation(old: Operation, new: Operation) -> Iterator[Change]:
    """Every difference of one operation present in both contracts."""
    ids = (new.operation_id, old.operation_id)

    def at(location: str, side: Side) -> _Where:
        return _Where(new.label, *ids, location, side)

    if old.operation_id != new.operation_id:
        yield at("operation", "request").change(
            "operation-id", None, "neutral", old.operation_id, new.operation_id, "operationId renamed"
        )
    yield from _compare_parameters(old, new, at)
    request = at("request", "request")
    if old.request is None and new.request is not None:
        effect: Effect = "incompatible" if new.request_required else "looser"
        yield request.change("request-body-added", "", effect, None, True, "request body added")
    elif old.request is not None and new.request is None:
        yield request.change("request-body-removed", "", "tighter", True, None, "request body removed")
    elif old.request is not None and new.request is not None:
        yield from compare_fields(_body(old.request, "request"), _body(new.request, "request"), request)
    for status in sorted(old.responses.keys() | new.responses.keys()):
        response = at(f"response {status}", "response")
        if status not in new.responses:
            yield response.change(
                "status-removed", None, "tighter", status, None, f"response {status} removed"
            )
        elif status not in old.responses:
            yield response.change("status-added", None, "looser", None, status, f"response {status} added")
        else:
            before = _body(old.responses[status], "response")
            after = _body(new.responses[status], "response")
            yield from compare_fields(before, after, response)
    if old.security != new.security:
        if ANONYMOUS in old.security and ANONYMOUS not in new.security:
            effect = "tighter"
        elif ANONYMOUS in new.security and ANONYMOUS not in old.security:
            effect = "looser"  # credentials that are no longer needed are still accepted
        else:
            effect = set_effect(old.security, new.security)
        yield at("security", "request").change(
            "security",
            None,
            effect,
            sorted(old.security),
            sorted(new.security),
            "security requirement changed",
        )


def _compare_parameters(old: Operation, new: Operation, at: Any) -> Iterator[Change]:
    for slot in sorted(old.parameters.keys() | new.parameters.keys()):
        where = at(f"parameter {slot.split(':', 1)[0]}", "request")
        before, after = old.parameters.get(slot), new.parameters.get(slot)
        if after is None and before is not None:
            name = str(before[0].get("name"))
            yield where.change(
                "parameter-removed", name, "tighter", _param(before[0]), None, "parameter removed"
            )
        elif before is None and after is not None:
            name = str(after[0].get("name"))
            effect: Effect = "incompatible" if after[0].get("required") else "looser"
            yield where.change("parameter-added", name, effect, None, _param(after[0]), "parameter added")
        elif before is not None and after is not None:
            name = str(after[0].get("name"))
            yield from compare_fields(_param_fields(*before), _param_fields(*after), where, prefix=name)


def _param(param: dict[str, Any]) -> dict[str, Any]:
    return {"in": param.get("in"), "required": bool(param.get("required"))}


def _param_fields(param: dict[str, Any], resolver: Any) -> Fields:
    schema = param.get("schema", _json_media(param.get("content")))
    fields = flatten(schema, resolver, "request") if schema is not None else {"": FieldFacts()}
    fields[""] = replace(fields.get("", FieldFacts()), required=bool(param.get("required")))
    return fields


def _scheme_changes(old: Spec, new: Spec) -> Iterator[Change]:
    before = (old.document.get("components") or {}).get("securitySchemes") or {}
    after = (new.document.get("components") or {}).get("securitySchemes") or {}
    where = _Where("", None, None, "security", "request")
    for name in sorted(before.keys() & after.keys()):
        keys = ("type", "in", "name", "scheme", "bearerFormat", "flows", "openIdConnectUrl")
        old_def = {k: before[name].get(k) for k in keys if before[name].get(k) is not None}
        new_def = {k: after[name].get(k) for k in keys if after[name].get(k) is not None}
        if old_def != new_def:
            yield where.change(
                "security-scheme", name, "incompatible", old_def, new_def, "security scheme changed"
            )


def diff_specs(old: Spec, new: Spec) -> SpecDiff:
    """Every change from ``old`` to ``new``, operations in path order.

    A reference that cannot be resolved is an ``UnresolvableReference`` (a ``ConfigError``).
    """
    with references_named(f"{old.source} or {new.source}"):
        return _diff_specs(old, new)


def _diff_specs(old: Spec, new: Spec) -> SpecDiff:
    old_ops, new_ops = operations(old), operations(new)
    changes: list[Change] = []
    for key in sorted(old_ops.keys() | new_ops.keys(), key=lambda k: (k.split(" ", 1)[1], k)):
        before, after = old_ops.get(key), new_ops.get(key)
        if after is None and before is not None:
            changes.append(
                _Where(before.label, None, before.operation_id, "operation", "request").change(
                    "operation-removed", None, "tighter", before.operation_id, None, "operation removed"
                )
            )
        elif before is None and after is not None:
            changes.append(
                _Where(after.label, after.operation_id, None, "operation", "request").change(
                    "operation-added", None, "looser", None, after.operation_id, "operation added"
                )
            )
        elif before is not None and after is not None:
            changes.extend(compare_operation(before, after))
    changes.extend(_scheme_changes(old, new))
    return SpecDiff(
        old=SpecSide(old.source, old.title, old.version),
        new=SpecSide(new.source, new.title, new.version),
        changes=tuple(changes),
    )
