"""Loader errors name the file, the exact line and the key, with a suggestion where one exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.errors import ScenarioFormatError
from conformance.loader import check_collection, load_scenario, parse_scenario
from conformance.yamlsafe import MAX_EXPANDED_NODES, loads

VALID = """\
id: T-1
title: t
description: d
verifies: [KLOK01-R1]
profiles: [klantinteracties-v1]
level: MUST
vars:
  bsn: "{{ gen.bsn }}"
steps:
  - name: one
    request: {operation: partijenCreate, json: {a: "{{ bsn }}"}}
    expect: {status: 201}
    capture: {p: uuid}
    cleanup: {operation: partijenDestroy, path_params: {uuid: "{{ p }}"}}
"""


def _error(text: str, tmp_path: Path) -> ScenarioFormatError:
    path = tmp_path / "bad.scenario.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioFormatError) as info:
        load_scenario(path)
    assert info.value.file == str(path)
    return info.value


def test_valid_file_builds_the_model(tmp_path: Path) -> None:
    path = tmp_path / "ok.scenario.yaml"
    path.write_text(VALID, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.id == "T-1" and scenario.verifies == ("KLOK01-R1",)
    assert scenario.steps[0].captures[0].path == "uuid"
    assert scenario.steps[0].cleanup is not None and scenario.steps[0].cleanup.operation == "partijenDestroy"
    assert scenario.steps[0].line == 10


def test_misspelled_key_names_line_and_suggests(tmp_path: Path) -> None:
    error = _error(VALID.replace("    expect: {status: 201}", "    expcet: {status: 201}"), tmp_path)
    assert error.line == 12
    assert error.key == "expcet"
    assert error.suggestion == "did you mean `expect`?"


def test_unknown_top_level_key(tmp_path: Path) -> None:
    error = _error(VALID.replace("level: MUST", "level: MUST\nverifes: [x]"), tmp_path)
    assert error.line == 7 and error.key == "verifes" and "verifies" in str(error.suggestion)


def test_missing_required_key(tmp_path: Path) -> None:
    error = _error(VALID.replace("title: t\n", ""), tmp_path)
    assert "missing required key `title`" in error.message
    assert error.line == 1


def test_bad_enum_value_suggests(tmp_path: Path) -> None:
    error = _error(VALID.replace("level: MUST", "level: MUTS"), tmp_path)
    assert error.line == 6 and error.suggestion == "did you mean `MUST`?"


def test_request_needs_operation_or_method_and_path(tmp_path: Path) -> None:
    error = _error(VALID.replace("{operation: partijenCreate, json", "{method: POST, json"), tmp_path)
    assert error.line == 11
    assert "either `operation` or both `method` and `path`" in error.message


def test_undefined_variable_is_a_format_error(tmp_path: Path) -> None:
    error = _error(VALID.replace('json: {a: "{{ bsn }}"}', 'json: {a: "{{ bns }}"}'), tmp_path)
    assert error.line == 11 and "bns" in error.message and error.suggestion == "did you mean `bsn`?"


def test_capture_used_before_its_step_is_an_error(tmp_path: Path) -> None:
    error = _error(VALID.replace('json: {a: "{{ bsn }}"}', 'json: {a: "{{ p }}"}'), tmp_path)
    assert "used before it is defined" in error.message


def test_unknown_generator(tmp_path: Path) -> None:
    error = _error(VALID.replace("gen.bsn", "gen.bns"), tmp_path)
    assert error.line == 8 and error.suggestion == "did you mean `bsn`?"


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    error = _error(VALID.replace("level: MUST", "level: MUST\nlevel: SHOULD"), tmp_path)
    assert error.line == 7 and "duplicate key 'level'" in error.message


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    error = _error(VALID.replace("verifies: [KLOK01-R1]", "verifies: [KLOK01-R1"), tmp_path)
    assert error.line is not None and error.line >= 4
    assert "invalid YAML" in error.message


def test_billion_laughs_is_rejected_not_expanded() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    with pytest.raises(ScenarioFormatError) as info:
        loads("\n".join(lines))
    assert str(MAX_EXPANDED_NODES) in info.value.message


def test_recursive_alias_is_rejected() -> None:
    with pytest.raises(ScenarioFormatError):
        loads("a: &x [*x]")


def test_parallel_step_needs_expect_set_not_expect(tmp_path: Path) -> None:
    text = VALID.replace("    expect: {status: 201}", "    parallel: 4\n    expect: {status: 201}")
    error = _error(text, tmp_path)
    assert error.line == 10


def test_duplicate_ids_and_unknown_requirements() -> None:
    data = loads(VALID)
    first = parse_scenario(data, Path("a.scenario.yaml"))
    second = parse_scenario(loads(VALID.replace("KLOK01-R1", "KLOK01-R99")), Path("b.scenario.yaml"))
    problems = check_collection([first, second], {"KLOK01-R1", "KLOK01-R9"})
    messages = [p.message for p in problems]
    assert any("duplicate scenario id `T-1`" in m for m in messages)
    unknown = next(p for p in problems if "unknown requirement" in p.message)
    assert unknown.file == "b.scenario.yaml" and unknown.line == 4
    assert unknown.suggestion == "did you mean `KLOK01-R9`?"
