"""Changes repeated across operations, grouped by the component they come from.

A change to a schema component shows in every operation and body that uses it: Open Klant 0.0.4
→ 0.2.1 gives ``url`` a length of 1..1000 in 28 ``…ForeignKey`` and resource components, which is
297 of its 1011 changes. The diff keeps one change per place (what the impact analysis and a CI
gate need); a ``Group`` is one component field's change with the places it affects, so a report
can say it once. ``families`` goes one step further for people: the same change to a field of the
same name in several components (the ``url`` of every ``…ForeignKey``) is one line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conformance.specdiff.changes import Change

MIN_PLACES = 2


@dataclass(frozen=True)
class Group:
    """One change of one component field, at every place (operation, body) it shows."""

    component: str
    kind: str
    old: Any
    new: Any
    detail: str
    changes: tuple[int, ...]  # indexes into ``SpecDiff.changes``

    @property
    def field(self) -> str:
        """The field's own name (``url`` of ``PartijForeignKey.url``)."""
        return self.component.split(".", 1)[1] if "." in self.component else self.component

    def breaking(self, changes: Sequence[Change]) -> dict[str, bool]:
        mine = [changes[i] for i in self.changes]
        return {
            "clients": any(c.breaking_for_clients for c in mine),
            "servers": any(c.breaking_for_servers for c in mine),
        }

    def operations(self, changes: Sequence[Change]) -> list[str]:
        return sorted({changes[i].operation for i in self.changes})

    def to_dict(self, changes: Sequence[Change]) -> dict[str, Any]:
        return {
            "component": self.component,
            "kind": self.kind,
            "old": self.old,
            "new": self.new,
            "detail": self.detail,
            "changes": list(self.changes),
            "operations": self.operations(changes),
            "breaking": self.breaking(changes),
        }


def _key(change: Change) -> tuple[str, str, str, str] | None:
    if change.component is None:
        return None
    old = json.dumps(change.old, sort_keys=True, ensure_ascii=False)
    new = json.dumps(change.new, sort_keys=True, ensure_ascii=False)
    return change.component, change.kind, old, new


def group_changes(changes: Sequence[Change]) -> list[Group]:
    """The changes that repeat one component field's change in several places (or the same change
    of a field of the same name in other components), in first-seen order."""
    found: dict[tuple[str, str, str, str], list[int]] = {}
    for index, change in enumerate(changes):
        key = _key(change)
        if key is not None:
            found.setdefault(key, []).append(index)
    every = []
    for (component, kind, _, _), indexes in found.items():
        first = changes[indexes[0]]
        every.append(Group(component, kind, first.old, first.new, first.detail, tuple(indexes)))
    # a component used once still joins the same change of a field of the same name elsewhere
    repeated = {
        id(g)
        for family in families(every)
        if sum(len(g.changes) for g in family) >= MIN_PLACES
        for g in family
    }
    return [g for g in every if id(g) in repeated]


def families(groups: Sequence[Group]) -> list[list[Group]]:
    """Groups that are the same change to a field of the same name in different components."""
    found: dict[tuple[str, str, str, str], list[Group]] = {}
    for group in groups:
        old = json.dumps(group.old, sort_keys=True, ensure_ascii=False)
        new = json.dumps(group.new, sort_keys=True, ensure_ascii=False)
        found.setdefault((group.field, group.kind, old, new), []).append(group)
    return list(found.values())
