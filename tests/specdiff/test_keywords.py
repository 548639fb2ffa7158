"""Every JSON Schema keyword that constrains a value is compared (issue 22 item 9).

Each case changes one property of ``Item`` (sent in ``POST /items``, answered by
``GET /items/{uuid}``) and checks the kind and effect of the change and whom it breaks on both
sides: a tighter request breaks clients, a tighter response breaks servers, and the mirror.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from conformance.specdiff.changes import KINDS, Change
from conformance.specdiff.compare import diff_specs
from conformance.specdiff.render import report_schema, to_json
from tests.specdiff.conftest import document, spec

REQUEST = ("POST /items", "request")
RESPONSE = ("GET /items/{uuid}", "response 200")
NUMBER = {"type": "integer"}
ARRAY = {"type": "array", "items": {"type": "string"}}
OBJECT = {"type": "object", "properties": {"a": {"type": "string"}}}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    ("type dropped", {"type": "string"}, {}, "type", "looser"),
    ("type added", {}, {"type": "string"}, "type", "tighter"),
    ("minimum raised", {**NUMBER, "minimum": 0}, {**NUMBER, "minimum": 1}, "range", "tighter"),
    ("minimum dropped", {**NUMBER, "minimum": 0}, NUMBER, "range", "looser"),
    ("maximum added", NUMBER, {**NUMBER, "maximum": 9}, "range", "tighter"),
    ("maximum raised", {**NUMBER, "maximum": 9}, {**NUMBER, "maximum": 99}, "range", "looser"),
    (
        "range shifted",
        {**NUMBER, "minimum": 0, "maximum": 9},
        {**NUMBER, "minimum": 5, "maximum": 20},
        "range",
        "incompatible",
    ),
    (
        "3.0 exclusiveMinimum",
        {**NUMBER, "minimum": 0},
        {**NUMBER, "minimum": 0, "exclusiveMinimum": True},
        "range",
        "tighter",
    ),
    (
        "3.1 exclusiveMaximum dropped",
        {**NUMBER, "exclusiveMaximum": 10},
        {**NUMBER, "maximum": 10},
        "range",
        "looser",
    ),
    ("multipleOf added", NUMBER, {**NUMBER, "multipleOf": 5}, "multiple-of", "tighter"),
    (
        "multipleOf 5 → 10",
        {**NUMBER, "multipleOf": 5},
        {**NUMBER, "multipleOf": 10},
        "multiple-of",
        "tighter",
    ),
    ("multipleOf 10 → 5", {**NUMBER, "multipleOf": 10}, {**NUMBER, "multipleOf": 5}, "multiple-of", "looser"),
    (
        "multipleOf 3 → 5",
        {**NUMBER, "multipleOf": 3},
        {**NUMBER, "multipleOf": 5},
        "multiple-of",
        "incompatible",
    ),
    ("minItems added", ARRAY, {**ARRAY, "minItems": 1}, "item-count", "tighter"),
    ("maxItems raised", {**ARRAY, "maxItems": 2}, {**ARRAY, "maxItems": 5}, "item-count", "looser"),
    ("uniqueItems set", ARRAY, {**ARRAY, "uniqueItems": True}, "unique-items", "tighter"),
    ("uniqueItems dropped", {**ARRAY, "uniqueItems": True}, ARRAY, "unique-items", "looser"),
    ("items dropped", ARRAY, {"type": "array"}, "items", "looser"),
    ("items added", {"type": "array"}, ARRAY, "items", "tighter"),
    (
        "additionalProperties false",
        OBJECT,
        {**OBJECT, "additionalProperties": False},
        "additional-properties",
        "tighter",
    ),
    (
        "additionalProperties opened",
        {**OBJECT, "additionalProperties": False},
        OBJECT,
        "additional-properties",
        "looser",
    ),
    (
        "additionalProperties typed",
        OBJECT,
        {**OBJECT, "additionalProperties": {"type": "string"}},
        "additional-properties",
        "tighter",
    ),
    ("minProperties added", OBJECT, {**OBJECT, "minProperties": 1}, "property-count", "tighter"),
    ("maxProperties dropped", {**OBJECT, "maxProperties": 3}, OBJECT, "property-count", "looser"),
    (
        "minLength raised",
        {"type": "string", "minLength": 1},
        {"type": "string", "minLength": 2},
        "length",
        "tighter",
    ),
    ("maxLength added", {"type": "string"}, {"type": "string", "maxLength": 5}, "length", "tighter"),
    ("pattern added", {"type": "string"}, {"type": "string", "pattern": "^a"}, "pattern", "tighter"),
    ("format dropped", {"type": "string", "format": "date"}, {"type": "string"}, "format", "looser"),
    (
        "enum narrowed",
        {"type": "string", "enum": ["a", "b"]},
        {"type": "string", "enum": ["a"]},
        "enum",
        "tighter",
    ),
    (
        "const changed",
        {"type": "string", "const": "a"},
        {"type": "string", "const": "b"},
        "enum",
        "incompatible",
    ),
    ("nullable set", {"type": "string"}, {"type": "string", "nullable": True}, "nullable", "looser"),
    ("3.1 null type dropped", {"type": ["string", "null"]}, {"type": "string"}, "nullable", "tighter"),
]


def _diff(old_field: dict[str, Any], new_field: dict[str, Any], required: bool = False) -> list[Change]:
    old, new = document(), copy.deepcopy(document())
    for doc, field in ((old, old_field), (new, new_field)):
        item = doc["components"]["schemas"]["Item"]
        item["properties"]["wert"] = copy.deepcopy(field)
        if required:
            item["required"].append("wert")
    return list(diff_specs(spec(old), spec(new, "new")).changes)


def _at(changes: list[Change], where: tuple[str, str]) -> list[Change]:
    return [c for c in changes if (c.operation, c.location) == where and (c.field or "").startswith("wert")]


@pytest.mark.parametrize(("label", "old", "new", "kind", "effect"), CASES, ids=[c[0] for c in CASES])
def test_each_keyword_is_compared_and_classified(
    label: str, old: dict[str, Any], new: dict[str, Any], kind: str, effect: str
) -> None:
    changes = _diff(old, new)
    for where, tighter_breaks in ((REQUEST, "clients"), (RESPONSE, "servers")):
        found = _at(changes, where)
        assert [(c.kind, c.effect) for c in found] == [(kind, effect)], (label, where, found)
        change = found[0]
        looser_breaks = "servers" if tighter_breaks == "clients" else "clients"
        expected = {
            "tighter": {tighter_breaks},
            "looser": {looser_breaks},
            "incompatible": {"clients", "servers"},
        }[effect]
        broken = {
            n
            for n, b in (("clients", change.breaking_for_clients), ("servers", change.breaking_for_servers))
            if b
        }
        assert broken == expected, (label, where)
    assert kind in KINDS


def test_the_reported_values_name_the_bounds() -> None:
    (change,) = _at(
        _diff({**NUMBER, "minimum": 0}, {**NUMBER, "minimum": 0, "exclusiveMinimum": True}), REQUEST
    )
    assert change.old == [{"value": 0, "exclusive": False}, None]
    assert change.new == [{"value": 0, "exclusive": True}, None]
    (added,) = _at(_diff({"type": "string"}, {}), RESPONSE)
    assert (added.old, added.new) == (["string"], [])


def test_read_only_and_write_only() -> None:
    """readOnly takes a field out of requests, writeOnly out of responses: a flag change, not a
    removal, and what is below it is not reported."""
    nested = {"type": "object", "properties": {"x": {"type": "string"}}}
    changes = _diff(nested, {**nested, "readOnly": True}, required=True)
    assert [(c.kind, c.field, c.effect, c.breaking_for_clients) for c in _at(changes, REQUEST)] == [
        ("read-only", "wert", "tighter", True)
    ]
    assert _at(changes, RESPONSE) == []
    back = _diff({**nested, "readOnly": True}, nested, required=True)
    assert [(c.kind, c.effect) for c in _at(back, REQUEST)] == [("read-only", "incompatible")]  # now required
    hidden = _diff(nested, {**nested, "writeOnly": True})
    assert [(c.kind, c.effect, c.breaking_for_clients) for c in _at(hidden, RESPONSE)] == [
        ("write-only", "looser", True)
    ]
    assert _at(hidden, REQUEST) == []
    # a read-only field added or changed is no part of the request at all
    assert (
        _at(_diff({"readOnly": True, "type": "string"}, {"readOnly": True, "type": "integer"}), REQUEST) == []
    )


def test_the_json_report_with_the_new_kinds_matches_its_schema() -> None:
    old, new = document(), copy.deepcopy(document())
    new_item = new["components"]["schemas"]["Item"]
    for index, (_, before, after, _, _) in enumerate(CASES):
        old["components"]["schemas"]["Item"]["properties"][f"f{index}"] = before
        new_item["properties"][f"f{index}"] = after
    new_item["properties"]["naam"]["writeOnly"] = True
    new_item["properties"]["tags"]["readOnly"] = True
    data = to_json(diff_specs(spec(old), spec(new, "new")))
    jsonschema.Draft202012Validator(report_schema()).validate(data)
    kinds = {c["kind"] for c in data["changes"]}
    assert {case[3] for case in CASES} | {"read-only", "write-only"} <= kinds
