"""Our contract is written from the upstream facts: paths, operationIds, field names, types, enums.

These tests read the published Open Klant 2.18 (Klantinteracties 0.9.0) document beside the
project and fail when our own contract drifts from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.profiles import load_profile
from tests.upstream.conftest import load

UPSTREAM_FILE = "open-klant-2.18-klantinteracties-0.9.0.yaml"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    return load(load_profile("klantinteracties-v1").spec_path)


@pytest.fixture(scope="module")
def theirs(upstream_dir: Path) -> dict[str, Any]:
    return load(upstream_dir / UPSTREAM_FILE)


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _properties(doc: dict[str, Any], schema: Any) -> dict[str, Any]:
    schema = _resolve(doc, schema)
    props: dict[str, Any] = {}
    for key in ("allOf", "oneOf", "anyOf"):  # a polymorphic Partij has the union of its variants' fields
        for part in schema.get(key, []):
            props.update(_properties(doc, part))
    props.update(schema.get("properties", {}))
    return props


def _enum(doc: dict[str, Any], schema: Any) -> set[Any] | None:
    schema = _resolve(doc, schema)
    if "enum" in schema:
        return {v for v in schema["enum"] if v not in ("", None)}
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            found = _enum(doc, part)
            if found:
                return found
    return None


def test_every_operation_exists_upstream_with_the_same_operation_id(
    ours: dict[str, Any], theirs: dict[str, Any]
) -> None:
    problems = []
    for path, item in ours["paths"].items():
        for method in METHODS:
            if method not in item or path.endswith("openapi.yaml"):
                continue
            upstream = theirs["paths"].get(path, {}).get(method)
            if upstream is None:
                problems.append(f"{method.upper()} {path} is not in the upstream contract")
            elif upstream["operationId"] != item[method]["operationId"]:
                problems.append(
                    f"{method.upper()} {path}: {item[method]['operationId']} != {upstream['operationId']}"
                )
    assert not problems, "\n".join(problems)


def test_query_parameters_exist_upstream(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    problems = []
    for path, item in ours["paths"].items():
        for method in METHODS:
            if method not in item or path not in theirs["paths"]:
                continue
            upstream_op = theirs["paths"][path].get(method, {})
            upstream_names = {_resolve(theirs, p)["name"] for p in upstream_op.get("parameters", [])}
            upstream_names |= {
                _resolve(theirs, p)["name"] for p in theirs["paths"][path].get("parameters", [])
            }
            for parameter in item[method].get("parameters", []):
                parameter = _resolve(ours, parameter)
                if parameter["in"] == "query" and parameter["name"] not in upstream_names:
                    problems.append(f"{method.upper()} {path}: query parameter {parameter['name']}")
    assert not problems, "\n".join(problems)


def test_schema_fields_types_and_enums_match_upstream(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    problems = []
    upstream_schemas = theirs["components"]["schemas"]
    compared = 0
    for name, schema in ours["components"]["schemas"].items():
        if name not in upstream_schemas:
            continue
        ours_props = _properties(ours, schema)
        theirs_props = _properties(theirs, upstream_schemas[name])
        for prop, definition in ours_props.items():
            if prop not in theirs_props:
                problems.append(f"{name}.{prop} is not an upstream field")
                continue
            compared += 1
            mine, upstream = _resolve(ours, definition), _resolve(theirs, theirs_props[prop])
            if "type" in mine and "type" in upstream and mine["type"] != upstream["type"]:
                problems.append(f"{name}.{prop}: type {mine['type']} != upstream {upstream['type']}")
            mine_enum, upstream_enum = _enum(ours, definition), _enum(theirs, theirs_props[prop])
            if mine_enum and upstream_enum and not mine_enum <= upstream_enum:
                problems.append(f"{name}.{prop}: enum {sorted(mine_enum - upstream_enum)} not upstream")
    assert compared > 20, "too few shared schemas to compare: did the component names drift?"
    assert not problems, "\n".join(problems)


def test_identificator_enums_equal_upstream(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """The four code enums decide what a BSN/KvK/RSIN is: they must be exactly upstream's."""
    for enum_name in ("CodeRegisterEnum", "CodeObjecttypeEnum", "CodeSoortObjectIdEnum", "SoortPartijEnum"):
        if enum_name not in theirs["components"]["schemas"]:
            continue
        assert enum_name in ours["components"]["schemas"], enum_name
        mine = set(ours["components"]["schemas"][enum_name]["enum"]) - {"", None}
        upstream = set(theirs["components"]["schemas"][enum_name]["enum"]) - {"", None}
        assert mine == upstream, enum_name
