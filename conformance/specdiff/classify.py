"""Who a change breaks: clients written for the old contract, servers implementing it, or both.

Every change is first described by its *effect* on what the contract allows on one side of the
exchange, then classified by one rule. A request side that becomes **tighter** (fewer requests
valid: a field removed, a value now required) breaks existing clients; one that becomes **looser**
(new fields, new enum values, an operation added) breaks existing servers, which cannot handle
what new clients send. On the response side it is the mirror: a tighter response breaks servers
that still answer the old way, a looser one breaks clients that do not expect the new answers.
"""

from __future__ import annotations

from typing import Literal

Side = Literal["request", "response"]
Effect = Literal["tighter", "looser", "incompatible", "neutral"]

EFFECTS: tuple[Effect, ...] = ("tighter", "looser", "incompatible", "neutral")


def breaks(side: Side, effect: Effect) -> tuple[bool, bool]:
    """``(breaks clients, breaks servers)`` of a change with this effect on this side."""
    if effect == "incompatible":
        return True, True
    if effect == "neutral":
        return False, False
    tighter = effect == "tighter"
    if side == "request":
        return tighter, not tighter
    return not tighter, tighter


def set_effect(old: frozenset[str], new: frozenset[str]) -> Effect:
    """The effect of a set of allowed values changing (enum values, types, variants)."""
    if old == new:
        return "neutral"
    if old < new:
        return "looser"
    if new < old:
        return "tighter"
    return "incompatible"


def appearance_effect(old: object, new: object) -> Effect | None:
    """A constraint appearing is tighter, one disappearing looser; None when it is set on both sides."""
    if old == new:
        return "neutral"
    if old is None:
        return "tighter"
    if new is None:
        return "looser"
    return None


def bound_effect(old: int | None, new: int | None, *, upper: bool) -> Effect:
    """A minimum or maximum length moving: a lower maximum or a higher minimum is tighter."""
    effect = appearance_effect(old, new)
    if effect is not None or old is None or new is None:
        return effect or "neutral"
    return "tighter" if (new < old) == upper else "looser"


def flag_effect(old: bool, new: bool, *, tighter_when_set: bool) -> Effect:
    """A boolean fact flipping (``required`` set is tighter, ``nullable`` set is looser)."""
    if old == new:
        return "neutral"
    return "tighter" if new == tighter_when_set else "looser"


def constraint_effect(old: str | None, new: str | None) -> Effect:
    """A ``format`` or ``pattern`` appearing (tighter), disappearing (looser) or changing."""
    return appearance_effect(old, new) or "incompatible"
