"""Request validation driven by the contract itself (a small OpenAPI 3.0 subset).

The server checks request bodies and query parameters against ``specs/klantinteracties-v1/openapi.yaml``
instead of a hand-kept copy of its rules. That makes "the server rejects what the schema forbids and
accepts what it allows" true by construction, which is what contract fuzzing (negative and positive
data) relies on. Supported keywords: ``$ref, allOf, nullable, readOnly, type, enum, maxLength,
minLength, pattern, format (uuid, date-time, date, uri, email), minimum, maximum, items, properties,
additionalProperties (a schema), required``. Unknown properties are dropped, as DRF does; readOnly
properties are ignored in requests. Formats ``uri`` and ``email`` are judged as schemathesis judges
them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from conformance.errors import ConfigError
from conformance.reference.problems import InvalidParam, validation_error

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER_RE = re.compile(r"^[+-]?[0-9]{1,18}$")
_TYPES: dict[str, str] = {
    "string": "str",
    "boolean": "bool",
    "integer": "int",
    "array": "list",
    "object": "dict",
}
_ABSENT = object()
# Formats judged exactly as schemathesis judges them (it validates with jsonschema_rs), so the
# server refuses what the fuzzer calls invalid and accepts what it calls valid.
_FORMATS: dict[str, Callable[[str], bool]] = {
    name: jsonschema_rs.validator_for({"type": "string", "format": name}, validate_formats=True).is_valid
    for name in ("uri", "email")
}


def _is_date(text: str) -> bool:
    if not _DATE_RE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse_datetime(text: str) -> datetime | None:
    """An RFC 3339 date-time with offset, or ``None``."""
    if not _DATETIME_RE.match(text):
        return None
    try:
        return datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return None


class Contract:
    """The loaded contract: request schemas and query parameters per operationId."""

    def __init__(self, document: dict[str, Any], text: str) -> None:
        self.document = document
        self.text = text
        self._operations: dict[str, dict[str, Any]] = {}
        for item in document.get("paths", {}).values():
            for method, operation in item.items():
                if method in {"get", "post", "put", "patch", "delete"}:
                    self._operations[operation["operationId"]] = operation

    @classmethod
    def load(cls, path: Path) -> Contract:
        try:
            text = path.read_text(encoding="utf-8")
            document = yaml.safe_load(text)
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read the reference contract {path}: {exc}") from exc
        if not isinstance(document, dict):
            raise ConfigError(f"{path}: not an OpenAPI document")
        return cls(document, text)

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in str(schema["$ref"]).removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def _operation(self, operation_id: str) -> dict[str, Any]:
        try:
            return self._operations[operation_id]
        except KeyError:
            raise ConfigError(f"operation {operation_id!r} is not in the reference contract") from None

    def validate_body(self, operation_id: str, body: Any, *, partial: bool = False) -> dict[str, Any]:
        """The body with readOnly and unknown properties removed; ``ApiError`` 400 when invalid.

        ``partial`` (a PATCH whose contract reuses the full schema, as the legacy API's does) skips
        the top-level ``required`` list, as DRF's partial updates do."""
        content = self._resolve(self._operation(operation_id)["requestBody"])["content"]["application/json"]
        errors: list[InvalidParam] = []
        if not isinstance(body, dict):
            kind = type(body).__name__ if body is not None else "null"
            reason = f"Ongeldige data. Verwacht een dictionary, kreeg een {kind}."
            raise validation_error([InvalidParam("nonFieldErrors", "invalid", reason)])
        schema = self._resolve(content["schema"])
        if partial:
            schema = {k: v for k, v in schema.items() if k != "required"}
        cleaned = self._check(schema, body, "", errors)
        if errors:
            raise validation_error(errors)
        assert isinstance(cleaned, dict)
        return cleaned

    def validate_query(self, operation_id: str, query: Mapping[str, str]) -> dict[str, Any]:
        """Typed query values; unknown parameters and invalid values give a 400."""
        declared = {
            p["name"]: p["schema"]
            for p in (self._resolve(p) for p in self._operation(operation_id).get("parameters", []))
            if p["in"] == "query"
        }
        unknown = sorted(set(query) - set(declared))
        if unknown:
            reason = "Onbekende query parameters: " + ", ".join(unknown)
            raise validation_error([InvalidParam("nonFieldErrors", "unknown-parameters", reason)])
        errors: list[InvalidParam] = []
        values: dict[str, Any] = {}
        for name, raw in query.items():
            schema = self._resolve(declared[name])
            value: Any = raw
            if schema.get("type") == "integer":
                if not _INTEGER_RE.match(raw):
                    errors.append(InvalidParam(name, "invalid", "Voer een geheel getal in."))
                    continue
                value = int(raw)
            checked = self._check(schema, value, name, errors)
            if checked is not _ABSENT:
                values[name] = checked
        if errors:
            raise validation_error(errors)
        return values

    def _check(self, schema: Mapping[str, Any], value: Any, name: str, errors: list[InvalidParam]) -> Any:
        schema = self._resolve(schema)
        if value is None:
            if schema.get("nullable"):
                return None
            errors.append(InvalidParam(name or "nonFieldErrors", "null", "Dit veld mag niet leeg zijn."))
            return _ABSENT
        for sub in schema.get("allOf", []):
            before = len(errors)
            value = self._check(sub, value, name, errors)
            if len(errors) > before:
                return _ABSENT
        if not {"type", "properties", "enum"} & schema.keys():
            return value  # a wrapper such as {allOf: [...], nullable: true}: already checked
        expected = schema.get("type")
        if expected is not None and not _is_type(value, expected):
            reason = f"Verwacht type {expected}, kreeg {_json_type(value)}."
            errors.append(InvalidParam(name or "nonFieldErrors", "invalid", reason))
            return _ABSENT
        if "enum" in schema and value not in schema["enum"]:
            errors.append(InvalidParam(name, "invalid_choice", f'"{value}" is een ongeldige keuze.'))
            return _ABSENT
        if isinstance(value, str):
            return self._check_string(schema, value, name, errors)
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = schema.get("minimum"), schema.get("maximum")
            if (low is not None and value < low) or (high is not None and value > high):
                errors.append(
                    InvalidParam(name, "invalid", f"Waarde {value} ligt buiten het toegestane bereik.")
                )
                return _ABSENT
            return value
        if isinstance(value, list):
            items = schema.get("items", {})
            checked = [self._check(items, item, f"{name}.{i}", errors) for i, item in enumerate(value)]
            return [item for item in checked if item is not _ABSENT]
        if isinstance(value, dict):
            return self._check_object(schema, value, name, errors)
        return value

    def _check_string(
        self, schema: Mapping[str, Any], value: str, name: str, errors: list[InvalidParam]
    ) -> Any:
        problem = None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problem = "Ongeldige tekens (losse surrogaten) in de tekst."
        if problem is None and len(value) > schema.get("maxLength", len(value)):
            problem = f"Zorg ervoor dat dit veld niet meer dan {schema['maxLength']} karakters bevat."
        elif problem is None and len(value) < schema.get("minLength", 0):
            problem = f"Zorg ervoor dat dit veld minimaal {schema['minLength']} karakters bevat."
        elif problem is None and "pattern" in schema and not re.search(schema["pattern"], value):
            problem = f"Deze waarde voldoet niet aan het patroon {schema['pattern']}."
        elif problem is None and schema.get("format") == "uuid" and not UUID_RE.match(value):
            problem = "Voer een geldige UUID in."
        elif problem is None and schema.get("format") == "date-time" and parse_datetime(value) is None:
            problem = "Datetime heeft een ongeldig formaat (verwacht RFC 3339 met tijdzone)."
        elif problem is None and schema.get("format") == "date" and not _is_date(value):
            problem = "Datum heeft een ongeldig formaat (verwacht YYYY-MM-DD)."
        elif problem is None and schema.get("format") in _FORMATS and not _FORMATS[schema["format"]](value):
            problem = f"Voer een geldige waarde in (formaat {schema['format']})."
        if problem is not None:
            errors.append(InvalidParam(name, "invalid", problem))
            return _ABSENT
        return value

    def _check_object(
        self, schema: Mapping[str, Any], value: dict[str, Any], name: str, errors: list[InvalidParam]
    ) -> Any:
        properties: Mapping[str, Any] = schema.get("properties", {})
        prefix = f"{name}." if name else ""
        cleaned: dict[str, Any] = {}
        for key in schema.get("required", []):
            if key not in value and not self._resolve(properties.get(key, {})).get("readOnly"):
                errors.append(InvalidParam(prefix + key, "required", "Dit veld is vereist."))
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            declared = properties.get(key)
            if declared is None and isinstance(extra, Mapping):
                declared = extra  # e.g. metadata: {additionalProperties: {type: string, maxLength: 255}}
            if declared is None or declared.get("readOnly") or self._resolve(declared).get("readOnly"):
                continue
            checked = self._check(declared, item, prefix + key, errors)
            if checked is not _ABSENT:
                cleaned[key] = checked
        return cleaned


def _is_type(value: Any, expected: str) -> bool:
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return type(value).__name__ == _TYPES.get(expected, "")


def _json_type(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)
