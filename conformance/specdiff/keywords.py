"""The value constraints of a schema beyond type, enum, format, pattern and length.

Numeric bounds (``minimum``/``maximum`` and both spellings of ``exclusiveMinimum``/
``exclusiveMaximum``: OpenAPI 3.0's boolean and 3.1's number), ``multipleOf``, ``minItems``/
``maxItems``, ``uniqueItems``, ``minProperties``/``maxProperties`` and ``additionalProperties``.
Each is read from one schema object, combined like the rest of a field's facts (``allOf``: both
hold; variants: either holds) and compared by the effect it has on what a value may be.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.specdiff.classify import Effect, appearance_effect, bound_effect, flag_effect

Bound = tuple[float, bool]  # (value, exclusive)
ANY, FORBIDDEN = None, "forbidden"


@dataclass(frozen=True)
class Constraints:
    """``additional_properties``: None (anything), ``"forbidden"`` or ``"schema <json>"``."""

    minimum: Bound | None = None
    maximum: Bound | None = None
    multiple_of: float | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    min_properties: int | None = None
    max_properties: int | None = None
    additional_properties: str | None = ANY

    def described(self) -> dict[str, Any]:
        """The constraints that are set, for a field added or removed."""
        out: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if value not in (None, False):
                out[name] = _show(value)
        return out


NO_CONSTRAINTS = Constraints()


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bound(schema: dict[str, Any], inclusive: str, exclusive: str, upper: bool) -> Bound | None:
    """One side of the numeric range; the tighter of ``minimum`` and a numeric ``exclusiveMinimum``."""
    value, flag = _number(schema.get(inclusive)), schema.get(exclusive)
    bounds: list[Bound] = []
    if value is not None:
        bounds.append((value, flag is True))  # OpenAPI 3.0: exclusiveMinimum: true
    number = _number(flag)
    if number is not None:
        bounds.append((number, True))  # OpenAPI 3.1 / JSON Schema 2020-12
    return _tightest(bounds, upper)


def _tightest(bounds: list[Bound], upper: bool) -> Bound | None:
    if not bounds:
        return None
    # exclusive is tighter at the same value: sort by value, then exclusiveness
    return min(bounds, key=lambda b: (b[0], not b[1])) if upper else max(bounds, key=lambda b: (b[0], b[1]))


def _loosest(bounds: list[Bound | None], upper: bool) -> Bound | None:
    if not bounds or any(b is None for b in bounds):
        return None
    present = [b for b in bounds if b is not None]
    return max(present, key=lambda b: (b[0], not b[1])) if upper else min(present, key=lambda b: (b[0], b[1]))


def _additional(value: Any) -> str | None:
    if value is False:
        return FORBIDDEN
    if isinstance(value, dict) and value:
        return "schema " + json.dumps(value, sort_keys=True, ensure_ascii=False)
    return ANY


def read(schema: dict[str, Any]) -> Constraints:
    """The constraints one schema object states itself (no ``$ref``, no composition)."""
    multiple = _number(schema.get("multipleOf"))
    return Constraints(
        minimum=_bound(schema, "minimum", "exclusiveMinimum", upper=False),
        maximum=_bound(schema, "maximum", "exclusiveMaximum", upper=True),
        multiple_of=multiple if multiple else None,
        min_items=_count(schema.get("minItems")),
        max_items=_count(schema.get("maxItems")),
        unique_items=schema.get("uniqueItems") is True,
        min_properties=_count(schema.get("minProperties")),
        max_properties=_count(schema.get("maxProperties")),
        additional_properties=_additional(schema.get("additionalProperties")),
    )


def _first(a: Any, b: Any) -> Any:
    return a if a is not None else b


def _low(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _high(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def merge(a: Constraints, b: Constraints) -> Constraints:
    """Both hold (``allOf``, a ``$ref`` with siblings): the tighter of each."""
    return Constraints(
        minimum=_tightest([x for x in (a.minimum, b.minimum) if x is not None], upper=False),
        maximum=_tightest([x for x in (a.maximum, b.maximum) if x is not None], upper=True),
        multiple_of=_first(a.multiple_of, b.multiple_of),
        min_items=_low([a.min_items, b.min_items]),
        max_items=_high([a.max_items, b.max_items]),
        unique_items=a.unique_items or b.unique_items,
        min_properties=_low([a.min_properties, b.min_properties]),
        max_properties=_high([a.max_properties, b.max_properties]),
        additional_properties=FORBIDDEN
        if FORBIDDEN in (a.additional_properties, b.additional_properties)
        else _first(a.additional_properties, b.additional_properties),
    )


def union(items: list[Constraints]) -> Constraints:
    """Either holds (a field seen in several variants): the looser of each."""

    def same(name: str) -> Any:
        values = {getattr(c, name) for c in items}
        return values.pop() if len(values) == 1 else None

    def widest(name: str, upper: bool) -> int | None:
        values: list[int | None] = [getattr(c, name) for c in items]
        present = [v for v in values if v is not None]
        if len(present) < len(values):
            return None
        return max(present) if upper else min(present)

    return Constraints(
        minimum=_loosest([c.minimum for c in items], upper=False),
        maximum=_loosest([c.maximum for c in items], upper=True),
        multiple_of=same("multiple_of"),
        min_items=widest("min_items", upper=False),
        max_items=widest("max_items", upper=True),
        unique_items=all(c.unique_items for c in items),
        min_properties=widest("min_properties", upper=False),
        max_properties=widest("max_properties", upper=True),
        additional_properties=same("additional_properties"),
    )


def _show(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple):
        return {"value": _show(value[0]), "exclusive": value[1]}
    return value


def _bound_move(old: Bound | None, new: Bound | None, *, upper: bool) -> Effect:
    """A numeric bound moving: a lower maximum, a higher minimum or a bound becoming exclusive is
    tighter."""
    effect = appearance_effect(old, new)
    if effect is not None or old is None or new is None:
        return effect or "neutral"
    if old[0] == new[0]:
        return flag_effect(old[1], new[1], tighter_when_set=True)
    return "tighter" if (new[0] < old[0]) == upper else "looser"


def pair_effect(first: Effect, second: Effect) -> Effect:
    """Two bounds of one range moving: one effect, or incompatible when they disagree."""
    effects = {first, second} - {"neutral"}
    return effects.pop() if len(effects) == 1 else "neutral" if not effects else "incompatible"


def _multiple_effect(old: float | None, new: float | None) -> Effect:
    effect = appearance_effect(old, new)
    if effect is not None or old is None or new is None:
        return effect or "neutral"
    if (new / old).is_integer():
        return "tighter"  # every multiple of 10 is a multiple of 5
    return "looser" if (old / new).is_integer() else "incompatible"


def _additional_effect(old: str | None, new: str | None) -> Effect:
    rank = {ANY: 2, FORBIDDEN: 0}
    before, after = rank.get(old, 1), rank.get(new, 1)
    if before == after:
        return "neutral" if old == new else "incompatible"  # two different schemas
    return "tighter" if after < before else "looser"


def changes(old: Constraints, new: Constraints) -> Iterator[tuple[str, Effect, Any, Any]]:
    """``(kind, effect, old, new)`` for every constraint that differs."""
    if (old.minimum, old.maximum) != (new.minimum, new.maximum):
        effect = pair_effect(
            _bound_move(old.minimum, new.minimum, upper=False),
            _bound_move(old.maximum, new.maximum, upper=True),
        )
        before, after = [_show(old.minimum), _show(old.maximum)], [_show(new.minimum), _show(new.maximum)]
        yield "range", effect, before, after
    if old.multiple_of != new.multiple_of:
        before, after = _show(old.multiple_of), _show(new.multiple_of)
        yield "multiple-of", _multiple_effect(old.multiple_of, new.multiple_of), before, after
    for kind, low, high in (
        ("item-count", "min_items", "max_items"),
        ("property-count", "min_properties", "max_properties"),
    ):
        before = [getattr(old, low), getattr(old, high)]
        after = [getattr(new, low), getattr(new, high)]
        if before != after:
            effect = pair_effect(
                bound_effect(before[0], after[0], upper=False), bound_effect(before[1], after[1], upper=True)
            )
            yield kind, effect, before, after
    if old.unique_items != new.unique_items:
        effect = flag_effect(old.unique_items, new.unique_items, tighter_when_set=True)
        yield "unique-items", effect, old.unique_items, new.unique_items
    if old.additional_properties != new.additional_properties:
        effect = _additional_effect(old.additional_properties, new.additional_properties)
        yield "additional-properties", effect, old.additional_properties, new.additional_properties
