"""CONTRACT-STATUS and CONTRACT-PROBLEM-DETAILS are judged by the profile's policies, with sources.

The toy server answers like a ZGW-family server: 401 without credentials, 404 for an unknown item,
500 on /boom. Its contract here documents only success statuses, as Open Klant's 0.9.0 file does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conformance.policy import ProblemPolicy, StatusPolicy
from conformance.profiles import load_profile
from conformance.results import ContractFinding
from tests.engine.conftest import TOY_SPEC
from tests.support.contract import judge
from tests.support.toy_server import TOKEN

PROFILE = load_profile("klantinteracties-v1")


@pytest.fixture(scope="module")
def success_only_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy contract with every 4xx response removed, and /html documenting only a 204."""
    document: dict[str, Any] = yaml.safe_load(TOY_SPEC.read_text(encoding="utf-8"))
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"] = {
                    k: v for k, v in operation["responses"].items() if not k.startswith("4")
                }
    document["paths"]["/html"] = {
        "get": {"operationId": "html", "responses": {"204": {"description": "none"}}}
    }
    path = tmp_path_factory.mktemp("spec") / "success-only.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def _findings(spec: Path, root: str, response: httpx.Response, policy: StatusPolicy) -> list[ContractFinding]:
    findings, checked = judge(spec, root, response, secrets=(TOKEN,), status_policy=policy)
    assert "CONTRACT-STATUS" in checked
    return findings


def _status_findings(findings: list[ContractFinding]) -> list[ContractFinding]:
    return [f for f in findings if f.requirement == "CONTRACT-STATUS"]


@pytest.mark.parametrize(("path", "token"), [("/items", None), ("/items/unknown", TOKEN)])
def test_an_undocumented_401_or_404_passes_contract_status(
    toy_url: str, success_only_spec: Path, path: str, token: str | None
) -> None:
    headers = {"Authorization": f"Token {token}"} if token else {}
    response = httpx.get(toy_url + path, headers=headers)
    assert response.status_code in (401, 404)
    assert _findings(success_only_spec, toy_url, response, PROFILE.status_policy) == []
    # Without the profile's policy the same response is a finding: the test can fail.
    [finding] = _status_findings(_findings(success_only_spec, toy_url, response, StatusPolicy()))
    assert f"Undocumented status code {response.status_code}" in finding.message


def test_a_500_is_one_finding_under_no_server_error(toy_url: str, success_only_spec: Path) -> None:
    """An undocumented 500 is one defect: not also an undocumented status (two MUST failures)."""
    response = httpx.get(toy_url + "/boom")
    assert response.status_code == 500
    findings, checked = judge(
        success_only_spec, toy_url, response, secrets=(TOKEN,), status_policy=PROFILE.status_policy
    )
    assert [f.requirement for f in findings] == ["CONTRACT-NO-SERVER-ERROR"]
    assert "CONTRACT-STATUS" in checked  # judged: the server error is the one finding
    [error] = findings
    assert error.basis is not None and error.basis["pointer"] == "/paths/~1boom/get/responses"
    assert error.basis["document"]["title"] == "Toy items" and len(error.basis["document"]["sha256"]) == 64


def test_an_undocumented_2xx_fails_contract_status(toy_url: str, success_only_spec: Path) -> None:
    response = httpx.get(toy_url + "/html")
    assert response.status_code == 200
    [finding] = _status_findings(_findings(success_only_spec, toy_url, response, PROFILE.status_policy))
    assert "Undocumented status code 200" in finding.message and "documents 204" in finding.message


def test_the_profile_names_each_implicit_status_with_its_source() -> None:
    implicit = PROFILE.status_policy.implicit
    assert sorted(implicit) == [400, 401, 403, 404, 405, 406, 409, 410, 412, 415, 429]
    assert all("RFC" in source for source in implicit.values())


@pytest.mark.parametrize(
    ("status", "body", "policy_pointer"),
    [
        (
            404,
            b'{"code": "not_found", "title": "N", "status": 404, "detail": "x", "instance": "u"}',
            None,
        ),
        (400, b'{"code": "parse_error", "title": "t", "status": 400, "detail": "d", "instance": "u"}', None),
        (
            415,
            b'{"code": "unsupported", "title": "t", "status": 415, "detail": "d", "instance": "i"}',
            None,
        ),
        (
            400,
            b'{"code": "invalid", "title": "t", "status": 400, "detail": "d", "instance": "u"}',
            "/problem_details/validation_codes",
        ),
        (
            400,
            b'{"code": "invalid", "title": "t", "status": 400, "detail": "d", "instance": "u", '
            b'"invalidParams": [{"name": "x", "code": "required", "reason": "r"}]}',
            None,
        ),
        (
            401,
            b'{"code": "c", "title": "t", "status": 403, "detail": "d", "instance": "u"}',
            "/problem_details/schema",
        ),
        (404, b"<html>Not Found</html>", "/problem_details/schema"),
        (404, b'{"detail": "Not found."}', "/problem_details/schema"),
        (404, b"", None),
        (500, b"boom", None),
    ],
)
def test_problem_details_policy(status: int, body: bytes, policy_pointer: str | None) -> None:
    policy = PROFILE.problem_policy
    assert isinstance(policy, ProblemPolicy)
    problems = policy.problems(status, body)
    if policy_pointer is None:
        assert problems == []
    else:
        assert problems and {pointer for _, pointer in problems} == {policy_pointer}
