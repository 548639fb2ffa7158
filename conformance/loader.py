"""Scenario files → validated ``model.Scenario`` objects, or errors a person can act on.

Validation has two passes: the JSON Schema (shape), then references (every ``{{ name }}`` is
defined before use; every ``gen.*`` exists). Both point at file, line and key, with a "did you
mean" where a close match exists.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.auth import AuthMode
from conformance.errors import ScenarioFormatError
from conformance.fastschema import QuickCheck
from conformance.model import (
    BODY_OPERATORS,
    Assertion,
    Capture,
    CountAssertion,
    Expect,
    HeaderAssertion,
    RequestSpec,
    Scenario,
    StatusItem,
    Step,
)
from conformance.resources import package_file
from conformance.targetdata import TargetData
from conformance.templating import names_in
from conformance.yamlsafe import line_of, load_yaml

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SCENARIO_SUFFIX = ".scenario.yaml"
GENERATOR_NAMES = TargetData("names").names
BUILTIN_NAMES = frozenset({"run_id", "refusal_statuses"})


@functools.cache
def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format (shipped in the package)."""
    with package_file("scenario.schema.json").open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


@functools.cache
def _validator() -> Any:
    """``jsonschema``'s validator of the format: it decides and words every refusal."""
    import jsonschema

    return jsonschema.Draft202012Validator(scenario_schema())


@functools.cache
def _quick() -> QuickCheck:
    """The fast "valid" answer for the (nearly all) files that pass; see ``conformance.fastschema``."""
    return QuickCheck(scenario_schema())


def _suggest(word: str, options: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean `{match[0]}`?" if match else None


def _describe(error: ValidationError, data: Any, file: str) -> ScenarioFormatError:
    """Turn a schema error into file, line, key and a suggestion."""
    path = list(error.absolute_path)
    where = ".".join(str(p) for p in path) or "<top level>"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - allowed)
        key = extra[0] if extra else None
        line = line_of(data, [*path, key]) if key else line_of(data, path)
        suggestion = _suggest(key, allowed) if key else None
        return ScenarioFormatError(
            file, line, f"unknown key `{key}` in {where}", key=key, suggestion=suggestion
        )
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return ScenarioFormatError(
            file, line_of(data, path), f"missing required key `{missing}` in {where}", key=missing
        )
    if error.validator == "enum" and isinstance(error.instance, str):
        suggestion = _suggest(error.instance, [str(v) for v in error.validator_value])
        options = ", ".join(str(v) for v in error.validator_value)
        return ScenarioFormatError(
            file,
            line_of(data, path),
            f"{where}: {error.instance!r} is not one of {options}",
            key=str(path[-1]) if path else None,
            suggestion=suggestion,
        )
    if error.validator == "oneOf" and path and path[-1] in ("request", "cleanup"):
        return ScenarioFormatError(
            file,
            line_of(data, path),
            f"{where}: give either `operation` or both `method` and `path`",
            key=str(path[-1]),
        )
    key = str(path[-1]) if path else None
    return ScenarioFormatError(file, line_of(data, path), f"{where}: {error.message}", key=key)


def validate_document(data: Any, file: str) -> None:
    """Raise the most relevant schema error of ``data``, if any."""
    if _quick().valid(data):
        return
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(data))
    if error is not None:
        raise _describe(error, data, file)


def schema_errors(data: Any, file: str) -> list[ScenarioFormatError]:
    """Every schema error of ``data`` (one per unknown key), ordered by line."""
    if _quick().valid(data):
        return []
    from jsonschema.exceptions import best_match

    out: list[ScenarioFormatError] = []
    for error in _validator().iter_errors(data):
        relevant = best_match([error]) or error
        if relevant.validator == "additionalProperties" and isinstance(relevant.instance, dict):
            allowed = set(relevant.schema.get("properties", {}))
            for extra in sorted(set(relevant.instance) - allowed):
                where = ".".join(str(p) for p in relevant.absolute_path) or "<top level>"
                out.append(
                    ScenarioFormatError(
                        file,
                        line_of(data, [*relevant.absolute_path, extra]),
                        f"unknown key `{extra}` in {where}",
                        key=extra,
                        suggestion=_suggest(extra, allowed),
                    )
                )
        else:
            out.append(_describe(relevant, data, file))
    return _unique_by_line(out)


def _unique_by_line(errors: Iterable[ScenarioFormatError]) -> list[ScenarioFormatError]:
    seen: dict[str, ScenarioFormatError] = {}
    for error in errors:
        seen.setdefault(str(error), error)
    return sorted(seen.values(), key=lambda e: (e.line or 0, e.message))


def _statuses(value: Any) -> tuple[StatusItem, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _request(raw: dict[str, Any]) -> RequestSpec:
    return RequestSpec(
        operation=raw.get("operation"),
        method=raw.get("method"),
        path=raw.get("path"),
        path_params=dict(raw.get("path_params") or {}),
        query=dict(raw.get("query") or {}),
        headers=dict(raw.get("headers") or {}),
        json=raw.get("json"),
        has_json="json" in raw,
        auth=AuthMode(raw.get("auth", "default")),
    )


def _header_assertions(raw: dict[str, Any]) -> tuple[HeaderAssertion, ...]:
    out = []
    for name, spec in raw.items():
        if isinstance(spec, str):
            out.append(HeaderAssertion(name, "equals", spec))
        else:
            for operator, operand in spec.items():
                out.append(HeaderAssertion(name, operator, operand))
    return tuple(out)


def _expect(raw: dict[str, Any] | None) -> Expect | None:
    if raw is None:
        return None
    body = []
    for item in raw.get("body") or []:
        for operator in BODY_OPERATORS:
            if operator in item:
                body.append(Assertion(item["path"], operator, item[operator]))
    return Expect(
        status=_statuses(raw.get("status")),
        headers=_header_assertions(raw.get("headers") or {}),
        body=tuple(body),
        body_excludes=tuple(raw.get("body_excludes") or ()),
        problem=bool(raw.get("problem", False)),
        invalid_params=tuple(raw.get("invalid_params") or ()),
        contract=bool(raw.get("contract", True)),
    )


def _captures(raw: dict[str, Any]) -> tuple[Capture, ...]:
    out = []
    for name, spec in raw.items():
        if isinstance(spec, str):
            out.append(Capture(name, "body", spec))
        elif "header" in spec:
            out.append(Capture(name, "header", spec["header"]))
        elif "status" in spec:
            out.append(Capture(name, "status", ""))
        else:
            out.append(Capture(name, "body", spec["body"]))
    return tuple(out)


def _step(raw: Any) -> Step:
    expect_set = raw.get("expect_set") or {}
    counts = tuple(
        CountAssertion(_statuses(c["status"]), c.get("equals"), c.get("at_least"), c.get("at_most"))
        for c in expect_set.get("counts") or []
    )
    return Step(
        name=raw["name"],
        request=_request(raw["request"]),
        expect=_expect(raw.get("expect")),
        captures=_captures(raw.get("capture") or {}),
        cleanup=_request(raw["cleanup"]) if raw.get("cleanup") else None,
        parallel=raw.get("parallel"),
        expect_each=_expect(expect_set.get("each")),
        counts=counts,
        setup=bool(raw.get("setup", False)),
        verify=bool(raw.get("verify", False)),
        line=getattr(raw, "line", None),
    )


def _check_names(data: Any, file: str) -> None:
    """Every template name must be defined before the place it is used."""
    errors = _name_errors(data, file)
    if errors:
        raise errors[0]


def _name_errors(data: Any, file: str) -> list[ScenarioFormatError]:
    """Every use of an unknown generator or of a variable before its definition, in file order."""
    known = set(BUILTIN_NAMES)
    errors: list[ScenarioFormatError] = []

    def check(value: Any, path: list[str | int]) -> None:
        for name in names_in(value):
            if name.startswith("gen."):
                gen = name[4:]
                if gen not in GENERATOR_NAMES:
                    errors.append(
                        ScenarioFormatError(
                            file,
                            line_of(data, path),
                            f"unknown generator `{name}`",
                            key=name,
                            suggestion=_suggest(gen, GENERATOR_NAMES),
                        )
                    )
            elif name not in known:
                errors.append(
                    ScenarioFormatError(
                        file,
                        line_of(data, path),
                        f"variable `{name}` is used before it is defined",
                        key=name,
                        suggestion=_suggest(name, known)
                        or "define it under `vars` or capture it in an earlier step",
                    )
                )

    for name, value in (data.get("vars") or {}).items():
        check(value, ["vars", name])
        known.add(name)
    for index, step in enumerate(data["steps"]):
        for key in ("request", "expect", "expect_set"):
            check(step.get(key), ["steps", index, key])
        known.update(step.get("capture") or {})
        check(step.get("cleanup"), ["steps", index, "cleanup"])
    return errors


def parse_scenario(data: Any, path: Path) -> Scenario:
    """Validate one loaded document and build the model."""
    file = str(path)
    validate_document(data, file)
    _check_names(data, file)
    return Scenario(
        id=data["id"],
        title=data["title"],
        description=data["description"],
        verifies=tuple(data["verifies"]),
        profiles=tuple(data["profiles"]),
        level=data["level"],
        steps=tuple(_step(s) for s in data["steps"]),
        file=path,
        tags=tuple(data.get("tags") or ()),
        requires=tuple(data.get("requires") or ()),
        refusal_statuses=tuple(data.get("refusal_statuses") or ()),
        vars=tuple((data.get("vars") or {}).items()),
        line=getattr(data, "line", 1),
        key_lines=dict(getattr(data, "key_lines", {})),
    )


def load_scenario(path: Path) -> Scenario:
    """Load, validate and build one scenario file."""
    return parse_scenario(load_yaml(path), path)


def scenario_errors(path: Path) -> tuple[Scenario | None, list[ScenarioFormatError]]:
    """Every format error of one file (for ``validate``), or its scenario when there is none."""
    try:
        data = load_yaml(path)
    except ScenarioFormatError as exc:  # a YAML syntax error: nothing after it can be read
        return None, [exc]
    errors = schema_errors(data, str(path)) or _unique_by_line(_name_errors(data, str(path)))
    if errors:
        return None, errors
    return parse_scenario(data, path), []


def scenario_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every ``*.scenario.yaml`` under ``paths`` (files are taken as given), sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(path.rglob(f"*{SCENARIO_SUFFIX}"))
        else:
            yield path


def check_collection(
    scenarios: Iterable[Scenario], known_requirements: set[str]
) -> list[ScenarioFormatError]:
    """Cross-file rules: ids are unique and every ``verifies`` id is catalogued."""
    problems: list[ScenarioFormatError] = []
    seen: dict[str, Scenario] = {}
    for scenario in scenarios:
        line = scenario.key_lines.get("id", scenario.line)
        if scenario.id in seen:
            problems.append(
                ScenarioFormatError(
                    str(scenario.file),
                    line,
                    f"duplicate scenario id `{scenario.id}` (also in {seen[scenario.id].file})",
                    key="id",
                )
            )
        seen.setdefault(scenario.id, scenario)
        for requirement in scenario.verifies:
            if requirement not in known_requirements:
                problems.append(
                    ScenarioFormatError(
                        str(scenario.file),
                        scenario.key_lines.get("verifies", scenario.line),
                        f"unknown requirement id `{requirement}` in verifies",
                        key="verifies",
                        suggestion=_suggest(requirement, known_requirements),
                    )
                )
    return problems
