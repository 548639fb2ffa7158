"""The diff on small contracts built in code: each kind of change, located and classified."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.errors import ConfigError
from conformance.specdiff.changes import Change
from conformance.specdiff.compare import diff_specs
from conformance.specdiff.flatten import flatten
from conformance.specdiff.load import load_spec
from tests.specdiff.conftest import document, spec


def _diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    return list(diff_specs(spec(old, "old"), spec(new, "new")).changes)


def _one(changes: list[Change], kind: str, operation: str, location: str, field: str | None) -> Change:
    found = [
        c for c in changes if (c.kind, c.operation, c.location, c.field) == (kind, operation, location, field)
    ]
    assert len(found) == 1, [(c.kind, c.where()) for c in changes]
    return found[0]


def test_identical_documents_have_no_changes() -> None:
    assert _diff(document(), document()) == []


def test_removed_operation_breaks_clients_only() -> None:
    new = document()
    del new["paths"]["/items/{uuid}"]["delete"]
    change = _one(_diff(document(), new), "operation-removed", "DELETE /items/{uuid}", "operation", None)
    assert change.old_operation_id == "itemsDestroy"
    assert (change.breaking_for_clients, change.breaking_for_servers) == (True, False)


def test_added_operation_breaks_servers_only() -> None:
    new = document()
    new["paths"]["/items/{uuid}"]["patch"] = {"operationId": "itemsPatch", "responses": {"200": {}}}
    change = _one(_diff(document(), new), "operation-added", "PATCH /items/{uuid}", "operation", None)
    assert (change.breaking_for_clients, change.breaking_for_servers) == (False, True)


def test_renamed_path_parameter_is_not_a_new_operation() -> None:
    new = yaml.safe_load(
        yaml.safe_dump(document()).replace("{uuid}", "{id}").replace("name: uuid", "name: id")
    )
    changes = _diff(document(), new)
    assert not [c for c in changes if c.kind.startswith("operation-")], [c.where() for c in changes]


def test_removed_response_field_breaks_clients_and_is_reported_once_per_response() -> None:
    new = document()
    del new["components"]["schemas"]["Item"]["properties"]["tags"]
    changes = _diff(document(), new)
    removed = [c for c in changes if c.kind == "field-removed"]
    # the field and its items: only the top of the removed subtree is a change
    assert {(c.operation, c.location, c.field) for c in removed} == {
        ("GET /items", "response 200", "results[].tags"),
        ("POST /items", "request", "tags"),
        ("POST /items", "response 201", "tags"),
        ("GET /items/{uuid}", "response 200", "tags"),
    }
    response = _one(changes, "field-removed", "GET /items/{uuid}", "response 200", "tags")
    assert (response.breaking_for_clients, response.breaking_for_servers) == (True, False)


def test_read_only_fields_are_not_part_of_the_request() -> None:
    new = document()
    del new["components"]["schemas"]["Item"]["properties"]["uuid"]
    changes = [c for c in _diff(document(), new) if c.field == "uuid"]
    assert {c.location for c in changes} == {"response 201", "response 200"}


def test_required_request_field_added_breaks_both_and_optional_only_servers() -> None:
    new = document()
    props = new["components"]["schemas"]["Item"]["properties"]
    props["verplicht"] = {"type": "string"}
    props["vrij"] = {"type": "string"}
    new["components"]["schemas"]["Item"]["required"].append("verplicht")
    changes = _diff(document(), new)
    required = _one(changes, "field-added", "POST /items", "request", "verplicht")
    optional = _one(changes, "field-added", "POST /items", "request", "vrij")
    assert (required.breaking_for_clients, required.breaking_for_servers) == (True, True)
    assert (optional.breaking_for_clients, optional.breaking_for_servers) == (False, True)
    response = _one(changes, "field-added", "GET /items/{uuid}", "response 200", "vrij")
    assert not response.breaking


@pytest.mark.parametrize(
    ("values", "effect", "clients", "servers"),
    [
        (["a", "b", "c"], "looser", False, True),
        (["a"], "tighter", True, False),
        (["a", "c"], "incompatible", True, True),
    ],
)
def test_enum_changes_on_the_request_side(
    values: list[str], effect: str, clients: bool, servers: bool
) -> None:
    new = document()
    new["components"]["schemas"]["SoortEnum"]["enum"] = values
    change = _one(_diff(document(), new), "enum", "POST /items", "request", "soort")
    assert (change.old, change.new, change.effect) == (["a", "b"], values, effect)
    assert (change.breaking_for_clients, change.breaking_for_servers) == (clients, servers)
    # the mirror on the response side: a new value breaks clients that do not know it
    response = _one(_diff(document(), new), "enum", "GET /items/{uuid}", "response 200", "soort")
    assert (response.breaking_for_clients, response.breaking_for_servers) == (
        effect != "tighter",
        effect != "looser",
    )


def test_type_nullable_format_pattern_and_length_changes() -> None:
    new = document()
    props = new["components"]["schemas"]["Item"]["properties"]
    props["naam"] = {"type": "integer"}
    props["nummer"] = {"type": "string", "pattern": "^[0-9]{4}$", "format": "digits"}
    props["tags"]["items"]["maxLength"] = 5
    changes = _diff(document(), new)
    kinds = {
        (c.kind, c.field): c for c in changes if c.operation == "POST /items" and c.location == "request"
    }
    assert kinds[("type", "naam")].old == ["string"] and kinds[("type", "naam")].new == ["integer"]
    assert kinds[("type", "naam")].effect == "incompatible"
    assert kinds[("length", "naam")].effect == "looser"  # maxLength 40 dropped
    assert kinds[("nullable", "nummer")].effect == "tighter"
    assert kinds[("pattern", "nummer")].effect == "incompatible"
    assert kinds[("format", "nummer")].effect == "tighter"
    assert kinds[("length", "tags[]")].new == [None, 5]
    assert kinds[("length", "tags[]")].breaking_for_clients


def test_integer_widened_to_number_only_loosens() -> None:
    old = document()
    old["components"]["schemas"]["Item"]["properties"]["naam"] = {"type": "integer"}
    new = document()
    new["components"]["schemas"]["Item"]["properties"]["naam"] = {"type": "number"}
    change = _one(_diff(old, new), "type", "POST /items", "request", "naam")
    assert change.effect == "looser"


def test_parameter_changes() -> None:
    new = document()
    params = new["paths"]["/items"]["get"]["parameters"]
    params[0] = {"name": "naam", "in": "query", "required": True, "schema": {"type": "string"}}
    params.append({"name": "soort", "in": "query", "schema": {"type": "string"}})
    changes = _diff(document(), new)
    required = _one(changes, "required", "GET /items", "parameter query", "naam")
    assert (required.old, required.new, required.breaking_for_clients) == (False, True, True)
    added = _one(changes, "parameter-added", "GET /items", "parameter query", "soort")
    assert (added.breaking_for_clients, added.breaking_for_servers) == (False, True)
    gone = document()
    gone["paths"]["/items"]["get"]["parameters"] = []
    assert _one(_diff(document(), gone), "parameter-removed", "GET /items", "parameter query", "naam")


def test_security_changes() -> None:
    anonymous = document()
    anonymous["paths"]["/items"]["get"]["security"] = []
    change = _one(_diff(document(), anonymous), "security", "GET /items", "security", None)
    assert change.effect == "looser" and change.breaking_for_servers and not change.breaking_for_clients
    back = _one(_diff(anonymous, document()), "security", "GET /items", "security", None)
    assert back.effect == "tighter" and back.breaking_for_clients
    scheme = document()
    scheme["components"]["securitySchemes"]["tokenAuth"] = {"type": "http", "scheme": "bearer"}
    changed = _one(_diff(document(), scheme), "security-scheme", "", "security", "tokenAuth")
    assert changed.breaking_for_clients and changed.breaking_for_servers


def test_status_codes_added_and_removed() -> None:
    new = document()
    responses = new["paths"]["/items/{uuid}"]["delete"]["responses"]
    responses["200"] = responses.pop("204")
    changes = _diff(document(), new)
    assert _one(changes, "status-removed", "DELETE /items/{uuid}", "response 204", None).breaking_for_servers
    assert _one(changes, "status-added", "DELETE /items/{uuid}", "response 200", None).breaking_for_clients


def _polymorphic() -> dict[str, Any]:
    """``Item`` becomes a oneOf by ``soort``: shared fields in a base, one extra field per variant."""
    base = copy.deepcopy(document()["components"]["schemas"]["Item"])
    return document(
        Item={
            "oneOf": [{"$ref": "#/components/schemas/a_Item"}, {"$ref": "#/components/schemas/b_Item"}],
            "discriminator": {
                "propertyName": "soort",
                "mapping": {"a": "#/components/schemas/a_Item", "b": "#/components/schemas/b_Item"},
            },
        },
        Base_Item=base,
        a_Item={
            "allOf": [
                {"$ref": "#/components/schemas/Base_Item"},
                {
                    "type": "object",
                    "properties": {"extra": {"type": "object", "properties": {"x": {"type": "string"}}}},
                },
            ]
        },
        b_Item={
            "allOf": [
                {"$ref": "#/components/schemas/Base_Item"},
                {
                    "type": "object",
                    "properties": {"extra": {"type": "object", "properties": {"y": {"type": "integer"}}}},
                },
            ]
        },
    )


def test_a_schema_becoming_a_discriminated_composition_keeps_its_fields() -> None:
    changes = _diff(document(), _polymorphic())
    assert not [c for c in changes if c.kind == "field-removed"], [c.where() for c in changes]
    retrieve = [c for c in changes if c.operation == "GET /items/{uuid}"]
    assert {(c.kind, c.field) for c in retrieve} == {
        ("field-added", "extra"),
    }
    fields = flatten({"$ref": "#/components/schemas/Item"}, spec(_polymorphic()).resolver(), "response")
    assert fields["extra.x"].variants == ("a",)
    assert fields["extra.y"].variants == ("b",)
    assert fields["naam"].variants is None and fields["naam"].required


def test_a_field_moving_into_one_variant_is_a_variants_change() -> None:
    old = _polymorphic()
    new = copy.deepcopy(old)
    del new["components"]["schemas"]["b_Item"]["allOf"][1]["properties"]["extra"]["properties"]["y"]
    new["components"]["schemas"]["b_Item"]["allOf"][1]["properties"]["extra"]["properties"]["x"] = {
        "type": "string"
    }
    changes = [c for c in _diff(old, new) if c.operation == "POST /items" and c.location == "request"]
    variants = [c for c in changes if c.kind == "variants"]
    assert [(c.field, c.old, c.new, c.effect) for c in variants] == [("extra.x", ["a"], None, "looser")]
    assert [(c.kind, c.field) for c in changes if c.kind == "field-removed"] == [("field-removed", "extra.y")]


def test_recursive_schemas_terminate() -> None:
    new = document(Node={"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Node"}}})
    new["components"]["schemas"]["Item"]["properties"]["node"] = {"$ref": "#/components/schemas/Node"}
    fields = flatten({"$ref": "#/components/schemas/Item"}, spec(new).resolver(), "response")
    assert "node.child" in fields and "node.child.child" not in fields


def test_refs_into_another_file_resolve_through_the_registry(tmp_path: Path) -> None:
    shared: dict[str, Any] = {
        "Item": document()["components"]["schemas"]["Item"],
        "SoortEnum": {"type": "string", "enum": ["z"]},
        # a response object whose own $ref is relative to this file, not to the main document
        "ItemResponse": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/Item"}}},
        },
    }
    shared["Item"]["properties"]["soort"] = {"$ref": "#/SoortEnum"}
    (tmp_path / "shared.yaml").write_text(yaml.safe_dump(shared))
    doc = document()
    doc["components"]["schemas"]["Item"] = {"$ref": "shared.yaml#/Item"}
    doc["paths"]["/items/{uuid}"]["get"]["responses"]["200"] = {"$ref": "shared.yaml#/ItemResponse"}
    (tmp_path / "api.yaml").write_text(yaml.safe_dump(doc))
    changes = list(diff_specs(spec(document()), load_spec(tmp_path / "api.yaml")).changes)
    enum = _one(changes, "enum", "POST /items", "request", "soort")
    assert (enum.old, enum.new) == (["a", "b"], ["z"])
    read = _one(changes, "enum", "GET /items/{uuid}", "response 200", "soort")
    assert read.new == ["z"]


def test_unreadable_or_foreign_documents_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_spec(tmp_path / "missing.yaml")
    (tmp_path / "x.yaml").write_text("just: text\n")
    with pytest.raises(ConfigError, match="not an OpenAPI document"):
        load_spec(tmp_path / "x.yaml")
