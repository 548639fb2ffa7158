"""Our contract is never stricter than the published Open Klant 2.18 (Klantinteracties 0.9.0) one.

A constraint the standard does not make (an extra pattern, an enum on a free-text filter, a required
field, a documented 400 with a problem schema) turns into false CONTRACT-* failures of a correct
server. Rules the document does not state belong in named requirements with scenarios instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.profiles import load_profile
from tests.upstream.conftest import load
from tests.upstream.strictness import stricter_than_upstream
from tests.upstream.test_contract_facts import UPSTREAM_FILE

OBJECT_ID = "/properties/partijIdentificator/properties/objectId"


@pytest.fixture(scope="module")
def theirs(upstream_dir: Path) -> dict[str, Any]:
    return load(upstream_dir / UPSTREAM_FILE)


def test_our_contract_is_not_stricter_than_upstream(theirs: dict[str, Any]) -> None:
    ours = load(load_profile("klantinteracties-v1").spec_path)
    assert stricter_than_upstream(ours, theirs) == []


def test_a_reintroduced_objectid_pattern_is_caught(theirs: dict[str, Any], tmp_path: Path) -> None:
    text = load_profile("klantinteracties-v1").spec_path.read_text(encoding="utf-8")
    anchor = "        objectId:\n          type: string\n          maxLength: 200\n"
    assert text.count(anchor) == 1, "the objectId definition moved: update this test's anchor"
    mutated = tmp_path / "openapi.yaml"
    mutated.write_text(
        text.replace(anchor, anchor + "          pattern: ^([0-9]{8}|[0-9]{9}|[0-9]{12})$\n"),
        encoding="utf-8",
    )
    problems = stricter_than_upstream(load(mutated), theirs)
    assert problems, "a pattern upstream does not have went unnoticed"
    assert all("pattern '^([0-9]{8}|[0-9]{9}|[0-9]{12})$' absent upstream" in p for p in problems)
    assert all(OBJECT_ID in p.split(":")[0] for p in problems)
    assert any(p.startswith("/paths/~1partij-identificatoren/post/requestBody/") for p in problems)


def test_a_reintroduced_error_response_is_caught(theirs: dict[str, Any], tmp_path: Path) -> None:
    ours = load(load_profile("klantinteracties-v1").spec_path)
    ours["paths"]["/partijen"]["get"]["responses"]["400"] = {"description": "Bad request"}
    assert stricter_than_upstream(ours, theirs) == [
        "/paths/~1partijen/get/responses/400: response absent upstream"
    ]


# -- the walker on small documents (no upstream file needed) ------------------------------------


def _doc(schema: dict[str, Any], **components: Any) -> dict[str, Any]:
    return yaml.safe_load(
        yaml.safe_dump(
            {
                "paths": {
                    "/x": {
                        "get": {"responses": {"200": {"content": {"application/json": {"schema": schema}}}}}
                    }
                },
                "components": {"schemas": components},
            }
        )
    )


AT = "/paths/~1x/get/responses/200/content/application~1json/schema"


@pytest.mark.parametrize(
    ("mine", "upstream", "expected"),
    [
        ({"type": "string", "pattern": "^a$"}, {"type": "string"}, f"{AT}: pattern '^a$' absent upstream"),
        (
            {"type": "string", "maxLength": 5},
            {"type": "string", "maxLength": 9},
            f"{AT}: maxLength 5 differs",
        ),
        ({"type": "integer"}, {"type": "string"}, f"{AT}: type 'integer' differs"),
        (
            {"type": "string", "enum": ["a"]},
            {"type": "string", "enum": ["a", "b"]},
            f"{AT}: enum ['a'] differs",
        ),
        ({"type": "string", "format": "uuid"}, {"type": "string"}, f"{AT}: format 'uuid' absent upstream"),
        (
            {"type": "object", "required": ["a"], "properties": {"a": {}}},
            {"type": "object", "properties": {"a": {}}},
            f"{AT}: requires 'a', upstream does not",
        ),
        ({"type": "string"}, {"type": "string", "nullable": True}, f"{AT}: nullable False, upstream True"),
        (
            {"type": "object", "properties": {"b": {}}},
            {"type": "object"},
            f"{AT}/properties/b: property absent",
        ),
        ({"type": "integer", "minimum": 1}, {"type": "integer"}, f"{AT}: minimum 1 absent upstream"),
    ],
)
def test_the_walker_reports_a_stricter_constraint(
    mine: dict[str, Any], upstream: dict[str, Any], expected: str
) -> None:
    problems = stricter_than_upstream(_doc(mine), _doc(upstream))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_the_walker_resolves_refs_and_unites_oneof_branches() -> None:
    """A flat schema of ours against a polymorphic upstream one: fields of any branch, required of all."""
    mine = _doc(
        {"$ref": "#/components/schemas/P"},
        P={
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"type": "string"}, "naam": {"type": "string", "maxLength": 9}},
        },
    )
    upstream = _doc(
        {"$ref": "#/components/schemas/P"},
        P={
            "oneOf": [
                {"$ref": "#/components/schemas/A"},
                {"$ref": "#/components/schemas/B"},
            ]
        },
        A={"type": "object", "required": ["kind", "x"], "properties": {"kind": {"type": "string"}}},
        B={
            "allOf": [
                {"$ref": "#/components/schemas/Base"},
                {"properties": {"naam": {"type": "string", "maxLength": 9}}},
            ]
        },
        Base={"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}},
    )
    assert stricter_than_upstream(mine, upstream) == []
    mine["components"]["schemas"]["P"]["required"].append("x")  # only branch A requires it
    assert stricter_than_upstream(mine, upstream) == [f"{AT}: requires 'x', upstream does not"]
