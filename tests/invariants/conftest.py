"""Fixtures of the invariant-layer tests: one invariant run against an embedded reference variant."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance.config import Settings
from conformance.invariants import InvariantOutcome, InvariantRun
from conformance.invariants.driver import Budget
from conformance.session import RunContext

Runner = Callable[..., InvariantOutcome]


@pytest.fixture
def run_invariants() -> Iterator[Runner]:
    """``run_invariants(profile, variant, read_only=False, budget=None)``: the layer alone (scenarios
    switched off), the context closed afterwards."""
    opened: list[RunContext] = []

    def run(
        profile: str, variant: str, *, read_only: bool = False, budget: Budget | None = None
    ) -> InvariantOutcome:
        settings = Settings(
            profile=profile,
            reference_variant=variant,
            run_id=f"inv-{profile}-{variant}",
            read_only=read_only,
            skip_preflight=True,
        )
        ctx = RunContext.open(settings)
        opened.append(ctx)
        outcome = InvariantRun.for_context(ctx, budget).execute()
        failed = outcome.section["cleanup"]["failed"]
        assert not failed, f"the invariant run left records behind: {failed}"
        return outcome

    yield run
    for ctx in opened:
        ctx.close()


def failing_requirements(outcome: InvariantOutcome) -> set[str]:
    return {r.verifies[0] for r in outcome.results if r.verdict.value == "fail"}
