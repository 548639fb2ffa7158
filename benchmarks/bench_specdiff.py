"""Wall time of spec-diff over the published version series: load, diff, impact, render.

    python benchmarks/bench_specdiff.py [--repeat N]

Needs ../shared/specs/upstream beside the project. Prints the median seconds per stage and pair,
plus the cost the served-spec drift check adds when a run opens (the reference serves its contract
byte for byte, so only the fetch and a comparison of bytes remain). Figures only, no asserts.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.profiles import load_profile
from conformance.reference import ReferenceServer
from conformance.specdiff.analysis import profile_impact
from conformance.specdiff.compare import diff_specs
from conformance.specdiff.drift import drift_section
from conformance.specdiff.load import load_spec
from conformance.specdiff.render import to_json, to_markdown

UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "specs" / "upstream"
SERIES = [
    "open-klant-2.0.0-klantinteracties-0.0.3.yaml",
    "open-klant-2.5.0-klantinteracties-0.0.4.yaml",
    "open-klant-2.10.0-klantinteracties-0.2.1.yaml",
    "open-klant-2.15.0-klantinteracties-0.6.0.yaml",
    "open-klant-2.18-klantinteracties-0.9.0.yaml",
]


def _median(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _pair(old_name: str, new_name: str, repeat: int) -> str:
    profile = load_profile("klantinteracties-v1")
    load_s, (old, new) = _median(
        repeat, lambda: (load_spec(UPSTREAM / old_name), load_spec(UPSTREAM / new_name))
    )
    diff_s, diff = _median(repeat, lambda: diff_specs(old, new))
    impact_s, impact = _median(repeat, lambda: profile_impact(diff, old, profile))
    render_s, _ = _median(repeat, lambda: (to_json(diff, impact), to_markdown(diff, impact)))
    label = f"{old.version}->{new.version}"
    return f"{label:<14} {load_s:7.3f} {diff_s:7.3f} {impact_s:8.3f} {render_s:8.3f} {len(diff.changes):8d}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'pair':<14} {'load s':>7} {'diff s':>7} {'impact s':>8} {'render s':>8} {'changes':>8}")
    for old_name, new_name in itertools.pairwise(SERIES):
        print(_pair(old_name, new_name, args.repeat))
    profile = load_profile("klantinteracties-v1")
    with ReferenceServer() as server:
        drift_s, section = _median(
            args.repeat * 3, lambda: drift_section(server.root_url, profile, profile.spec_path)
        )
    print(
        f"served-spec drift check at run start (reference, identical={section['identical']}): {drift_s:.3f} s"
    )


if __name__ == "__main__":
    main()
