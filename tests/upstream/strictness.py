"""Walk our contract next to a published one and list every constraint upstream does not have.

For each operation of *our* document the walk visits its parameters, request bodies and documented
responses (headers and bodies), resolving ``$ref`` with ``referencing`` (the resolver jsonschema
uses), and compares the constraints that decide a verdict: ``type, enum, pattern, format,
maxLength, minLength, nullable, required`` and ``additionalProperties: false``. A constraint of ours
that upstream lacks, or has with another value, is a problem named by the JSON pointer of the
place in *our* document; ``nullable`` only counts where ours refuses a null upstream allows.
``oneOf``/``anyOf`` upstream count as the union of their branches (a field
is required only when every branch requires it), so a polymorphic upstream schema never makes a
flat one of ours look stricter than it is.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from referencing import Registry, Resource
from referencing._core import Resolver
from referencing.jsonschema import DRAFT4

METHODS = ("get", "post", "put", "patch", "delete")
KEYWORDS = (
    "type",
    "enum",
    "pattern",
    "format",
    "maxLength",
    "minLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)
_URI = "urn:contract"
MAX_DEPTH = 12


def _resolver(document: dict[str, Any]) -> Resolver[Any]:
    resource: Resource[Any] = Resource(contents=document, specification=DRAFT4)
    return Registry().with_resource(_URI, resource).resolver(base_uri=_URI)


def _deref(node: Any, resolver: Resolver[Any]) -> tuple[Any, Resolver[Any]]:
    while isinstance(node, dict) and "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        node, resolver = resolved.contents, resolved.resolver
    return node, resolver


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class Flat:
    """One schema node with its ``allOf`` merged and its ``oneOf``/``anyOf`` united."""

    constraints: dict[str, Any] = field(default_factory=dict)
    nullable: bool = False
    required: set[str] = field(default_factory=set)
    properties: dict[str, tuple[Any, Resolver[Any]]] = field(default_factory=dict)
    items: tuple[Any, Resolver[Any]] | None = None
    closed: bool = False  # additionalProperties: false


def flatten(node: Any, resolver: Resolver[Any]) -> Flat:
    node, resolver = _deref(node, resolver)
    flat = Flat()
    if not isinstance(node, dict):
        return flat
    for key in KEYWORDS:
        if key in node:
            flat.constraints[key] = node[key]
    flat.nullable = bool(node.get("nullable"))
    flat.required = set(node.get("required", []))
    flat.properties = {name: (sub, resolver) for name, sub in node.get("properties", {}).items()}
    if "items" in node:
        flat.items = (node["items"], resolver)
    flat.closed = node.get("additionalProperties") is False
    for part in node.get("allOf", []):
        _merge(flat, flatten(part, resolver))
    branches = [flatten(part, resolver) for key in ("oneOf", "anyOf") for part in node.get(key, [])]
    if branches:
        _merge(flat, _union(branches))
    return flat


def _merge(flat: Flat, part: Flat) -> None:
    for key, value in part.constraints.items():
        flat.constraints.setdefault(key, value)
    flat.nullable = flat.nullable or part.nullable
    flat.required |= part.required
    for name, sub in part.properties.items():
        flat.properties.setdefault(name, sub)
    flat.items = flat.items or part.items
    flat.closed = flat.closed or part.closed


def _union(branches: list[Flat]) -> Flat:
    out = Flat()
    enums = [b.constraints.get("enum") for b in branches]
    if all(e is not None for e in enums):
        out.constraints["enum"] = [v for e in enums for v in (e or [])]
    for key in KEYWORDS:
        values = [b.constraints.get(key) for b in branches]
        if key != "enum" and values[0] is not None and all(v == values[0] for v in values):
            out.constraints[key] = values[0]
    out.nullable = any(b.nullable or None in b.constraints.get("enum", []) for b in branches)
    out.required = set.intersection(*(b.required for b in branches))
    alternatives: dict[str, list[Any]] = {}
    for branch in branches:
        for name, (sub, resolver) in branch.properties.items():
            alternatives.setdefault(name, []).append(sub)
            out.properties.setdefault(name, (sub, resolver))
        out.items = out.items or branch.items
    for name, subs in alternatives.items():
        if len(subs) > 1:  # one document, one resolver: the branches' schemas united
            out.properties[name] = ({"anyOf": subs}, out.properties[name][1])
    out.closed = all(b.closed for b in branches)
    return out


class Walk:
    """Compares ``ours`` with ``theirs``; ``problems`` lists ``"<pointer>: <what>"``."""

    def __init__(self, ours: dict[str, Any], theirs: dict[str, Any]) -> None:
        self.ours, self.theirs = discriminated_as_one_of(ours), discriminated_as_one_of(theirs)
        self._ours_resolver, self._theirs_resolver = _resolver(self.ours), _resolver(self.theirs)
        self.problems: list[str] = []

    def run(self) -> list[str]:
        for path, item in self.ours.get("paths", {}).items():
            upstream_item = self.theirs.get("paths", {}).get(path)
            for method in METHODS:
                if method not in item:
                    continue
                pointer = f"/paths/{_escape(path)}/{method}"
                upstream = (upstream_item or {}).get(method)
                if upstream is None:
                    self.problems.append(f"{pointer}: operation absent upstream")
                    continue
                self._operation(pointer, item, item[method], upstream_item or {}, upstream)
        return self.problems

    # -- operations -----------------------------------------------------------------------------

    def _parameters(
        self, document: dict[str, Any], item: dict[str, Any], op: dict[str, Any]
    ) -> dict[tuple[str, str], tuple[Any, Resolver[Any]]]:
        resolver = self._ours_resolver if document is self.ours else self._theirs_resolver
        out = {}
        for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
            parameter, sub = _deref(raw, resolver)
            out[(parameter["in"], parameter["name"])] = (parameter, sub)
        return out

    def _operation(
        self,
        pointer: str,
        item: dict[str, Any],
        op: dict[str, Any],
        up_item: dict[str, Any],
        up: dict[str, Any],
    ) -> None:
        theirs_params = self._parameters(self.theirs, up_item, up)
        for key, (parameter, resolver) in self._parameters(self.ours, item, op).items():
            at = f"{pointer}/parameters[{key[0]}:{key[1]}]"
            if key not in theirs_params:
                self.problems.append(f"{at}: parameter absent upstream")
                continue
            upstream, up_resolver = theirs_params[key]
            if parameter.get("required") and not upstream.get("required"):
                self.problems.append(f"{at}: required, upstream optional")
            self._schema(
                f"{at}/schema", parameter.get("schema"), resolver, upstream.get("schema"), up_resolver
            )
        self._body(pointer, op, up)
        if _secured(op, self.ours) and not _secured(up, self.theirs):
            self.problems.append(f"{pointer}/security: secured, upstream not")
        for status, raw in op.get("responses", {}).items():
            at = f"{pointer}/responses/{status}"
            upstream_raw = up.get("responses", {}).get(status)
            if upstream_raw is None:
                self.problems.append(f"{at}: response absent upstream")
                continue
            response, resolver = _deref(raw, self._ours_resolver)
            upstream, up_resolver = _deref(upstream_raw, self._theirs_resolver)
            for name, header_raw in response.get("headers", {}).items():
                header, hr = _deref(header_raw, resolver)
                theirs_header = {k.lower(): v for k, v in upstream.get("headers", {}).items()}.get(
                    name.lower()
                )
                if theirs_header is None:
                    self.problems.append(f"{at}/headers/{_escape(name)}: header absent upstream")
                    continue
                up_header, uhr = _deref(theirs_header, up_resolver)
                if header.get("required") and not up_header.get("required"):
                    self.problems.append(f"{at}/headers/{_escape(name)}: required, upstream optional")
                self._schema(
                    f"{at}/headers/{_escape(name)}/schema",
                    header.get("schema"),
                    hr,
                    up_header.get("schema"),
                    uhr,
                )
            self._content(at, response, resolver, upstream, up_resolver)

    def _body(self, pointer: str, op: dict[str, Any], up: dict[str, Any]) -> None:
        if "requestBody" not in op:
            return
        body, resolver = _deref(op["requestBody"], self._ours_resolver)
        if "requestBody" not in up:
            self.problems.append(f"{pointer}/requestBody: absent upstream")
            return
        upstream, up_resolver = _deref(up["requestBody"], self._theirs_resolver)
        if body.get("required") and not upstream.get("required"):
            self.problems.append(f"{pointer}/requestBody: required, upstream optional")
        self._content(f"{pointer}/requestBody", body, resolver, upstream, up_resolver)

    def _content(
        self,
        at: str,
        node: dict[str, Any],
        resolver: Resolver[Any],
        up: dict[str, Any],
        up_resolver: Resolver[Any],
    ) -> None:
        for media, content in node.get("content", {}).items():
            here = f"{at}/content/{_escape(media)}"
            theirs = up.get("content", {}).get(media)
            if theirs is None:
                self.problems.append(f"{here}: media type absent upstream")
                continue
            self._schema(f"{here}/schema", content.get("schema"), resolver, theirs.get("schema"), up_resolver)

    # -- schemas --------------------------------------------------------------------------------

    def _schema(
        self, at: str, mine: Any, resolver: Resolver[Any], theirs: Any, up_resolver: Resolver[Any]
    ) -> None:
        if mine is None:
            return
        if theirs is None:
            self.problems.append(f"{at}: schema absent upstream")
            return
        if at.count("/properties/") > MAX_DEPTH:
            self.problems.append(f"{at}: nested deeper than {MAX_DEPTH} levels (recursive schema?)")
            return
        ours, upstream = flatten(mine, resolver), flatten(theirs, up_resolver)
        for keyword, value in ours.constraints.items():
            if keyword not in upstream.constraints:
                self.problems.append(f"{at}: {keyword} {value!r} absent upstream")
            elif not _same(keyword, value, upstream.constraints[keyword]):
                self.problems.append(
                    f"{at}: {keyword} {value!r} differs from upstream {upstream.constraints[keyword]!r}"
                )
        if upstream.nullable and not ours.nullable:  # ours would refuse a null upstream allows
            self.problems.append(f"{at}: nullable {ours.nullable}, upstream {upstream.nullable}")
        for name in sorted(ours.required - upstream.required):
            self.problems.append(f"{at}: requires {name!r}, upstream does not")
        if ours.closed and not upstream.closed:
            self.problems.append(f"{at}: additionalProperties false, upstream open")
        for name, (sub, sub_resolver) in ours.properties.items():
            if name not in upstream.properties:
                self.problems.append(f"{at}/properties/{_escape(name)}: property absent upstream")
                continue
            up_sub, up_sub_resolver = upstream.properties[name]
            self._schema(f"{at}/properties/{_escape(name)}", sub, sub_resolver, up_sub, up_sub_resolver)
        if ours.items is not None:
            up_items = upstream.items or (None, up_resolver)
            self._schema(f"{at}/items", ours.items[0], ours.items[1], up_items[0], up_items[1])


def _same(keyword: str, mine: Any, theirs: Any) -> bool:
    if keyword == "enum":
        return {repr(v) for v in mine} == {repr(v) for v in theirs}
    return bool(mine == theirs)


def _secured(op: dict[str, Any], document: dict[str, Any]) -> bool:
    security = op.get("security", document.get("security"))
    return bool(security) and all(requirement for requirement in security)


def discriminated_as_one_of(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with each polymorphic base written as the ``oneOf`` of its variants.

    A base schema with a ``discriminator`` and no ``oneOf`` (vng-api-common's style: ``Klant`` with
    ``propertyName: subjectType``) is extended by the schemas that ``allOf`` it, named after the
    discriminator values (OpenAPI 3.0.3 implicit mapping). A property only the variants carry, such as
    ``subjectIdentificatie``, is then found upstream instead of reported absent.
    """
    schemas = document.get("components", {}).get("schemas", {})
    bases = [
        n for n, s in schemas.items() if isinstance(s, dict) and "discriminator" in s and "oneOf" not in s
    ]
    if not bases:
        return document
    document = copy.deepcopy(document)
    schemas = document["components"]["schemas"]
    for base in bases:
        ref = f"#/components/schemas/{base}"
        variants = [
            name
            for name, schema in schemas.items()
            if isinstance(schema, dict) and {"$ref": ref} in schema.get("allOf", [])
        ]
        if not variants:
            continue
        own = {k: v for k, v in schemas[base].items() if k != "discriminator"}
        schemas[f"{base}__own"] = own
        for name in variants:
            schemas[name]["allOf"] = [
                {"$ref": f"{ref}__own"} if part == {"$ref": ref} else part for part in schemas[name]["allOf"]
            ]
        schemas[base] = {"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in variants]}
    return document


def stricter_than_upstream(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Every constraint of ``ours`` that ``theirs`` lacks or states differently (JSON pointers in ours)."""
    return Walk(ours, theirs).run()
