"""Every benchmark of issue 14 in one run, printed as one table.

    python benchmarks/run_all.py [--quick] [--only ROW[,ROW]]

Rows (in this order): runner (scenario-runner overhead, in the loop and as a process), fuzz (our
cases/s vs ``st run``), collect (200 generated scenarios plus the spec), run (the full default run:
wall and peak RSS), n2 (the default run with ``-n 2``), scaling (the reference and the suite at
1x/10x/100x stored partijen), help (``klanten-conformance --help``), invariants (the invariant layer's
steps/s and the default run's wall time with it on), catch (the whole kill matrix: every variant in
every profile, default runs), and only when asked (``--only ci``) ci (``.ci/run`` from a clean clone).
Each row's module also runs
alone (``python benchmarks/bench_<name>.py``). Columns: our figure, its baseline, ratio = ours /
baseline, the issue's goal and whether this run met it (a marker, never an assert). The machine is
shared and has 2 cores: compare ratios from one run, not absolute figures between runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import time
from collections.abc import Callable

from benchlib import Row, render

# row name -> (module, function returning that row's lines)
ROWS: dict[str, tuple[str, str]] = {
    "runner": ("bench_runner", "rows"),
    "fuzz": ("bench_fuzz", "rows"),
    "collect": ("bench_collect", "rows"),
    "run": ("bench_run", "run_rows"),
    "n2": ("bench_run", "parallel_rows"),
    "scaling": ("bench_scaling", "rows"),
    "help": ("bench_help", "rows"),
    "invariants": ("bench_invariants", "rows"),
    "catch": ("bench_catch", "rows"),
    # Not in the default selection (a clean clone, a pip install and the whole test suite): --only ci.
    "ci": ("bench_ci", "rows"),
}
DEFAULT_ROWS = [name for name in ROWS if name != "ci"]


def selected(only: str | None) -> list[str]:
    if not only:
        return list(DEFAULT_ROWS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in ROWS]
    if unknown:
        raise SystemExit(f"unknown row(s) {', '.join(unknown)}; choose from {', '.join(ROWS)}")
    return [n for n in ROWS if n in names]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller budgets and fewer repetitions")
    parser.add_argument("--only", metavar="ROW[,ROW]", help=f"rows to run, of: {', '.join(ROWS)}")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="children read and write no bytecode cache (the worst case; default: warm caches)",
    )
    args = parser.parse_args()
    if args.cold:
        os.environ["KC_BENCH_COLD"] = "1"
    names = selected(args.only)
    print(
        f"klanten-conformance benchmarks{' (quick)' if args.quick else ''}: {', '.join(names)}; "
        f"bytecode caches {'off (--cold)' if args.cold else 'warm'}; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}",
        flush=True,
    )
    rows: list[Row] = []
    started = time.perf_counter()
    for name in names:
        module, function = ROWS[name]
        measure: Callable[[bool], list[Row]] = getattr(importlib.import_module(module), function)
        begun = time.perf_counter()
        print(f"  {name} ...", end="", flush=True)
        rows += measure(args.quick)
        print(f" {time.perf_counter() - begun:.0f} s", flush=True)
    print()
    print(render(rows))
    print(f"\n(benchmarks took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
