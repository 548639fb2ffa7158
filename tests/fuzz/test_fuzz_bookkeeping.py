"""An engine error keeps the bookkeeping (issue 21, cause 6): what was collected before it is
tracked and deleted, and the account says data may have been left instead of "0 leaked"."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.fuzz import engine
from tests.fuzz.conftest import counts


def test_an_engine_error_mid_run_keeps_what_was_collected_and_says_data_may_be_left(
    fuzz_run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = engine._collect_recorder
    calls: list[int] = []

    def collect_then_break(*args: Any) -> None:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("engine broke mid-run")
        original(*args)

    monkeypatch.setattr(engine, "_collect_recorder", collect_then_break)
    run = fuzz_run(finish=False, fuzz_phases="examples,fuzzing")
    before = counts(run.server)
    run.session.expect(["POST /partijen"])
    outcome = run.session.run_unit("POST /partijen")
    cleanup = run.session.finish()
    assert outcome.error is not None and "engine broke mid-run" in str(outcome.error)
    assert cleanup.created > 0 and cleanup.deleted == cleanup.created  # collected before the error
    # The second scenario's creations were never collected: really left, and the account says so.
    assert counts(run.server)["/partijen"] > before["/partijen"]
    left = [r for r in cleanup.failed if "test data may be left" in (r.error or "")]
    assert left and "engine run stopped by an error" in left[0].description
    assert run.section["cleanup"]["failed"]  # the report counts it as possibly leaked, not "0 leaked"
