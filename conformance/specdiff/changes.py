"""The result data of a spec diff: one ``Change`` per difference, and the ``SpecDiff`` holding them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.specdiff.classify import Effect, Side, breaks

KINDS = (
    "operation-added",
    "operation-removed",
    "operation-id",
    "request-body-added",
    "request-body-removed",
    "status-added",
    "status-removed",
    "field-added",
    "field-removed",
    "field-renamed",
    "type",
    "enum",
    "required",
    "nullable",
    "format",
    "pattern",
    "length",
    "range",
    "multiple-of",
    "item-count",
    "property-count",
    "unique-items",
    "additional-properties",
    "items",
    "read-only",
    "write-only",
    "variants",
    "parameter-added",
    "parameter-removed",
    "security",
    "security-scheme",
)


@dataclass(frozen=True)
class Change:
    """One difference between two contracts, located and classified.

    ``operation`` is ``METHOD /path`` as the new contract writes it (the old one for a removal);
    ``location`` is ``request``, ``response 200``, ``parameter query``, ``security`` or ``operation``;
    ``field`` is a body path (``a.b[].c``, ``""`` for the body itself) or a parameter name.
    """

    kind: str
    operation: str
    operation_id: str | None
    old_operation_id: str | None
    location: str
    field: str | None
    side: Side
    effect: Effect
    old: Any = None
    new: Any = None
    detail: str = ""
    component: str | None = None  # ``Schema.field`` the change comes from, when a component declares it

    @property
    def breaking_for_clients(self) -> bool:
        return breaks(self.side, self.effect)[0]

    @property
    def breaking_for_servers(self) -> bool:
        return breaks(self.side, self.effect)[1]

    @property
    def breaking(self) -> bool:
        return self.breaking_for_clients or self.breaking_for_servers

    def where(self) -> str:
        """``GET /partijen response 200 results[].uuid`` — for people."""
        text = f"{self.operation} {self.location}".strip()
        if self.field:
            text += f" `{self.field}`"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "operation": self.operation,
            "operation_id": self.operation_id,
            "old_operation_id": self.old_operation_id,
            "location": self.location,
            "field": self.field,
            "side": self.side,
            "effect": self.effect,
            "old": self.old,
            "new": self.new,
            "breaking": {"clients": self.breaking_for_clients, "servers": self.breaking_for_servers},
            "detail": self.detail,
            "component": self.component,
        }


@dataclass(frozen=True)
class SpecSide:
    """Which document one side of the diff is."""

    source: str
    title: str
    version: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "title": self.title, "version": self.version}


@dataclass(frozen=True)
class SpecDiff:
    old: SpecSide
    new: SpecSide
    changes: tuple[Change, ...] = field(default_factory=tuple)

    def of_kind(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]

    def summary(self) -> dict[str, int]:
        operations_changed = {
            c.operation for c in self.changes if c.kind not in ("operation-added", "operation-removed")
        }
        return {
            "changes": len(self.changes),
            "breaking_for_clients": sum(c.breaking_for_clients for c in self.changes),
            "breaking_for_servers": sum(c.breaking_for_servers for c in self.changes),
            "operations_added": len(self.of_kind("operation-added")),
            "operations_removed": len(self.of_kind("operation-removed")),
            "operations_changed": len(operations_changed - {""}),
        }
