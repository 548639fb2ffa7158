"""Helpers for the spec-diff tests: tiny OpenAPI documents built in code, the upstream files."""

from __future__ import annotations

import contextlib
import copy
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from conformance.specdiff.load import Spec, spec_from_document
from tests.upstream.conftest import upstream_dir as upstream_dir  # skips without ../shared

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


class _SpecHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``body`` at ``/api/openapi.yaml`` and 404 elsewhere; 401 without ``authorization``
    when one is set."""

    body = b""
    authorization: str | None = None

    def do_GET(self) -> None:
        found = self.path == "/api/openapi.yaml"
        allowed = self.authorization is None or self.headers.get("Authorization") == self.authorization
        payload = self.body if found and allowed else b"not found" if allowed else b"unauthorized"
        self.send_response((200 if found else 404) if allowed else 401)
        self.send_header("Content-Type", "application/vnd.oai.openapi")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextlib.contextmanager
def serve_spec(body: bytes, *, authorization: str | None = None) -> Iterator[str]:
    """A server on 127.0.0.1 (free port) serving ``body`` as its contract (only to requests
    carrying ``authorization``, when given); yields the API root."""
    handler = type("Handler", (_SpecHandler,), {"body": body, "authorization": authorization})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def altered_contract(contract: Path, *, drop_destroy: bool = True) -> bytes:
    """The project's contract with ``indicatieActief`` of a partij typed as a string and, unless
    told otherwise, DELETE /partijen/{uuid} left out."""
    doc = yaml.safe_load(contract.read_text(encoding="utf-8"))
    doc["components"]["schemas"]["Partij"]["properties"]["indicatieActief"] = {"type": "string"}
    if drop_destroy:
        del doc["paths"]["/partijen/{uuid}"]["delete"]
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode("utf-8")
