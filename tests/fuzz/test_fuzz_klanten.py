"""Fuzzing the reference's legacy Klanten API: it gets past validation, creates klanten, cleans up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from conformance.auth import AuthMode
from conformance.config import Settings
from conformance.fuzz import FuzzSession, engine
from conformance.profiles import Profile, load_profile
from conformance.session import RunContext

# Load the hinted contract once at collection, before a pytester run (tests/fuzz/test_fuzz_items)
# snapshots and restores sys.modules: schemathesis modules first imported inside it would be
# imported twice, and the engine's isinstance checks on events would then see no event at all.
_LEGACY = load_profile("klanten-v1")
engine.load_schema(_LEGACY.spec_path, {}, dict(_LEGACY.fuzz_formats))


@pytest.fixture
def legacy_ctx() -> Iterator[RunContext]:
    settings = Settings(
        profile="klanten-v1",
        run_id="fuzz-klanten",
        fuzz=True,
        fuzz_budget=10,
        fuzz_max_time=180.0,
        fuzz_phases="examples,fuzzing",
    )
    ctx = RunContext.open(settings)
    try:
        yield ctx
    finally:
        ctx.close()


def _klanten(ctx: RunContext) -> int:
    headers = ctx.auth.headers(AuthMode.DEFAULT)
    return int(httpx.get(f"{ctx.target_url}/klanten", headers=headers, timeout=10).json()["count"])


def _fuzz_creates(ctx: RunContext) -> FuzzSession:
    session = FuzzSession(ctx)
    session.run_unit("POST /klanten")
    return session


def test_fuzzing_creates_klanten_and_cleans_them_up(legacy_ctx: RunContext) -> None:
    session = _fuzz_creates(legacy_ctx)
    outcome = session.outcomes["POST /klanten"]
    assert outcome.error is None
    created = legacy_ctx.server is not None and _klanten(legacy_ctx)
    report = session.finish()
    assert report.created >= 3 and created == report.created, report.to_dict()
    assert report.deleted == report.created and not report.failed
    assert _klanten(legacy_ctx) == 0
    share = outcome.share_2xx("fuzzing")
    assert share is not None and share >= 0.3, outcome.statuses
    section = legacy_ctx.recorder.sections["fuzz"]
    assert section["units"]["POST /klanten"]["share_2xx_by_phase"]["fuzzing"] == share
    assert not session.findings, [f.message for f in session.findings]


def test_without_identifier_formats_every_generated_create_is_refused(
    legacy_ctx: RunContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The problem the formats solve: a correct server refuses random bronorganisaties (RSIN)."""
    plain: Profile = replace(load_profile("klanten-v1"), fuzz_formats=())
    monkeypatch.setattr(Settings, "load_profile", lambda self: plain)
    session = _fuzz_creates(legacy_ctx)
    outcome = session.outcomes["POST /klanten"]
    assert outcome.share_2xx("fuzzing") is not None and outcome.share_2xx("fuzzing") < 0.2, outcome.statuses
    session.finish()
