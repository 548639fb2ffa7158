"""The klanten-v1 contract is faithful to the published Klanten API 1.0.0 file: never stricter.

The shared walker (``tests/upstream/strictness.py``) judges every constraint our file states; this
file adds what only the legacy API needs: every status upstream documents on an operation is
documented here too, and the query parameters are upstream's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.resources import specs_dir
from tests.upstream.conftest import load
from tests.upstream.strictness import stricter_than_upstream

UPSTREAM = "vng-klanten-api-1.0.0.yaml"
KEYWORDS = ("type", "enum", "nullable", "pattern", "format", "maxLength", "minLength", "minimum", "maximum")


def _ours() -> dict[str, Any]:
    return load(specs_dir() / "klanten-v1" / "openapi.yaml")


def _constraints(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: schema[k] for k in KEYWORDS if k in schema}


def test_our_klanten_contract_is_not_stricter_than_upstream(upstream_dir: Path) -> None:
    # Upstream's Klant is polymorphic by subjectType (a discriminator without oneOf): the walker
    # compares our flat subjectIdentificatie with the union of upstream's three variants.
    assert stricter_than_upstream(_ours(), load(upstream_dir / UPSTREAM)) == []


def test_a_stricter_klanten_property_is_caught(upstream_dir: Path) -> None:
    ours = _ours()
    ours["components"]["schemas"]["Klant"]["properties"]["klantnummer"]["pattern"] = "^K[0-9]+$"
    problems = stricter_than_upstream(ours, load(upstream_dir / UPSTREAM))
    assert problems and all("klantnummer: pattern '^K[0-9]+$' absent upstream" in p for p in problems)


def test_operations_document_every_upstream_status_and_only_upstream_parameters(upstream_dir: Path) -> None:
    upstream = load(upstream_dir / UPSTREAM)["paths"]
    ours = _ours()["paths"]
    up_ops = {
        op["operationId"]: (path, method, op)
        for path, item in upstream.items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }
    for path, item in ours.items():
        for method, op in item.items():
            if method == "parameters":
                continue
            up_path, up_method, up_op = up_ops[op["operationId"]]
            assert (path, method) == (up_path, up_method), op["operationId"]
            missing = set(up_op["responses"]) - set(op["responses"])
            assert not missing, f"{op['operationId']}: upstream documents {sorted(missing)}"
            up_params = {
                p["name"]: p.get("schema") for p in up_op.get("parameters", []) if p.get("in") == "query"
            }
            for param in op.get("parameters", []):
                assert param["name"] in up_params, (op["operationId"], param["name"])
                assert _constraints(param["schema"]) == _constraints(up_params[param["name"]]), param["name"]
