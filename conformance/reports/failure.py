"""Which recorded exchange a failure is about, so every report reproduces the same request."""

from __future__ import annotations

from collections.abc import Sequence

from conformance.evidence import Exchange


def failing_exchange(exchanges: Sequence[Exchange], step: str | None) -> Exchange | None:
    """The last exchange of the failed step; else the last one that is not a cleanup request."""
    if step:
        of_step = [e for e in exchanges if e.step == step]
        if of_step:
            return of_step[-1]
    others = [e for e in exchanges if not e.step.startswith("cleanup ")]
    return others[-1] if others else None
