"""One schemathesis engine run for every operation, split into one outcome per operation."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from conformance.errors import TargetError, ToolError
from conformance.fuzz import FuzzOptions, engine
from conformance.fuzz.engine import EngineRun, Exchange
from conformance.fuzz.findings import RawFailure

PHASES = ("examples", "coverage", "fuzzing")


def _exchange(operation: str, phase: str = "fuzzing", status: int = 400) -> Exchange:
    method, _ = operation.split(" ", 1)
    return Exchange(phase, operation, method, "http://x/partijen", {}, None, status, {}, None)


def _failure(operation: str) -> RawFailure:
    return RawFailure("not_a_server_error", operation, "", "Server error", "", "curl", "case-1", 500)


def _run(**overrides: Any) -> EngineRun:
    run = EngineRun(
        exchanges=[_exchange("GET /partijen"), _exchange("POST /partijen"), _exchange("POST /partijen")],
        failures=[_failure("POST /partijen")],
        operation_checks={
            "GET /partijen": {"status_code_conformance"},
            "POST /partijen": {"not_a_server_error"},
        },
        operation_cases=Counter({"GET /partijen": 1, "POST /partijen": 2}),
        operation_seconds={"GET /partijen": 0.5, "POST /partijen": 1.5},
        operation_phases={"GET /partijen": set(PHASES), "POST /partijen": set(PHASES)},
    )
    run.add_error(TargetError("POST /partijen: Network Error"), "POST /partijen")
    run.add_error(ToolError("schemathesis crashed"))  # no operation: it concerns every part
    for name, value in overrides.items():
        setattr(run, name, value)
    return run


def test_a_part_holds_only_its_own_operation() -> None:
    run = _run()
    get, post = run.part("GET /partijen", PHASES), run.part("POST /partijen", PHASES)
    assert [e.operation for e in get.exchanges] == ["GET /partijen"]
    assert len(post.exchanges) == 2 and post.cases == 2 and get.cases == 1
    assert get.failures == [] and [f.operation for f in post.failures] == ["POST /partijen"]
    assert get.checks_ran == {"status_code_conformance"} and post.checks_ran == {"not_a_server_error"}
    assert [str(e) for e in get.errors] == ["schemathesis crashed"]
    assert sorted(str(e) for e in post.errors) == ["POST /partijen: Network Error", "schemathesis crashed"]
    assert get.operation_seconds == {"GET /partijen": 0.5}
    assert not get.stopped_by_timer and not post.stopped_by_timer


def test_after_the_timer_only_operations_it_interrupted_or_did_not_finish_read_as_cut() -> None:
    run = _run(
        stopped_by_timer=True,
        operation_cut={"POST /partijen"},
        operation_phases={
            "GET /partijen": set(PHASES),
            "POST /partijen": set(PHASES),
            "GET /x": {"examples"},
        },
    )
    assert not run.part("GET /partijen", PHASES).stopped_by_timer  # finished before the timer
    assert run.part("POST /partijen", PHASES).stopped_by_timer  # its scenario was wound down
    assert run.part("GET /x", PHASES).stopped_by_timer  # coverage and fuzzing never reached it
    assert run.started("GET /x") and not run.started("DELETE /x")


def test_by_default_put_and_patch_of_one_resource_skip_the_coverage_phase() -> None:
    def coverage_enabled(options: FuzzOptions) -> dict[str, bool]:
        config = options.schemathesis_config(base_url="http://x", headers={}, phases=PHASES)
        schema = engine.load_schema(_spec(), config)
        project = schema.config
        return {
            op.label: project.phases_for(operation=op_result.ok()).coverage.enabled
            for op_result in schema.get_all_operations()
            for op in [op_result.ok()]
        }

    default = coverage_enabled(FuzzOptions())
    assert default["POST /partijen"] and default["GET /partijen"] and default["GET /partijen/{uuid}"]
    assert default["DELETE /partijen/{uuid}"]
    assert not default["PUT /partijen/{uuid}"] and not default["PATCH /betrokkenen/{uuid}"]
    assert all(coverage_enabled(FuzzOptions(coverage_updates=True)).values())


def _spec() -> Any:
    from conformance.resources import specs_dir

    return specs_dir() / "klantinteracties-v1" / "openapi.yaml"


def test_one_engine_run_covers_every_operation_and_splits_by_operation(
    fuzz_run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    real = engine.execute

    def counting(schema: Any, *, time_left: float) -> EngineRun:
        calls.append(time_left)
        return real(schema, time_left=time_left)

    monkeypatch.setattr(engine, "execute", counting)
    run = fuzz_run(fuzz_phases="examples,fuzzing", fuzz_budget=1)
    operations = [u for u in run.session.units() if u != "auth"]
    assert len(operations) == 30 and len(calls) == 1  # thirty operations, one engine run
    sent = Counter(e.operation for e in run.session.log.entries)
    for label in operations:
        outcome = run.session.outcomes[label]
        assert outcome.requests == sent[label] > 0, label
        assert outcome.skipped is None and outcome.error is None and outcome.checked, label


def test_the_engine_run_covers_only_the_expected_operations(fuzz_run: Any) -> None:
    # What pytest deselected (-k, --read-only) must never be sent: the run is limited to what is expected.
    run = fuzz_run(fuzz_phases="examples,fuzzing", fuzz_budget=2, finish=False)
    run.session.expect(["GET /partijen", "GET /betrokkenen"])
    run.session.run_unit("GET /partijen")
    assert {e.operation for e in run.session.log.entries} == {"GET /partijen", "GET /betrokkenen"}
    assert set(run.session.outcomes) == {"GET /partijen", "GET /betrokkenen"}
    assert {e.method for e in run.session.log.entries} == {"GET"}
    run.session.finish()
