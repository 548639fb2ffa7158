"""The klanten-v1 contract is faithful to the published Klanten API 1.0.0 file: never stricter.

Every property our file declares must carry exactly upstream's constraint keywords (type, enum,
nullable, pattern, format, lengths, bounds, readOnly); a required list may only shrink; every
status upstream documents on an operation is documented here too; query parameters are upstream's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.resources import specs_dir
from tests.upstream.conftest import load

KEYWORDS = (
    "type",
    "enum",
    "nullable",
    "pattern",
    "format",
    "maxLength",
    "minLength",
    "minimum",
    "maximum",
    "readOnly",
)
# Our schema -> upstream schemas whose properties it may take (SubjectIdentificatie unites three).
SCHEMAS = {
    "Klant": ("Klant",),
    "KlantAdres": ("KlantAdres",),
    "SubjectIdentificatie": ("NatuurlijkPersoon", "NietNatuurlijkPersoon", "Vestiging"),
    "Fout": ("Fout",),
    "FieldValidationError": ("FieldValidationError",),
    "ValidatieFout": ("ValidatieFout",),
}
OURS_ONLY = {("Klant", "subjectIdentificatie")}  # upstream's discriminated variants carry it


def _ours() -> dict[str, Any]:
    return load(specs_dir() / "klanten-v1" / "openapi.yaml")


def _constraints(schema: dict[str, Any]) -> dict[str, Any]:
    out = {k: schema[k] for k in KEYWORDS if k in schema}
    if isinstance(schema.get("items"), dict):
        out["items"] = _constraints(schema["items"])
    return out


def test_every_declared_property_has_upstreams_constraints(upstream_dir: Path) -> None:
    upstream = load(upstream_dir / "vng-klanten-api-1.0.0.yaml")["components"]["schemas"]
    ours = _ours()["components"]["schemas"]
    problems = []
    for name, sources in SCHEMAS.items():
        for prop, schema in ours[name].get("properties", {}).items():
            if (name, prop) in OURS_ONLY:
                continue
            candidates = [
                upstream[s]["properties"][prop] for s in sources if prop in upstream[s].get("properties", {})
            ]
            if not candidates:
                problems.append(f"{name}.{prop}: not in upstream {sources}")
                continue
            if "$ref" in schema or "$ref" in candidates[0]:
                continue  # compared as schemas of their own
            if all(_constraints(schema) != _constraints(c) for c in candidates):
                problems.append(
                    f"{name}.{prop}: {_constraints(schema)} != upstream {_constraints(candidates[0])}"
                )
        extra_required = set(ours[name].get("required", [])) - {
            r for s in sources for r in upstream[s].get("required", [])
        }
        if extra_required:
            problems.append(f"{name}: requires {sorted(extra_required)} which upstream does not")
        assert ours[name].get("additionalProperties", True) is not False
    assert not problems, "\n".join(problems)


def test_operations_document_every_upstream_status_and_only_upstream_parameters(upstream_dir: Path) -> None:
    upstream = load(upstream_dir / "vng-klanten-api-1.0.0.yaml")["paths"]
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
