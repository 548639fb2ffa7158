"""Verdict honesty of the runner: no verdict claims more than the exchanges show (issue 8)."""

from __future__ import annotations

import json

from conformance.auth import ZgwJwtAuth
from conformance.verdicts import Verdict
from tests.engine.conftest import RunScenario
from tests.support.toy_server import TOKEN

HEAD = """
id: T-H
title: t
description: d
verifies: [KLOK01-R1]
profiles: [klantinteracties-v1]
level: MUST
"""


def _everything(result: object) -> str:
    """Every text of a result that leaves the run: message, failure, evidence, findings."""
    from conformance.results import ScenarioResult

    assert isinstance(result, ScenarioResult)
    return "\n".join(
        [
            result.message,
            str(result.failure),
            repr(result.failure),
            getattr(result.failure, "describe", lambda: "")(),
            json.dumps([e.to_dict() for e in result.exchanges]),
            json.dumps([f.to_dict() for f in result.contract_findings]),
        ]
    )


# -- point 3: credential and root problems are errors, not failures ---------------------------------


def test_refused_run_credentials_are_an_error_not_a_fail(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD + "steps:\n  - {name: list, request: {operation: itemsList}, expect: {status: 200}}\n",
        token="not-the-right-token-42",
    )
    assert result.verdict is Verdict.ERROR, result.message
    assert "credentials refused" in result.message
    assert "not-the-right-token-42" not in _everything(result)


def test_expected_refusal_with_other_credentials_still_passes(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + "steps:\n  - {name: x, request: {operation: itemsList, auth: invalid}, expect: {status: 401}}\n"
    )
    assert result.verdict is Verdict.PASS, result.message


def test_404_on_a_declared_collection_is_an_error_not_a_fail(run_scenario: RunScenario, toy_url: str) -> None:
    result = run_scenario(
        HEAD + "steps:\n  - {name: list, request: {operation: itemsList}, expect: {status: 200}}\n",
        root=toy_url + "-typo",
    )
    assert result.verdict is Verdict.ERROR, result.message
    assert "operation not found at this root" in result.message


def test_404_on_a_detail_is_still_judged(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD + "steps:\n  - {name: x, request: {operation: itemsRetrieve, path_params: {uuid: nope}},"
        " expect: {status: 200}}\n"
    )
    assert result.verdict is Verdict.FAIL, result.message


# -- point 4: a server error fails a step that did not expect it -------------------------------------


def test_step_without_expect_fails_on_500(run_scenario: RunScenario) -> None:
    result = run_scenario(HEAD + "steps:\n  - {name: x, request: {method: GET, path: /boom}}\n")
    assert result.verdict is Verdict.FAIL, result.message
    assert "500" in result.message


def test_step_with_only_body_excludes_fails_on_500(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD + "steps:\n  - {name: x, request: {method: GET, path: /boom}, expect: {body_excludes: [abc]}}\n"
    )
    assert result.verdict is Verdict.FAIL, result.message


def test_explicitly_expected_500_passes(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD + "steps:\n  - {name: x, request: {method: GET, path: /boom}, expect: {status: 500}}\n"
    )
    assert result.verdict is Verdict.PASS, result.message


def test_parallel_set_without_each_fails_on_500(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
steps:
  - name: race
    parallel: 2
    request: {method: GET, path: /boom}
    expect_set:
      counts: [{status: "2xx", at_most: 1}]
"""
    )
    assert result.verdict is Verdict.FAIL, result.message


# -- point 5: a verify step is a control, not the rule -----------------------------------------------


def test_verify_step_with_a_server_error_is_inconclusive(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
steps:
  - name: control lookup
    verify: true
    request: {method: GET, path: /boom}
    expect: {status: 200, body: [{path: count, equals: 0}]}
"""
    )
    assert result.verdict is Verdict.INCONCLUSIVE, result.message
    assert "control lookup" in result.message and "500" in result.message


def test_verify_step_body_mismatch_is_still_a_fail(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
steps:
  - name: control lookup
    verify: true
    request: {operation: itemsList, query: {name: nobody-has-this-name}}
    expect: {status: 200, body: [{path: count, equals: 1}]}
"""
    )
    assert result.verdict is Verdict.FAIL, result.message


# -- point 6: no secret in any text --------------------------------------------------------------------


def test_echoed_credential_is_redacted_from_message_failure_and_evidence(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD + "steps:\n  - {name: x, request: {method: GET, path: /echo},"
        " expect: {status: 400, body: [{path: detail, equals: ok}], contract: false}}\n"
    )
    assert result.verdict is Verdict.FAIL
    assert "you sent" in result.message
    assert TOKEN not in _everything(result)


def test_minted_jwt_is_redacted_when_echoed(run_scenario: RunScenario) -> None:
    auth = ZgwJwtAuth("client", "jwt-signing-secret-0123456789abcdef")
    result = run_scenario(
        HEAD + "steps:\n  - {name: x, request: {method: GET, path: /echo},"
        " expect: {status: 400, body: [{path: detail, equals: ok}], contract: false}}\n",
        auth=auth,
    )
    assert result.verdict is Verdict.FAIL
    minted = [s for s in auth.secrets() if s.count(".") == 2]
    assert minted, "the provider minted no JWT"
    assert all(jwt not in _everything(result) for jwt in minted)


# -- point 7: paths stay under the API root ------------------------------------------------------------


def test_captured_value_is_quoted_per_segment(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
vars: {sneaky: "../boom"}
steps:
  - name: x
    request: {method: GET, path: "/items/{{ sneaky }}"}
    expect: {status: 404, contract: false}
"""
    )
    assert result.verdict is Verdict.PASS, result.message
    assert result.exchanges[0].url.endswith("/api/items/..%2Fboom")


def test_dot_dot_segment_cannot_leave_the_root(run_scenario: RunScenario) -> None:
    for path in ("/../outside", "/items/{{ up }}/x"):
        result = run_scenario(
            HEAD
            + f"""
vars: {{up: ".."}}
steps:
  - name: x
    request: {{method: GET, path: "{path}"}}
"""
        )
        assert result.verdict is Verdict.ERROR, (path, result.message)
        assert "API root" in result.message
        assert result.exchanges == []
