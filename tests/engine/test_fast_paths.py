"""The run's faster paths judge exactly as the slower ones did (issue 14).

libyaml parses, PyYAML words every refusal; one converted response serves every contract check;
one TLS context serves every client. Each test holds a fast path to the behaviour it replaced.
"""

from __future__ import annotations

import copy
import datetime
import json
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import yamlsafe
from conformance.client import shared_ssl_context
from conformance.contract import ContractValidator
from conformance.errors import ScenarioFormatError
from conformance.evidence import Exchange, Redactor
from conformance.profiles import load_profile
from conformance.resources import data_root
from conformance.results import ContractFinding
from tests.engine.conftest import TOY_SPEC

ROOT = "http://toy.invalid/api"
SHIPPED_YAML = sorted(
    p for p in data_root().rglob("*") if p.suffix in (".yaml", ".yml") and ".venv" not in p.parts
)


def _lines(value: Any) -> Any:
    """The data with every line number ``yamlsafe`` attaches, for comparing two loaders."""
    if isinstance(value, yamlsafe.LineDict):
        items = tuple((k, _lines(v)) for k, v in value.items())
        return ("map", value.line, tuple(sorted(value.key_lines.items())), items)
    if isinstance(value, yamlsafe.LineList):
        return ("seq", value.line, tuple(value.item_lines), tuple(_lines(v) for v in value))
    return (type(value).__name__, value)


def _reference(text: str) -> Any:
    """What the pure-Python loader alone makes of ``text`` (data, or the refusal's wording)."""
    try:
        return _lines(yamlsafe._parse(yamlsafe._LineLoader, text, "f.yaml"))
    except ScenarioFormatError as exc:
        return str(exc)


def _loaded(text: str) -> Any:
    try:
        return _lines(yamlsafe.loads(text, name="f.yaml"))
    except ScenarioFormatError as exc:
        return str(exc)


def test_shipped_yaml_files_are_found() -> None:
    assert any(p.name.endswith(".scenario.yaml") for p in SHIPPED_YAML)
    assert any(p.name == "openapi.yaml" for p in SHIPPED_YAML)


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: str(p.relative_to(data_root())))
def test_libyaml_and_pure_python_agree_on_data_and_lines(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _loaded(text) == _reference(text)
    assert yamlsafe.safe_load(path.read_bytes()) == yaml.safe_load(path.read_bytes())


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key (our constructor)
        "a: [1, 2\n",  # unclosed flow sequence
        "a:\n\t- 1\n",  # a tab where indentation is expected
        "key: value\n  bad: indent\n",
        "- &x [*x]\n",  # recursive alias
        "a: &a [1, 2]\nb: [*a, *a, *a]\n" + "".join(f"c{i}: [*a, *a]\n" for i in range(3)),
        "",
        "\x07: 1\n",  # a control character
    ],
)
def test_a_refusal_is_the_pure_python_loaders_in_every_word(text: str) -> None:
    assert _loaded(text) == _reference(text)


def test_without_libyaml_the_pure_python_loader_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsafe, "_FastLineLoader", None)
    monkeypatch.setattr(yamlsafe, "_FAST_SAFE", None)
    assert yamlsafe.loads("a: [1]\n").key_lines == {"a": 1}
    assert yamlsafe.safe_load(b"a: 1") == {"a": 1}
    with pytest.raises(yaml.YAMLError):
        yamlsafe.safe_load("a: [1\n")


def test_safe_load_refuses_what_yaml_safe_load_refuses() -> None:
    with pytest.raises(yaml.YAMLError) as ours:
        yamlsafe.safe_load("a: [1\n")
    with pytest.raises(yaml.YAMLError) as theirs:
        yaml.safe_load("a: [1\n")
    assert str(ours.value) == str(theirs.value)


def _validate(
    validator: ContractValidator, status: int, body: bytes, content_type: str, path: str = "/items/some-uuid"
) -> list[ContractFinding]:
    """Judge one response of ``GET path`` as the runner does (a fully read httpx response)."""
    request = httpx.Request("GET", ROOT + path, headers={"X-A": "1"})
    response = httpx.Response(status, headers={"content-type": content_type}, content=body, request=request)
    response.elapsed = datetime.timedelta(seconds=0.001)
    exchange = Exchange("t", "GET", str(request.url), {}, status=status)
    findings, checked = validator.validate(exchange, response, "test")
    assert {"CONTRACT-SCHEMA", "CONTRACT-CONTENT-TYPE", "CONTRACT-NO-SERVER-ERROR"} <= checked
    return findings


def _judge(validator: ContractValidator, status: int, body: bytes, content_type: str) -> set[str]:
    return {f.requirement for f in _validate(validator, status, body, content_type)}


def test_one_validator_judges_each_response_afresh() -> None:
    """One converted response serves the three checks; nothing of one response leaks into the next."""
    validator = ContractValidator(TOY_SPEC, ROOT, Redactor())
    good = b'{"uuid": "u", "name": "n"}'
    bad_schema = b'{"uuid": 1}'
    assert _judge(validator, 200, good, "application/json") == set()
    assert _judge(validator, 200, bad_schema, "application/json") == {"CONTRACT-SCHEMA"}
    assert _judge(validator, 200, good, "application/json") == set()
    assert _judge(validator, 200, b"<p>hi</p>", "text/html") == {"CONTRACT-CONTENT-TYPE"}
    assert "CONTRACT-NO-SERVER-ERROR" in _judge(validator, 500, b"{}", "application/json")
    assert _judge(validator, 200, bad_schema, "application/json") == {"CONTRACT-SCHEMA"}


def test_validators_of_different_contracts_judge_by_their_own(tmp_path: Path) -> None:
    document = yaml.safe_load(TOY_SPEC.read_text(encoding="utf-8"))
    document["components"]["schemas"]["Item"]["required"] = ["uuid"]
    document["components"]["schemas"]["Item"]["properties"]["uuid"] = {"type": "integer"}
    loose = tmp_path / "loose.yaml"
    loose.write_text(yaml.safe_dump(document), encoding="utf-8")
    strict_validator = ContractValidator(TOY_SPEC, ROOT, Redactor())
    loose_validator = ContractValidator(loose, ROOT, Redactor())
    body = b'{"uuid": 1}'
    assert _judge(strict_validator, 200, body, "application/json") == {"CONTRACT-SCHEMA"}
    assert _judge(loose_validator, 200, body, "application/json") == set()
    assert _judge(strict_validator, 200, body, "application/json") == {"CONTRACT-SCHEMA"}


def test_one_tls_context_per_verification_mode() -> None:
    verifying = shared_ssl_context(True)
    assert shared_ssl_context(True) is verifying
    assert verifying.verify_mode == ssl.CERT_REQUIRED and verifying.check_hostname
    lax = shared_ssl_context(False)
    assert lax is not verifying and lax.verify_mode == ssl.CERT_NONE


def test_a_changed_ca_setting_gets_its_own_context(monkeypatch: pytest.MonkeyPatch) -> None:
    import certifi

    before = shared_ssl_context(True)
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    assert shared_ssl_context(True) is not before


def test_a_control_character_is_a_format_error_not_a_crash() -> None:
    """PyYAML's reader refuses it before parsing; it used to escape as a bare ``ReaderError``."""
    with pytest.raises(ScenarioFormatError) as refused:
        yamlsafe.loads("name: ok\nbad: \x07\n", name="f.yaml")
    assert "special characters are not allowed" in str(refused.value)


CORPUS = [
    (200, b'{"uuid": "u", "name": "n"}', "application/json"),
    (200, b'{"uuid": 1}', "application/json"),
    (200, b"not json", "application/json"),
    (200, b"<p>hi</p>", "text/html"),
    (404, b'{"title": "x"}', "application/problem+json"),
    (404, b"", "text/plain"),
    (500, b"{}", "application/json"),
    (201, b"{}", "application/json"),
]


def _findings(validator: ContractValidator) -> list[tuple[str, str, str]]:
    return [
        (f.requirement, f.check, f.message)
        for status, body, content_type in CORPUS
        for f in _validate(validator, status, body, content_type, "/items/some-uuid?name=a%20b")
    ]


def test_the_response_built_for_the_checks_is_judged_as_schemathesis_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every finding, message included, is the one schemathesis' own conversion leads to."""
    from schemathesis.core.transport import Response

    from conformance import contract

    from_profile = ContractValidator.for_profile
    profile = load_profile("klantinteracties-v1")
    ours = _findings(from_profile(TOY_SPEC, ROOT, Redactor(), profile))
    monkeypatch.setattr(contract, "_as_schemathesis", Response.from_any)
    theirs = _findings(from_profile(TOY_SPEC, ROOT, Redactor(), profile))
    assert ours == theirs
    assert {r for r, _, _ in ours} >= {"CONTRACT-SCHEMA", "CONTRACT-CONTENT-TYPE", "CONTRACT-NO-SERVER-ERROR"}


def test_a_problem_policy_built_once_still_refuses_each_bad_body() -> None:
    from conformance.policy import ProblemPolicy

    strict = ProblemPolicy(schema={"type": "object", "required": ["title"]})
    lax = ProblemPolicy(schema={"type": "object"})
    assert strict.problems(400, b'{"title": "x"}') == []
    assert [m for m, _ in strict.problems(400, b"{}")] == ["HTTP 400: body: 'title' is a required property"]
    assert strict.problems(400, b'{"title": "x"}') == []
    assert lax.problems(400, b"{}") == []
    assert strict.problems(404, b"[]") and strict.problems(404, b"{}")


def test_the_command_keeps_httpx_from_importing_its_command_line_client() -> None:
    """rich and click (httpx's own CLI) cost 50 ms of CPU per run; the run never uses them."""
    code = (
        "import sys; from conformance import cli; cli._without_httpx_cli(); import httpx; "
        "print('rich' in sys.modules, callable(httpx.main))"
    )
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.split() == ["False", "True"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**70) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
SCENARIO_DOCUMENTS = [
    json.loads(json.dumps(yamlsafe.load_yaml(p))) for p in SHIPPED_YAML if p.name.endswith(".scenario.yaml")
]


def _mutate(document: Any, choices: list[int], value: Any) -> Any:
    """``document`` with one node (picked by ``choices``) replaced by ``value``, deleted or given a key."""
    document = copy.deepcopy(document)
    node, step = document, 0
    while isinstance(node, dict | list) and node and step < len(choices) - 1:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = keys[choices[step] % len(keys)]
        action = choices[step + 1] % 5
        if action == 0:
            node[key] = value  # type: ignore[index]
            return document
        if action == 1 and isinstance(node, dict):
            del node[key]
            return document
        if action == 2 and isinstance(node, dict):
            node["unknown_" + str(key)] = value
            return document
        node = node[key]  # type: ignore[index]
        step += 2
    return document


CHOICES = st.lists(st.integers(0, 50), min_size=2, max_size=16)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.integers(0, len(SCENARIO_DOCUMENTS) - 1), CHOICES, JSON)
def test_what_the_quick_check_passes_the_scenario_schema_passes(
    index: int, choices: list[int], value: Any
) -> None:
    """jsonschema-rs may only ever skip the slow check: never pass a file ``jsonschema`` refuses."""
    from conformance import loader

    document = _mutate(SCENARIO_DOCUMENTS[index], choices, value)
    if loader._quick().valid(document):
        assert loader._validator().is_valid(document), document


@settings(max_examples=300, deadline=None, derandomize=True)
@given(JSON | st.fixed_dictionaries({"code": JSON, "title": JSON, "status": JSON, "invalidParams": JSON}))
def test_what_the_quick_check_passes_the_problem_schema_passes(body: Any) -> None:
    policy = load_profile("klantinteracties-v1").problem_policy
    assert policy is not None
    if policy._quick.valid(body):
        assert policy._validator.is_valid(body), body


def test_the_quick_check_passes_every_shipped_scenario_and_a_good_problem() -> None:
    """Else it would save nothing (the tests above would pass with a check that passes nothing)."""
    from conformance import loader

    assert all(loader._quick().valid(document) for document in SCENARIO_DOCUMENTS)
    policy = load_profile("klantinteracties-v1").problem_policy
    assert policy is not None
    good = {"type": "x", "code": "not_found", "title": "t", "status": 404, "detail": "d", "instance": "i"}
    assert policy._quick.valid(good) and policy.problems(404, json.dumps(good).encode()) == []


def test_a_refused_scenario_is_still_worded_by_jsonschema() -> None:
    from conformance.loader import validate_document

    document = copy.deepcopy(SCENARIO_DOCUMENTS[0])
    document["titel"] = "typo"
    with pytest.raises(ScenarioFormatError, match="unknown key `titel`"):
        validate_document(document, "f.yaml")
