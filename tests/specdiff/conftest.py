"""Helpers for the spec-diff tests: tiny OpenAPI documents built in code, the upstream files."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from conformance.specdiff.load import Spec, spec_from_document

SHARED = Path(__file__).resolve().parents[3] / "shared"
UPSTREAM = SHARED / "specs" / "upstream"


@pytest.fixture(scope="session")
def upstream_dir() -> Path:
    if not UPSTREAM.is_dir():
        pytest.skip(f"the upstream OpenAPI files are not beside the project ({UPSTREAM} is absent)")
    return UPSTREAM


ITEM = {
    "type": "object",
    "required": ["uuid", "naam", "soort"],
    "properties": {
        "uuid": {"type": "string", "format": "uuid", "readOnly": True},
        "naam": {"type": "string", "maxLength": 40},
        "soort": {"$ref": "#/components/schemas/SoortEnum"},
        "nummer": {"type": "string", "pattern": "^[0-9]+$", "nullable": True},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}


def document(**schemas: Any) -> dict[str, Any]:
    """A small contract: /items (list, create) and /items/{uuid} (read, delete), token auth."""
    components: dict[str, Any] = {
        "Item": copy.deepcopy(ITEM),
        "SoortEnum": {"type": "string", "enum": ["a", "b"]},
    }
    components.update(schemas)
    item_ref = {"$ref": "#/components/schemas/Item"}
    json_item = {"content": {"application/json": {"schema": item_ref}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "items", "version": "1"},
        "security": [{"tokenAuth": []}],
        "paths": {
            "/items": {
                "get": {
                    "operationId": "itemsList",
                    "parameters": [{"name": "naam", "in": "query", "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {"results": {"type": "array", "items": item_ref}},
                                    }
                                }
                            },
                        }
                    },
                },
                "post": {
                    "operationId": "itemsCreate",
                    "requestBody": {"required": True, **json_item},
                    "responses": {"201": {"description": "created", **json_item}},
                },
            },
            "/items/{uuid}": {
                "parameters": [
                    {"name": "uuid", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "get": {
                    "operationId": "itemsRetrieve",
                    "responses": {"200": {"description": "ok", **json_item}},
                },
                "delete": {"operationId": "itemsDestroy", "responses": {"204": {"description": "gone"}}},
            },
        },
        "components": {
            "schemas": components,
            "securitySchemes": {"tokenAuth": {"type": "apiKey", "in": "header", "name": "Authorization"}},
        },
    }


def spec(doc: dict[str, Any], name: str = "old") -> Spec:
    return spec_from_document(doc, f"/in-memory/{name}.yaml")
