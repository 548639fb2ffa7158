"""Make a ``discriminator`` decide its ``oneOf``, as OpenAPI 3.0.3 (§4.7.25) intends.

JSON Schema validators ignore ``discriminator``: a ``oneOf`` whose branches do not exclude each
other (Open Klant's ``Partij``: persoon, organisatie, contactpersoon share every base field) then
fails "valid under more than one of the schemas" for every correct body, and a judge reading the
document literally fails every real server. Each branch is rewritten to also require the
discriminator value(s) the mapping (or the implicit mapping: the schema name) gives it, which is
what a consumer of the document does. Documents without a discriminator are returned unchanged.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from conformance.yamlsafe import safe_load


def _values_for(ref: str, mapping: dict[str, str]) -> list[str]:
    explicit = [value for value, target in mapping.items() if target == ref]
    return explicit or [ref.rsplit("/", 1)[-1]]


def _rewrite(node: Any) -> Any:
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _rewrite(value) for key, value in node.items()}
    discriminator = node.get("discriminator")
    if not isinstance(discriminator, dict) or "propertyName" not in discriminator:
        return out
    name, mapping = discriminator["propertyName"], discriminator.get("mapping") or {}
    for keyword in ("oneOf", "anyOf"):
        branches = out.get(keyword)
        if not isinstance(branches, list) or not all(isinstance(b, dict) and "$ref" in b for b in branches):
            continue
        out[keyword] = [
            {"allOf": [branch, {"properties": {name: {"enum": _values_for(branch["$ref"], mapping)}}}]}
            for branch in branches
        ]
    return out


def with_discriminators_applied(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` in which every discriminated ``oneOf``/``anyOf`` branch is exclusive."""
    return _rewrite(copy.deepcopy(document))  # type: ignore[no-any-return]


def load_document(path: Path) -> dict[str, Any]:
    """The OpenAPI document at ``path``, discriminators applied (for schemathesis ``from_dict``)."""
    data = safe_load(path.read_bytes())
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not an OpenAPI document")
    return with_discriminators_applied(data)
