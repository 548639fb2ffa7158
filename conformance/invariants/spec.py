"""The profile's ``invariants:`` data, with routes and searches derived from the contract.

The profile names the operations and the fields (which carry identifying data, which link
resources); the contract says which method and path each operation has and which collection
filters take an identifier value. Nothing here is specific to one API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import ConfigError
from conformance.profiles import Profile
from conformance.yamlsafe import safe_load

_METHODS = ("get", "post", "put", "patch", "delete", "head")


@dataclass(frozen=True)
class Route:
    """One operation of the contract: method and path template (``{uuid}`` for an item)."""

    operation: str
    method: str
    path: str

    @property
    def item(self) -> bool:
        return "{" in self.path

    def url(self, uuid: str | None = None) -> str:
        if not self.item:
            return self.path
        head = self.path.split("{", 1)[0]
        return f"{head}{uuid or ''}"


@dataclass(frozen=True)
class IdentifierKind:
    """An identifier kind: the person it identifies, how values are made, how a body carries it."""

    name: str
    natuurlijk: bool
    generator: str
    codes: dict[str, str] = field(default_factory=dict)  # identificatoren style: the code group
    subject_type: str | None = None  # subject style: the subjectType it belongs to
    scoped_under: str | None = None  # must be scoped under an identificator of this kind


@dataclass(frozen=True)
class Search:
    """A collection filter that takes an identifier value (``kind_param``: the sibling naming the kind)."""

    route: Route
    value_param: str
    kind_param: str | None
    identifier: str | None  # the kind this filter is for; None: any, named through kind_param


@dataclass(frozen=True)
class Resource:
    """A resource of the invariant layer: its routes by action and its raw profile data."""

    role: str
    routes: dict[str, Route]
    data: dict[str, Any]

    def route(self, action: str) -> Route | None:
        return self.routes.get(action)


@dataclass(frozen=True)
class InvariantSpec:
    """Everything the driver needs to know about one API, from profile data and contract."""

    style: str
    scope_field: str | None
    holder: Resource
    identificator: Resource | None
    zelfstandig: Resource | None
    context: Resource | None
    identifiers: dict[str, IdentifierKind]
    searches: tuple[Search, ...]
    reads: tuple[Route, ...]
    security_schemes: dict[str, Any]

    @property
    def holder_kinds(self) -> tuple[str, ...]:
        return tuple(self.holder.data.get("kinds", ()))

    def resources(self) -> list[Resource]:
        return [r for r in (self.holder, self.identificator, self.zelfstandig) if r is not None]

    def declared_routes(self) -> list[Route]:
        """Every route of a resource holding or pointing to identifying data, and every read."""
        routes = {(r.operation, r.method): r for res in self.resources() for r in res.routes.values()}
        for route in self.reads:
            routes.setdefault((route.operation, route.method), route)
        return list(routes.values())

    @classmethod
    def from_profile(cls, profile: Profile, spec_path: Path) -> InvariantSpec:
        data = profile.invariants
        if not data:
            raise ConfigError(f"profile {profile.name} declares no `invariants:` data")
        contract = safe_load(spec_path.read_bytes())
        by_id = _operations(contract)

        def resource(role: str, raw: dict[str, Any] | None) -> Resource | None:
            if raw is None:
                return None
            actions = ("create", "read", "update", "patch", "delete")
            routes = {a: by_id[raw[a]] for a in actions if raw.get(a) in by_id}
            missing = [raw[a] for a in actions if raw.get(a) and raw[a] not in by_id]
            if missing:
                raise ConfigError(
                    f"{profile.source}: invariants.{role} names operations {missing} the contract lacks"
                )
            return Resource(role, routes, raw)

        holder = resource("holder", data["holder"])
        assert holder is not None
        zelfstandig = resource("zelfstandig", data.get("zelfstandig"))
        context_raw = (data.get("zelfstandig") or {}).get("context")
        identifiers = {
            name: IdentifierKind(
                name=name,
                natuurlijk=raw["person"] == "natuurlijk",
                generator=raw["generator"],
                codes=dict(raw.get("codes") or {}),
                subject_type=raw.get("kind"),
                scoped_under=raw.get("scoped_under"),
            )
            for name, raw in data["identifiers"].items()
        }
        collections = tuple(data.get("read_collections", ()))
        reads = tuple(
            r for r in by_id.values() if r.method == "GET" and r.path.strip("/").split("/")[0] in collections
        )
        return cls(
            style=data["style"],
            scope_field=data.get("scope_field"),
            holder=holder,
            identificator=resource("identificator", data.get("identificator")),
            zelfstandig=zelfstandig,
            context=resource("context", context_raw),
            identifiers=identifiers,
            searches=_searches(contract, by_id, tuple(data.get("search_suffixes", ())), identifiers),
            reads=reads,
            security_schemes=dict((contract.get("components") or {}).get("securitySchemes") or {}),
        )


def _operations(contract: dict[str, Any]) -> dict[str, Route]:
    out: dict[str, Route] = {}
    for path, item in (contract.get("paths") or {}).items():
        for method in _METHODS:
            op = (item or {}).get(method)
            if isinstance(op, dict) and op.get("operationId"):
                out[op["operationId"]] = Route(op["operationId"], method.upper(), path)
    return out


def _searches(
    contract: dict[str, Any],
    by_id: dict[str, Route],
    suffixes: tuple[str, ...],
    kinds: dict[str, IdentifierKind],
) -> tuple[Search, ...]:
    """Every list filter whose name ends in an identifier suffix, with its kind sibling if any."""
    found: list[Search] = []
    for path, item in (contract.get("paths") or {}).items():
        op = (item or {}).get("get")
        if not isinstance(op, dict) or "{" in path or op.get("operationId") not in by_id:
            continue
        names = [
            p.get("name", "")
            for p in op.get("parameters", [])
            if isinstance(p, dict) and p.get("in") == "query"
        ]
        for name in names:
            suffix = next((s for s in suffixes if name.endswith(s)), None)
            if suffix is None or name.lower().endswith("codesoortobjectid"):  # that one names the kind
                continue
            prefix = name[: -len(suffix)]
            kind_param = next(
                (n for n in names if n.startswith(prefix) and n.lower().endswith("codesoortobjectid")), None
            )
            identifier = suffix if suffix in kinds else None
            found.append(Search(by_id[op["operationId"]], name, kind_param, identifier))
    return tuple(found)
