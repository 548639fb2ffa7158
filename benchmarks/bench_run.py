"""The full default run: wall time, peak RSS, exit code and fuzz cases; and its ``-n 2`` speedup.

    python benchmarks/bench_run.py [--quick]

``klanten-conformance run`` with no target (the embedded reference) and default settings, in a fresh
directory with no ``KLANTEN_CONFORMANCE_*`` variable set. Peak RSS is that of the child process tree
(``wait4``'s ``ru_maxrss``: the largest single process, as ``/usr/bin/time -v`` reports it). The
``-n 2`` row runs the same command with ``-- -n 2`` (pytest-xdist; ``run`` adds ``--dist=loadfile``)
and reports parallel / serial wall (the speedup, its inverse, is in the note). ``--quick`` runs a
small fuzz budget instead of the default one, so its figures are not judged against the goals.
Figures only, no asserts.
"""

from __future__ import annotations

import functools
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchlib import CLI, ChildRun, Row, at_most, clean_env, fmt_s, ratio, run_child, standalone, warm_up

QUICK_FUZZ = ["--fuzz-budget", "1", "--fuzz-phases", "examples,fuzzing"]


@dataclass(frozen=True)
class DefaultRun:
    child: ChildRun
    exit_code: int | None  # the report's
    fuzz_cases: int | None
    scenarios: int | None


@functools.cache
def default_run(quick: bool, workers: int | None = None) -> DefaultRun:
    """One ``klanten-conformance run`` (cached per process: rows 4 and 5 share the serial run)."""
    warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        command = [CLI, "run", *(QUICK_FUZZ if quick else [])]
        if workers:
            command += ["--", "-n", str(workers)]
        child = run_child(command, env=clean_env(), cwd=Path(tmp))
        report_file = Path(tmp) / "reports" / "conformance-report.json"
        if not report_file.is_file():
            print(child.stdout[-2000:], child.stderr[-2000:])
            return DefaultRun(child, None, None, None)
        report = json.loads(report_file.read_text(encoding="utf-8"))
    fuzz = report.get("sections", {}).get("fuzz") or {}
    return DefaultRun(child, report.get("exit_code"), fuzz.get("cases"), len(report.get("scenarios", [])))


def _judged(quick: bool, met: bool | None) -> bool | None:
    return None if quick else met


def run_rows(quick: bool) -> list[Row]:
    run = default_run(quick)
    what = "quick: fuzz budget 1, examples+fuzzing (not the default run)" if quick else "default settings"
    note = (
        f"{what}; CPU {run.child.cpu_s:.1f} s; exit code {run.child.returncode} (report: {run.exit_code}), "
        f"{run.scenarios} scenarios, {run.fuzz_cases} fuzz cases"
    )
    return [
        Row("full default run, wall", fmt_s(run.child.wall_s), goal="< 10 s",
            met=_judged(quick, at_most(run.child.wall_s, 10.0)), note=note),
        Row("full default run, peak RSS", f"{run.child.peak_rss_mb:.0f} MB", goal="< 200 MB",
            met=_judged(quick, at_most(run.child.peak_rss_mb, 200.0))),
    ]  # fmt: skip


def parallel_rows(quick: bool) -> list[Row]:
    serial = default_run(quick)
    parallel = default_run(quick, workers=2)
    share = ratio(parallel.child.wall_s, serial.child.wall_s)
    speedup = f"speedup {1 / share:.2f}x; " if share else ""
    same = (serial.exit_code, serial.scenarios) == (parallel.exit_code, parallel.scenarios)
    return [
        Row(
            "-n 2 wall (baseline: serial)",
            fmt_s(parallel.child.wall_s),
            fmt_s(serial.child.wall_s),
            share,
            note=f"{speedup}CPU {parallel.child.cpu_s:.1f} s vs {serial.child.cpu_s:.1f} s; "
            f"exit code {parallel.child.returncode} (report: {parallel.exit_code}), "
            f"{parallel.fuzz_cases} fuzz cases, peak RSS {parallel.child.peak_rss_mb:.0f} MB; "
            f"{'same' if same else 'DIFFERENT'} exit code and scenario count as the serial run",
        )
    ]


def rows(quick: bool) -> list[Row]:
    return run_rows(quick) + parallel_rows(quick)


if __name__ == "__main__":
    standalone(rows, __doc__)
