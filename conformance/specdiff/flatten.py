"""Schemas → a flat map of field paths and their facts, one entry per field a body can carry.

``partijIdentificatoren[].partijIdentificator.objectId`` names a field the way scenarios write
body paths. Composition is resolved, not compared structurally: ``allOf`` members are merged into
one view, and every ``oneOf``/``anyOf`` member (a discriminator's variant) is a view of its own. A
field's facts merge over the views that have it, and a field only some variants carry names
those variants. So a schema that becomes a composition is compared by the fields its variants
actually have. ``$ref`` goes through the ``referencing`` resolver of the loaded document.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from conformance.specdiff import keywords
from conformance.specdiff.keywords import NO_CONSTRAINTS, Constraints

Mode = Literal["request", "response"]
MAX_DEPTH = 12
MAX_VIEWS = 64


@dataclass(frozen=True)
class FieldFacts:
    """What a body may hold at one path (merged over the variants that have the path)."""

    types: tuple[str, ...] = ()
    nullable: bool = False
    required: bool = False
    enum: tuple[str, ...] | None = None
    format: str | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    variants: tuple[str, ...] | None = None  # set only when some variants lack the field
    constraints: Constraints = NO_CONSTRAINTS
    hidden: str | None = None  # "read-only" in a request, "write-only" in a response: not part of it
    origin: str | None = None  # ``Component.path``: where the field is declared, e.g. ``Partij.url``


Fields = dict[str, FieldFacts]


@dataclass
class _View:
    """One variant of a schema with its ``allOf`` members merged."""

    label: str | None = None
    types: set[str] | None = None
    nullable: bool = False
    enum: set[str] | None = None
    format: str | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    read_only: bool = False
    write_only: bool = False
    properties: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    items: list[tuple[Any, Any]] = field(default_factory=list)
    refs: frozenset[int] = frozenset()
    constraints: Constraints = NO_CONSTRAINTS
    origins: dict[str, str] = field(default_factory=dict)  # property → the component declaring it


def _enum_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _own(schema: dict[str, Any], resolver: Any) -> _View:
    view = _View()
    kind = schema.get("type")
    if kind is not None:
        kinds = {str(k) for k in kind} if isinstance(kind, list) else {str(kind)}
        view.nullable = "null" in kinds
        view.types = kinds - {"null"}
    view.nullable = view.nullable or bool(schema.get("nullable"))
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if isinstance(values, list):
        view.nullable = view.nullable or None in values
        view.enum = {_enum_value(v) for v in values if v is not None}
    view.format = schema.get("format")
    view.pattern = schema.get("pattern")
    view.min_length = schema.get("minLength")
    view.max_length = schema.get("maxLength")
    view.read_only = bool(schema.get("readOnly"))
    view.write_only = bool(schema.get("writeOnly"))
    view.constraints = keywords.read(schema)
    for name, sub in (schema.get("properties") or {}).items():
        view.properties[str(name)] = [(sub, resolver)]
    view.required = {str(r) for r in schema.get("required") or []}
    if isinstance(schema.get("items"), dict):
        view.items = [(schema["items"], resolver)]
    if view.types is None and (view.properties or "additionalProperties" in schema):
        view.types = {"object"}
    return view


def _pick(a: Any, b: Any) -> Any:
    return a if a is not None else b


def _merge(a: _View, b: _View) -> _View:
    """Both hold (``allOf``): constraints combine, properties add up."""
    types = a.types if b.types is None else b.types if a.types is None else (a.types & b.types or a.types)
    enum = a.enum if b.enum is None else b.enum if a.enum is None else a.enum & b.enum
    properties = {k: list(v) for k, v in a.properties.items()}
    for name, subs in b.properties.items():
        properties.setdefault(name, []).extend(subs)
    mins = [m for m in (a.min_length, b.min_length) if m is not None]
    maxes = [m for m in (a.max_length, b.max_length) if m is not None]
    return _View(
        label=_pick(a.label, b.label),
        types=types,
        nullable=a.nullable or b.nullable,  # drf-spectacular writes `allOf: [$ref], nullable: true`
        enum=enum,
        format=_pick(a.format, b.format),
        pattern=_pick(a.pattern, b.pattern),
        min_length=max(mins) if mins else None,
        max_length=min(maxes) if maxes else None,
        read_only=a.read_only or b.read_only,
        write_only=a.write_only or b.write_only,
        properties=properties,
        required=a.required | b.required,
        items=a.items + b.items,
        refs=a.refs | b.refs,
        constraints=keywords.merge(a.constraints, b.constraints),
        origins={**b.origins, **a.origins},
    )


def _variant_label(member: Any, index: int, mapping: dict[str, str]) -> str:
    ref = member.get("$ref") if isinstance(member, dict) else None
    if isinstance(ref, str):
        for value, target in mapping.items():
            if target == ref or target == ref.rsplit("/", 1)[-1]:
                return value
        return ref.rsplit("/", 1)[-1]
    title = member.get("title") if isinstance(member, dict) else None
    return str(title) if title else f"variant {index + 1}"


def expand(schema: Any, resolver: Any, stack: frozenset[int] = frozenset()) -> list[_View]:
    """The views (variants) of a schema, ``$ref`` resolved and ``allOf`` merged."""
    if not isinstance(schema, dict):
        return [_View()]
    ref = schema.get("$ref")
    if isinstance(ref, str):
        resolved = resolver.lookup(ref)
        target = resolved.contents
        if id(target) in stack:  # a recursive schema: stop here, it was described further up
            return [_View(types={"object"})]
        inner = stack | {id(target)}
        component = ref.rsplit("/", 1)[-1]
        views = [
            replace(
                v, refs=v.refs | {id(target)}, origins={**dict.fromkeys(v.properties, component), **v.origins}
            )
            for v in expand(target, resolved.resolver, inner)
        ]
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        if siblings:
            own = _own(siblings, resolver)
            views = [_merge(v, own) for v in views]
        return views
    parts: list[list[_View]] = [[_own(schema, resolver)]]
    for member in schema.get("allOf") or []:
        parts.append(expand(member, resolver, stack))
    for key in ("oneOf", "anyOf"):
        members = schema.get(key) or []
        if members:
            mapping = (schema.get("discriminator") or {}).get("mapping") or {}
            variants: list[_View] = []
            for index, member in enumerate(members):
                label = _variant_label(member, index, mapping)
                variants.extend(replace(v, label=v.label or label) for v in expand(member, resolver, stack))
            parts.append(variants)
    merged_views: list[_View] = []
    for combination in itertools.islice(itertools.product(*parts), MAX_VIEWS):
        merged = combination[0]
        for view in combination[1:]:
            merged = _merge(merged, view)
        merged_views.append(merged)
    return merged_views


def _facts(view: _View, required: bool, origin: str | None) -> FieldFacts:
    return FieldFacts(
        origin=origin,
        types=tuple(sorted(view.types or ())),
        nullable=view.nullable,
        required=required,
        enum=tuple(sorted(view.enum)) if view.enum is not None else None,
        format=view.format,
        pattern=view.pattern,
        min_length=view.min_length,
        max_length=view.max_length,
        constraints=view.constraints,
    )


def _combine(facts: list[FieldFacts]) -> FieldFacts:
    """One field seen in several variants: the union of what it may hold."""
    first = facts[0]
    if all(f == first for f in facts):
        return first
    enums = [f.enum for f in facts]
    return FieldFacts(
        types=tuple(sorted({t for f in facts for t in f.types})),
        nullable=any(f.nullable for f in facts),
        required=all(f.required for f in facts),
        enum=None if any(e is None for e in enums) else tuple(sorted({v for e in enums if e for v in e})),
        format=first.format if all(f.format == first.format for f in facts) else None,
        pattern=first.pattern if all(f.pattern == first.pattern for f in facts) else None,
        min_length=min((f.min_length or 0) for f in facts) or None,
        max_length=None
        if any(f.max_length is None for f in facts)
        else max(f.max_length or 0 for f in facts),
        variants=first.variants,
        constraints=keywords.union([f.constraints for f in facts]),
        hidden=first.hidden if all(f.hidden == first.hidden for f in facts) else None,
        origin=first.origin if all(f.origin == first.origin for f in facts) else None,
    )


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _hidden(views: list[_View], mode: Mode) -> str | None:
    """Why a property is no part of this body: ``readOnly`` in a request, ``writeOnly`` in a response."""
    if mode == "request" and any(v.read_only for v in views):
        return "read-only"
    if mode == "response" and any(v.write_only for v in views):
        return "write-only"
    return None


def _walk_view(view: _View, path: str, required: bool, mode: Mode, depth: int, origin: str | None) -> Fields:
    out: Fields = {path: _facts(view, required, origin)}
    if depth >= MAX_DEPTH:
        return out
    for name, subs in view.properties.items():
        declared = view.origins.get(name) or origin
        child_origin = _child(declared, name) if declared else None
        schema: dict[str, Any] = {"allOf": [s for s, _ in subs]} if len(subs) > 1 else subs[0][0]
        resolver = subs[0][1]
        sub_views = expand(schema, resolver, view.refs)
        hidden = _hidden(sub_views, mode)
        if hidden:  # recorded without what is below it: compare reports the flag, not a removal
            facts = FieldFacts(required=name in view.required, hidden=hidden, origin=child_origin)
            out[_child(path, name)] = facts
            continue
        out.update(
            _walk_views(sub_views, _child(path, name), name in view.required, mode, depth + 1, child_origin)
        )
    if view.items:
        schema, resolver = view.items[0]
        views = expand(schema, resolver, view.refs)
        out.update(_walk_views(views, f"{path}[]", True, mode, depth + 1, f"{origin}[]" if origin else None))
    return out


def _walk_views(
    views: list[_View], path: str, required: bool, mode: Mode, depth: int, origin: str | None = None
) -> Fields:
    if len(views) == 1:
        return _walk_view(views[0], path, required, mode, depth, origin)
    per_view = [(v.label, _walk_view(v, path, required, mode, depth, origin)) for v in views]
    labels = {label for label, _ in per_view}
    out: Fields = {}
    for key in dict.fromkeys(k for _, fields in per_view for k in fields):
        having = [(label, fields[key]) for label, fields in per_view if key in fields]
        facts = _combine([f for _, f in having])
        present = {label for label, _ in having}
        if present != labels and None not in present:
            facts = replace(facts, variants=tuple(sorted(str(p) for p in present)))
        elif key != path and len(present) < len(per_view):
            facts = replace(facts, required=False)
        out[key] = facts
    return out


def flatten(schema: Any, resolver: Any, mode: Mode) -> Fields:
    """Every field path of a body schema (``""`` is the body itself) with its facts."""
    return _walk_views(expand(schema, resolver), "", True, mode, 0)
