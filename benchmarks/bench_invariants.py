"""The invariant layer: steps per second against the reference, and the default run's wall time
with the layer on (issue 18).

    python benchmarks/bench_invariants.py [--quick]

The first rows run the layer alone, in process, against the embedded reference of each profile with
its default budget (steps bound the run; seconds only cap a slow target): steps, requests, steps/s
and the route coverage reached. The last row is the full default ``klanten-conformance run`` (the
layer included, as shipped) and its report's ``invariants`` share. Figures only, no asserts.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from benchlib import CLI, Row, at_most, clean_env, fmt_s, run_child, standalone, warm_up

from conformance.config import Settings
from conformance.invariants import InvariantRun
from conformance.invariants.driver import Budget
from conformance.session import RunContext


def _layer(profile: str, quick: bool) -> Row:
    ctx = RunContext.open(Settings(profile=profile, run_id=f"bench-{profile}", skip_preflight=True))
    try:
        budget = Budget(max_steps=150) if quick else Budget()
        began = time.perf_counter()
        section = InvariantRun.for_context(ctx, budget).execute().section
        wall = time.perf_counter() - began
    finally:
        ctx.close()
    rate = section["steps"] / wall if wall else 0.0
    note = (
        f"{section['sequences']} sequences, {section['steps']} steps, {section['requests']} requests in "
        f"{fmt_s(wall)}; route coverage {section['coverage']['percent']}% of "
        f"{section['coverage']['declared']} "
        f"declared cells{'; quick: 150 steps' if quick else ''}"
    )
    return Row(f"invariant steps/s ({profile})", f"{rate:.0f}/s", note=note)


def rows(quick: bool) -> list[Row]:
    warm_up()
    out = [_layer("klantinteracties-v1", quick), _layer("klanten-v1", quick)]
    command = [CLI, "run", *(["--fuzz-budget", "1", "--fuzz-phases", "examples,fuzzing"] if quick else [])]
    with tempfile.TemporaryDirectory() as tmp:
        child = run_child(command, env=clean_env(), cwd=Path(tmp))
        report_file = Path(tmp) / "reports" / "conformance-report.json"
        section = {}
        if report_file.is_file():
            section = (
                json.loads(report_file.read_text(encoding="utf-8")).get("sections", {}).get("invariants")
                or {}
            )
    share = (
        f"invariants {section.get('seconds', '?')} s of it, {section.get('steps', '?')} steps"
        if section
        else "no report"
    )
    out.append(
        Row(
            "default run with the invariant layer, wall",
            fmt_s(child.wall_s),
            goal="< 20 s",
            met=None if quick else at_most(child.wall_s, 20.0),
            note=f"{share}; exit code {child.returncode}" + ("; quick fuzz budget" if quick else ""),
        )
    )
    return out


if __name__ == "__main__":
    standalone(rows, __doc__)
