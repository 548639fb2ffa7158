"""Two flat field maps of one body (``flatten``) → the differences, each with its effect.

Every fact a field map holds is compared: presence, type (including a type that is dropped,
which allows any value), enum and const, required, nullable, format, pattern, the length, the
numeric range, ``multipleOf``, item and property counts, ``uniqueItems``,
``additionalProperties``, the array ``items`` schema, ``readOnly``/``writeOnly`` and the variants
carrying the field. Only the top of an added or removed subtree is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from conformance.specdiff import keywords
from conformance.specdiff.classify import (
    Effect,
    Side,
    appearance_effect,
    bound_effect,
    constraint_effect,
    flag_effect,
    set_effect,
)
from conformance.specdiff.flatten import FieldFacts, Fields
from conformance.specdiff.keywords import pair_effect

# (kind, field path, effect, old, new, detail, the component declaring the field)
FieldChange = tuple[str, str, Effect, Any, Any, str, str | None]


def parent(path: str) -> str | None:
    if not path:
        return None
    if path.endswith("[]"):
        return path[:-2]
    head, dot, _ = path.rpartition(".")
    return head if dot else ""


def _types(facts: FieldFacts) -> frozenset[str]:
    kinds = set(facts.types)
    if "number" in kinds:
        kinds.add("integer")  # every integer is a number: integer → number only loosens
    return frozenset(kinds)


def _flip(effect: Effect) -> Effect:
    return {"tighter": "looser", "looser": "tighter"}.get(effect, effect)  # type: ignore[return-value]


def _variant_effect(old: tuple[str, ...] | None, new: tuple[str, ...] | None, side: Side) -> Effect:
    """A field carried by more variants accepts more (request) and must be sent more (response).

    ``None`` is "every variant": a field narrowed to some variants is a constraint appearing.
    """
    effect = appearance_effect(old, new) or set_effect(frozenset(old or ()), frozenset(new or ()))
    return effect if side == "request" else _flip(effect)


def _list(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


def _type_effect(old: FieldFacts, new: FieldFacts) -> Effect:
    """No ``type`` at all allows any value: dropping it loosens, adding it tightens."""
    if not new.types:
        return "looser"
    if not old.types:
        return "tighter"
    return set_effect(_types(old), _types(new))


def fact_changes(old: FieldFacts, new: FieldFacts, side: Side) -> Iterator[tuple[str, Effect, Any, Any]]:
    """``(kind, effect, old, new)`` for every fact of one field that differs."""
    if old.types != new.types:
        yield "type", _type_effect(old, new), list(old.types), list(new.types)
    if old.enum != new.enum:  # no enum at all allows any value
        effect = appearance_effect(old.enum, new.enum) or set_effect(
            frozenset(old.enum or ()), frozenset(new.enum or ())
        )
        yield "enum", effect, _list(old.enum), _list(new.enum)
    if old.required != new.required:
        effect = flag_effect(old.required, new.required, tighter_when_set=True)
        yield "required", effect, old.required, new.required
    if old.nullable != new.nullable:
        effect = flag_effect(old.nullable, new.nullable, tighter_when_set=False)
        yield "nullable", effect, old.nullable, new.nullable
    for kind, before, after in (("format", old.format, new.format), ("pattern", old.pattern, new.pattern)):
        if before != after:
            yield kind, constraint_effect(before, after), before, after
    if (old.min_length, old.max_length) != (new.min_length, new.max_length):
        effect = pair_effect(
            bound_effect(old.min_length, new.min_length, upper=False),
            bound_effect(old.max_length, new.max_length, upper=True),
        )
        yield "length", effect, [old.min_length, old.max_length], [new.min_length, new.max_length]
    yield from keywords.changes(old.constraints, new.constraints)
    if old.variants != new.variants:
        effect = _variant_effect(old.variants, new.variants, side)
        yield "variants", effect, _list(old.variants), _list(new.variants)


def describe(facts: FieldFacts) -> dict[str, Any]:
    """A field's facts as the ``old``/``new`` of a field added or removed."""
    out: dict[str, Any] = {"type": list(facts.types), "required": facts.required}
    for name in ("nullable", "format", "pattern", "min_length", "max_length"):
        if getattr(facts, name):
            out[name] = getattr(facts, name)
    if facts.enum is not None:
        out["enum"] = list(facts.enum)
    if facts.variants is not None:
        out["variants"] = list(facts.variants)
    out.update(facts.constraints.described())
    return out


def _is_top(path: str, other: Fields) -> bool:
    """A path missing on the other side is reported unless its parent is missing there too (or
    is a read-only/write-only field there, whose insides are not part of the body)."""
    above = parent(path)
    return above is None or (above in other and other[above].hidden is None)


def _presence(facts: FieldFacts, side: Side, *, added: bool) -> tuple[Effect, str]:
    """The effect of a field appearing (``added``) or disappearing, and how to say it."""
    if added:
        if side == "request":
            effect: Effect = "incompatible" if facts.required else "looser"
        else:
            effect = "tighter" if facts.required else "neutral"
        return effect, f"{'required' if facts.required else 'optional'} field added"
    return ("tighter" if side == "request" else "looser"), "field removed"


def _flag_change(path: str, old: FieldFacts, new: FieldFacts, side: Side) -> FieldChange:
    """A field that became (or stopped being) read-only in a request, write-only in a response."""
    kind, origin = str(old.hidden or new.hidden), new.origin or old.origin
    if new.hidden:  # gone from this body: like a removal
        effect: Effect = "tighter" if side == "request" else "looser"
        return kind, path, effect, False, True, f"now {kind}", origin
    effect, _ = _presence(new, side, added=True)
    return kind, path, effect, True, False, f"no longer {kind}", origin


def _normalised(path: str) -> str:
    """``digitale_adressen`` and ``digitaleAdressen`` both read ``digitaleadressen``."""
    return path.rsplit(".", 1)[-1].replace("_", "").replace("-", "").lower()


def _subtree(fields: Fields, top: str, to: str) -> Fields:
    """The facts at ``top`` and below, moved to ``to`` (and without where they are declared)."""
    return {
        to + path[len(top) :]: replace(facts, origin=None)
        for path, facts in fields.items()
        if path == top or path.startswith((top + ".", top + "["))
    }


def renames(old: Fields, new: Fields) -> dict[str, str]:
    """Removed field → added field, where a rename is clear: in the same object, the names differ
    only in case, ``_`` or ``-`` (and no other pair there does too); or they are the only field
    removed and the only one added there, with the same schema."""
    removed: dict[str | None, list[str]] = {}
    added: dict[str | None, list[str]] = {}
    for fields, other, into in ((old, new, removed), (new, old, added)):
        for path, facts in fields.items():
            top = path and path not in other and _is_top(path, other) and facts.hidden is None
            if top and not path.endswith("[]"):
                into.setdefault(parent(path), []).append(path)
    found: dict[str, str] = {}
    for above, gone in removed.items():
        came = added.get(above, [])
        for path in gone:
            same = [a for a in came if _normalised(a) == _normalised(path)]
            if len(same) == 1 and [g for g in gone if _normalised(g) == _normalised(path)] == [path]:
                found[path] = same[0]
        alone = len(gone) == len(came) == 1 and gone[0] not in found
        if alone and _subtree(old, gone[0], came[0]) == _subtree(new, came[0], came[0]):
            found[gone[0]] = came[0]
    return found


def _renamed(old: Fields, new: Fields, was: str, now: str, side: Side) -> Iterator[FieldChange]:
    """One change for the rename (a removal and an addition at once), then how the field itself
    changed, compared under its new name."""
    removal, _ = _presence(old[was], side, added=False)
    addition, _ = _presence(new[now], side, added=True)
    same_name = _normalised(was) == _normalised(now)
    why = (
        "the names differ only in case or separators"
        if same_name
        else "the only field removed and added here, same schema"
    )
    origin = new[now].origin or old[was].origin
    yield (
        "field-renamed",
        was,
        pair_effect(removal, addition),
        was,
        now,
        f"renamed to `{now}` ({why})",
        origin,
    )
    yield from field_changes(_subtree(old, was, now), _subtree(new, now, now), side)


def field_changes(old: Fields, new: Fields, side: Side) -> Iterator[FieldChange]:
    """Added, removed and changed fields of one body, in document order (the same report every run)."""
    moved = renames(old, new)
    for path, facts in old.items():
        if path in moved:
            yield from _renamed(old, new, path, moved[path], side)
        elif path not in new and _is_top(path, new) and facts.hidden is None:
            if path.endswith("[]"):  # the array stays, its items schema went: any item goes
                yield "items", path, "looser", describe(facts), None, "items schema removed", facts.origin
            else:
                effect, detail = _presence(facts, side, added=False)
                yield "field-removed", path, effect, describe(facts), None, detail, facts.origin
    renamed = set(moved.values())
    for path, facts in new.items():
        if path not in old and _is_top(path, old) and facts.hidden is None and path not in renamed:
            if path.endswith("[]"):
                yield "items", path, "tighter", None, describe(facts), "items schema added", facts.origin
            else:
                effect, detail = _presence(facts, side, added=True)
                yield "field-added", path, effect, None, describe(facts), detail, facts.origin
    for path in [p for p in old if p in new]:
        before, after = old[path], new[path]
        if before.hidden != after.hidden:
            yield _flag_change(path, before, after, side)
        elif before.hidden is None:
            origin = after.origin or before.origin
            for kind, effect, was, now in fact_changes(before, after, side):
                yield kind, path, effect, was, now, f"{kind}: {was} → {now}", origin
