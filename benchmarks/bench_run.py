"""The full default run: wall time, peak RSS, exit code and fuzz cases; and its ``-n 2`` speedup.

    python benchmarks/bench_run.py [--quick]

``klanten-conformance run`` with no target (the embedded reference) and default settings, in a fresh
directory with no ``KLANTEN_CONFORMANCE_*`` variable set, then once more in the same directory (which
now holds the ``.hypothesis/`` folder of the first run). Peak RSS is that of the child process tree
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


def _one_run(command: list[str], cwd: Path) -> DefaultRun:
    child = run_child(command, env=clean_env(), cwd=cwd)
    report_file = cwd / "reports" / "conformance-report.json"
    if not report_file.is_file():
        print(child.stdout[-2000:], child.stderr[-2000:])
        return DefaultRun(child, None, None, None)
    report = json.loads(report_file.read_text(encoding="utf-8"))
    fuzz = report.get("sections", {}).get("fuzz") or {}
    return DefaultRun(child, report.get("exit_code"), fuzz.get("cases"), len(report.get("scenarios", [])))


@functools.cache
def default_runs(quick: bool, workers: int | None = None, times: int = 1) -> tuple[DefaultRun, ...]:
    """``times`` runs one after another in one fresh directory (cached per process: rows 4 and 5
    share the serial runs). The first is what a fresh CI checkout pays; a later one finds the
    ``.hypothesis/`` folder the first left behind (Hypothesis caches derived Unicode tables there)."""
    warm_up()
    command = [CLI, "run", *(QUICK_FUZZ if quick else [])]
    if workers:
        command += ["--", "-n", str(workers)]
    with tempfile.TemporaryDirectory() as tmp:
        return tuple(_one_run(command, Path(tmp)) for _ in range(times))


def _judged(quick: bool, met: bool | None) -> bool | None:
    return None if quick else met


def run_rows(quick: bool) -> list[Row]:
    run, again = default_runs(quick, times=2)
    what = "quick: fuzz budget 1, examples+fuzzing (not the default run)" if quick else "default settings"
    note = (
        f"{what}, in a fresh directory; CPU {run.child.cpu_s:.1f} s; exit code {run.child.returncode} "
        f"(report: {run.exit_code}), {run.scenarios} scenarios, {run.fuzz_cases} fuzz cases; a second run "
        f"in the same directory: {fmt_s(again.child.wall_s)}, CPU {again.child.cpu_s:.1f} s"
    )
    cached = "with .hypothesis/ from the first run present: Hypothesis does not rebuild its Unicode tables"
    return [
        Row("full default run, wall", fmt_s(run.child.wall_s), goal="< 10 s",
            met=_judged(quick, at_most(run.child.wall_s, 10.0)), note=note),
        Row("full default run, peak RSS", f"{run.child.peak_rss_mb:.0f} MB", goal="< 200 MB",
            met=_judged(quick, at_most(run.child.peak_rss_mb, 200.0)), note="fresh directory, as in CI"),
        Row("full default run, peak RSS, second run", f"{again.child.peak_rss_mb:.0f} MB", goal="< 200 MB",
            met=_judged(quick, at_most(again.child.peak_rss_mb, 200.0)), note=cached),
    ]  # fmt: skip


def parallel_rows(quick: bool) -> list[Row]:
    serial = default_runs(quick, times=2)[0]
    parallel = default_runs(quick, workers=2)[0]
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
