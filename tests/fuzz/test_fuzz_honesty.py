"""Fuzzing that could not judge says so: errored or refused units make their requirements ``error``."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.catalogue import load_catalogues
from conformance.errors import TargetError
from conformance.fuzz import AUTH_UNIT, FuzzSession, SimpleContext
from conformance.profiles import load_profile
from conformance.report import RunRecorder, requirement_verdicts
from conformance.verdicts import Verdict
from tests.fuzz.test_fuzz_session import ALL_CONTRACT


def _contract_verdicts(recorder: RunRecorder) -> dict[str, tuple[Verdict, str]]:
    profile = load_profile("klantinteracties-v1")
    rows = requirement_verdicts(load_catalogues(profile.catalogues), profile.name, recorder)
    return {r.requirement.id: (r.verdict, r.reason) for r in rows if r.requirement.id in ALL_CONTRACT}


def _with_run_recorder(run: Any) -> RunRecorder:
    ctx = run.session.ctx
    assert isinstance(ctx, SimpleContext)
    recorder = RunRecorder()
    ctx.recorder = recorder
    return recorder


def test_refused_credentials_make_every_contract_requirement_error(fuzz_run: Any) -> None:
    run = fuzz_run(token="not-the-token-0000", fuzz_phases="fuzzing", finish=False)
    recorder = _with_run_recorder(run)
    session = FuzzSession(run.session.ctx)
    session.run_all()
    verdicts = _contract_verdicts(recorder)
    assert {rid: v for rid, (v, _) in verdicts.items()} == dict.fromkeys(ALL_CONTRACT, Verdict.ERROR)
    assert all("refused" in reason for _, reason in verdicts.values()), verdicts
    assert "not-the-token-0000" not in str(verdicts)


def test_target_dying_mid_fuzz_is_an_error(fuzz_run: Any) -> None:
    run = fuzz_run(fuzz_phases="fuzzing", finish=False)
    recorder = _with_run_recorder(run)
    session = FuzzSession(run.session.ctx)
    assert session.run_unit(AUTH_UNIT).error is None
    run.server.stop()
    outcome = session.run_unit("GET /partijen")
    assert isinstance(outcome.error, TargetError)
    verdicts = _contract_verdicts(recorder)
    assert verdicts["CONTRACT-SCHEMA"][0] is Verdict.ERROR, verdicts
    assert "GET /partijen" in verdicts["CONTRACT-SCHEMA"][1]


def test_unreachable_target_makes_every_contract_requirement_error(fuzz_run: Any) -> None:
    run = fuzz_run(finish=False)
    recorder = _with_run_recorder(run)
    run.server.stop()
    session = FuzzSession(run.session.ctx)
    with pytest.raises(TargetError):
        session.check_reachable()
    verdicts = _contract_verdicts(recorder)
    assert {rid: v for rid, (v, _) in verdicts.items()} == dict.fromkeys(ALL_CONTRACT, Verdict.ERROR)
    assert all("unreachable" in reason for _, reason in verdicts.values())
