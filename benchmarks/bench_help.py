"""``klanten-conformance --help`` wall time: the cost of starting the command at all.

    python benchmarks/bench_help.py [--quick]

Median of several runs of ``klanten-conformance --help`` (goal < 0.3 s, met by importing heavy
modules lazily); the baseline is the same interpreter doing nothing (``python -c pass``), so the
ratio shows what the command adds to Python's own start. ``run --help`` is in the note. Figures only.
"""

from __future__ import annotations

from benchlib import (
    CLI,
    PYTHON,
    Row,
    at_most,
    clean_env,
    fmt_s,
    median_of,
    ratio,
    run_child,
    standalone,
    warm_up,
)


def _median_wall(command: list[str], repeats: int) -> float:
    return median_of([run_child(command, env=clean_env()).wall_s for _ in range(repeats)])


def rows(quick: bool) -> list[Row]:
    warm_up()
    repeats = 3 if quick else 7
    _median_wall([CLI, "--help"], 1)  # warm the file cache
    ours = _median_wall([CLI, "--help"], repeats)
    bare = _median_wall([PYTHON, "-c", "pass"], repeats)
    run_help = _median_wall([CLI, "run", "--help"], repeats)
    share = ratio(ours, bare)
    return [
        Row("--help wall", fmt_s(ours), fmt_s(bare), share, "< 0.3 s", at_most(ours, 0.3),
            f"median of {repeats}; baseline `python -c pass`; `run --help` {fmt_s(run_help)}"),
    ]  # fmt: skip


if __name__ == "__main__":
    standalone(rows, __doc__)
