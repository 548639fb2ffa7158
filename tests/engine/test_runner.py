"""The runner against a small local server: verdicts, captures, cleanups, parallel sets, errors."""

from __future__ import annotations

from conformance.failures import StatusMismatch
from conformance.verdicts import Verdict
from tests.engine.conftest import RunScenario
from tests.support.toy_server import TOKEN, free_port

HEAD = """
id: T-1
title: t
description: d
verifies: [KLOK01-R1]
profiles: [klantinteracties-v1]
level: MUST
"""

CREATE = (
    HEAD
    + """
vars:
  name: "item-{{ gen.uuid }}"
steps:
  - name: create
    request: {operation: itemsCreate, json: {name: "{{ name }}", tags: [a, b]}}
    expect:
      status: 201
      headers: {Location: {matches: "^/api/items/"}}
      body:
        - {path: name, equals: "{{ name }}"}
        - {path: tags, count: 2}
        - {path: tags, contains: b}
        - {path: missing, absent: true}
    capture: {item: uuid}
    cleanup: {operation: itemsDestroy, path_params: {uuid: "{{ item }}"}}
  - name: read back
    request: {operation: itemsRetrieve, path_params: {uuid: "{{ item }}"}}
    expect:
      status: 200
      body: [{path: uuid, equals: "{{ item }}"}]
  - name: lookup
    request: {method: GET, path: /items, query: {name: "{{ name }}"}}
    expect:
      status: 200
      body:
        - {path: count, equals: 1}
        - {path: "results[*].uuid", contains: "{{ item }}"}
"""
)


def _count(run_scenario: RunScenario) -> int:
    result = run_scenario(
        HEAD
        + """
steps:
  - name: count
    request: {method: GET, path: /count}
    expect: {status: 200, contract: false}
    capture: {n: count}
"""
    )
    body = result.exchanges[0].response_body or "{}"
    import json

    return int(json.loads(body)["count"])


def test_passing_scenario_runs_every_step_and_cleans_up(run_scenario: RunScenario) -> None:
    before = _count(run_scenario)
    result = run_scenario(CREATE)
    assert result.verdict is Verdict.PASS, result.message
    assert [e.step for e in result.exchanges][:3] == ["create", "read back", "lookup"]
    assert len(result.cleanups) == 1 and result.cleanups[0].ok
    assert result.contract_findings == []
    assert {"CONTRACT-SCHEMA", "CONTRACT-STATUS"} <= result.contract_checked
    assert _count(run_scenario) == before


def test_expected_201_against_500_is_fail(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
steps:
  - name: create
    request: {method: GET, path: /boom}
    expect: {status: 201}
"""
    )
    assert result.verdict is Verdict.FAIL
    assert isinstance(result.failure, StatusMismatch)
    assert "expected: 201" in result.message and "received: 500" in result.message
    assert any(f.requirement == "CONTRACT-NO-SERVER-ERROR" for f in result.contract_findings)


def test_closed_port_is_error_not_fail(run_scenario: RunScenario) -> None:
    port = free_port()  # nothing listens there once the probe socket is closed
    result = run_scenario(
        HEAD + "steps:\n  - {name: x, request: {method: GET, path: /items}, expect: {status: 200}}\n",
        root=f"http://127.0.0.1:{port}/api",
    )
    assert result.verdict is Verdict.ERROR
    assert "ConnectError" in result.message and "internal error" not in result.message


def test_timeout_is_error(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD + "steps:\n  - {name: x, request: {method: GET, path: /slow}, expect: {status: 200}}\n",
        read_timeout=0.3,
    )
    assert result.verdict is Verdict.ERROR
    assert "timed out" in result.message


def test_oversized_response_is_error(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD + "steps:\n  - {name: x, request: {method: GET, path: /big}, expect: {status: 200}}\n",
        max_response_bytes=10_000,
    )
    assert result.verdict is Verdict.ERROR
    assert "larger than" in result.message


def test_non_json_body_where_json_is_needed_is_error(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
steps:
  - name: x
    request: {method: GET, path: /html}
    expect: {status: 200, body: [{path: a, equals: 1}], contract: false}
"""
    )
    assert result.verdict is Verdict.ERROR
    assert "not JSON" in result.message


def test_failure_still_runs_cleanups_in_reverse_order(run_scenario: RunScenario) -> None:
    before = _count(run_scenario)
    result = run_scenario(
        HEAD
        + """
steps:
  - name: first
    request: {operation: itemsCreate, json: {name: a}}
    capture: {a: uuid}
    cleanup: {operation: itemsDestroy, path_params: {uuid: "{{ a }}"}}
  - name: second, expected to be refused but accepted
    request: {operation: itemsCreate, json: {name: b}}
    expect: {status: [400, 409]}
    capture: {b: uuid}
    cleanup: {operation: itemsDestroy, path_params: {uuid: "{{ b }}"}}
  - name: never reached
    request: {method: GET, path: /items}
"""
    )
    assert result.verdict is Verdict.FAIL
    assert "never reached" not in [e.step for e in result.exchanges]
    assert [c.description.split(":")[0] for c in result.cleanups] == [
        "second, expected to be refused but accepted",
        "first",
    ]
    assert all(c.ok for c in result.cleanups)
    assert _count(run_scenario) == before


def test_parallel_set_counts_statuses(run_scenario: RunScenario) -> None:
    before = _count(run_scenario)
    text = (
        HEAD
        + """
vars: {name: "race-{{ gen.uuid }}"}
steps:
  - name: race
    parallel: 8
    request: {operation: itemsCreate, json: {name: "{{ name }}", unique: true}}
    expect_set:
      each: {status: [201, 400]}
      counts: [{status: "2xx", equals: 1}, {status: 400, equals: 7}]
    capture: {winner: uuid}
    cleanup: {operation: itemsDestroy, path_params: {uuid: "{{ winner }}"}}
"""
    )
    result = run_scenario(text)
    # The toy server's check-then-insert holds a lock, so exactly one wins.
    assert result.verdict is Verdict.PASS, result.message
    assert len(result.cleanups) == 1
    assert _count(run_scenario) == before


def test_parallel_set_failure_cleans_every_created_item(run_scenario: RunScenario) -> None:
    before = _count(run_scenario)
    result = run_scenario(
        HEAD
        + """
steps:
  - name: race without uniqueness
    parallel: 5
    request: {operation: itemsCreate, json: {name: same}}
    expect_set:
      counts: [{status: "2xx", equals: 1}]
    capture: {winner: uuid}
    cleanup: {operation: itemsDestroy, path_params: {uuid: "{{ winner }}"}}
"""
    )
    assert result.verdict is Verdict.FAIL
    assert "exactly 1" in result.message and "received: 5" in result.message
    assert len(result.cleanups) == 5 and all(c.ok for c in result.cleanups)
    assert _count(run_scenario) == before


def test_auth_modes_send_the_right_headers(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
steps:
  - {name: none, request: {method: GET, path: /items, auth: none}, expect: {status: 401, problem: true}}
  - {name: invalid, request: {method: GET, path: /items, auth: invalid}, expect: {status: 401}}
  - {name: scheme, request: {method: GET, path: /items, auth: wrong-scheme}, expect: {status: 401}}
"""
    )
    assert result.verdict is Verdict.PASS, result.message
    sent = [e.request_headers.get("authorization") for e in result.exchanges]
    assert sent == [None, "Token [redacted]", "Bearer [redacted]"]
    assert all(TOKEN not in str(e.to_dict()) for e in result.exchanges)


def test_leak_check_fails_when_a_value_is_disclosed(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
steps:
  - name: create
    request: {operation: itemsCreate, json: {name: secret-name}}
    capture: {item: uuid}
    cleanup: {operation: itemsDestroy, path_params: {uuid: "{{ item }}"}}
  - name: read discloses the name
    request: {operation: itemsRetrieve, path_params: {uuid: "{{ item }}"}}
    expect: {status: 200, body_excludes: ["secret-name"]}
"""
    )
    assert result.verdict is Verdict.FAIL
    assert "discloses" in result.message


def test_capture_of_status_allows_comparing_two_answers(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
steps:
  - name: unknown id
    request: {operation: itemsRetrieve, path_params: {uuid: "{{ gen.uuid }}"}}
    capture: {first: {status: true}}
  - name: list answers differently
    request: {operation: itemsList}
    expect: {status: "{{ first }}"}
"""
    )
    assert result.verdict is Verdict.FAIL
    assert "expected: 404" in result.message


def test_missing_capture_on_success_is_fail(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
steps:
  - name: list has no uuid
    request: {operation: itemsList}
    expect: {status: 200}
    capture: {x: uuid}
"""
    )
    assert result.verdict is Verdict.FAIL
    assert "capture" in result.message


def test_unmet_precondition_is_inconclusive(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD + "requires: [credentials]\nsteps:\n  - {name: x, request: {method: GET, path: /items}}\n",
        token=None,
    )
    assert result.verdict is Verdict.INCONCLUSIVE
    assert result.exchanges == []


def test_other_profile_is_not_applicable(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD.replace("[klantinteracties-v1]", "[klanten-v1]")
        + "steps:\n  - {name: x, request: {method: GET, path: /items}}\n"
    )
    assert result.verdict is Verdict.NOT_APPLICABLE


def test_request_outside_the_target_root_is_refused(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD + "steps:\n  - {name: x, request: {method: GET, path: 'http://example.invalid/x'}}\n"
    )
    assert result.verdict is Verdict.ERROR
    assert "outside the target root" in result.message
    assert result.exchanges == []


def test_failed_setup_step_is_inconclusive_not_fail(run_scenario: RunScenario) -> None:
    result = run_scenario(
        HEAD
        + """
steps:
  - name: create the situation
    setup: true
    request: {method: GET, path: /boom}
    expect: {status: 200}
  - {name: never reached, request: {method: GET, path: /items}}
"""
    )
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "setup step 'create the situation' did not succeed" in result.message
    assert "expected: 200; received: 500" in result.message
    assert "never reached" not in [e.step for e in result.exchanges]
