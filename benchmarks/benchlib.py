"""Shared pieces of the benchmarks: one row of the table, child processes with their peak RSS.

A benchmark module exposes ``rows(quick: bool) -> list[Row]`` and a ``main`` that prints its rows
alone; ``run_all.py`` prints every module's rows as one table. Figures only, never asserts: a goal
that is missed is a marker in the table, not an error.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
CLI = str(Path(sys.executable).with_name("klanten-conformance"))


@dataclass(frozen=True)
class Row:
    """One line of the table: our figure beside its baseline, their ratio and the issue's goal."""

    metric: str
    ours: str
    baseline: str = "-"
    ratio: float | None = None
    goal: str = "-"
    met: bool | None = None  # None: no goal, or nothing to judge it by
    note: str = ""


def at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def at_least(value: float | None, limit: float) -> bool | None:
    return None if value is None else value >= limit


def ratio(ours: float, baseline: float) -> float | None:
    return ours / baseline if baseline > 0 else None


def median_of(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# Bytecode caches. Python writes ``__pycache__`` and pytest its assertion-rewrite caches on first use;
# an environment with PYTHONDONTWRITEBYTECODE=1 (this project's sandbox) writes none, so every process
# compiles every module again (about 3 s of CPU for a run). By default the children measure the
# normal, warm state: the variable is dropped and ``warm_up`` runs the suite once. KC_BENCH_COLD=1
# (``run_all.py --cold``) measures the worst case instead: no cache is read or written.
def cold() -> bool:
    return os.environ.get("KC_BENCH_COLD") == "1"


_NO_CACHE = Path(tempfile.gettempdir()) / "kc-bench-empty-pycache"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a measured child: no ``KLANTEN_CONFORMANCE_*`` setting of the caller, the
    bytecode-cache policy above, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLANTEN_CONFORMANCE_")}
    if cold():
        _NO_CACHE.mkdir(exist_ok=True)
        env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=str(_NO_CACHE))
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


@functools.cache
def warm_up() -> None:
    """One ``run --no-fuzz`` before anything is measured, so bytecode caches exist (not when cold)."""
    if cold():
        return
    with tempfile.TemporaryDirectory() as tmp:
        run_child([CLI, "run", "--no-fuzz", "--", "-q"], env=clean_env(), cwd=Path(tmp))


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: exit code, wall time, CPU time and peak RSS of its process tree."""

    returncode: int
    wall_s: float
    cpu_s: float  # user + system of the child and its reaped descendants: less noisy than wall
    peak_rss_mb: float
    stdout: str
    stderr: str


# Starts the measured command and reports its rusage. Linux records a process's high-water RSS at
# exec, so a child forked (or vforked) from this benchmark process would report *our* peak (300 MB
# once the in-process rows have run) as its own: the command is therefore started by this small
# launcher (no site import, a few MB, like /usr/bin/time), whose child starts clean.
_LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
figures = {"wall": time.perf_counter() - started, "code": os.waitstatus_to_exitcode(status),
           "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}
with open(sys.argv[1], "w") as out:
    json.dump(figures, out)
"""


def run_child(
    command: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> ChildRun:
    """Run ``command`` to its end through the launcher above; wall, CPU and peak RSS are its own.

    The peak RSS is ``wait4``'s ``ru_maxrss``: on Linux the largest resident set of the command or
    of any descendant it reaped (pytest-xdist workers included), the figure ``/usr/bin/time -v``
    prints as "Maximum resident set size".
    """
    with tempfile.TemporaryDirectory() as tmp:
        figures_file, out_file, err_file = (Path(tmp) / name for name in ("figures", "out", "err"))
        with out_file.open("wb") as out, err_file.open("wb") as err:
            launcher = [PYTHON, "-S", "-c", _LAUNCHER, str(figures_file), *command]
            environment = dict(env or os.environ)
            subprocess.run(launcher, env=environment, cwd=cwd, stdout=out, stderr=err, check=False)
        figures = json.loads(figures_file.read_text())
        return ChildRun(
            returncode=figures["code"],
            wall_s=figures["wall"],
            cpu_s=figures["cpu"],
            peak_rss_mb=figures["maxrss_kb"] / 1024,
            stdout=out_file.read_text(errors="replace"),
            stderr=err_file.read_text(errors="replace"),
        )


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 1 else f"{seconds:.2f} s"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _met(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def render(rows: Sequence[Row]) -> str:
    """The table, one row per metric, columns side by side; notes listed under it."""
    head = ("metric", "ours", "baseline", "ratio", "goal", "met")
    cells = [(r.metric, r.ours, r.baseline, fmt_ratio(r.ratio), r.goal, _met(r.met)) for r in rows]
    widths = [max(len(str(c[i])) for c in [head, *cells]) for i in range(len(head))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*head), line.format(*("-" * w for w in widths))]
    out += [line.format(*c) for c in cells]
    notes = [f"  {r.metric}: {r.note}" for r in rows if r.note]
    if notes:
        out += ["", "notes:", *notes]
    return "\n".join(out)


def standalone(rows: Callable[[bool], list[Row]], description: str | None) -> None:
    """``main`` of a benchmark module: ``--quick``, then its rows as a table."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a smaller, faster variant")
    args = parser.parse_args()
    print(render(rows(args.quick)))


@dataclass(frozen=True)
class Served:
    """A reference server in its own process (``klanten-conformance serve``)."""

    root_url: str
    token: str
    site: str


@contextlib.contextmanager
def served_reference(db: Path | None = None) -> Iterator[Served]:
    """A fresh reference in a separate process, so a client measured in this process does not share
    its interpreter (and GIL) with the server; its token is read from its output, never put in argv.
    ``db``: serve this SQLite file (e.g. a pre-seeded one) instead of a new temporary one."""
    command = [CLI, "serve", "--port", "0", *(["--db", str(db)] if db else [])]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=clean_env()
    )
    try:
        assert proc.stdout is not None
        found: dict[str, str] = {}
        for line in proc.stdout:
            key, _, value = line.partition(":")
            if key in ("API root", "token"):
                found[key] = value.strip()
            if len(found) == 2:
                break
        if len(found) != 2:
            raise RuntimeError("klanten-conformance serve did not print its root and token")
        root = found["API root"]
        parts = urlsplit(root)
        yield Served(root_url=root, token=found["token"], site=f"{parts.scheme}://{parts.netloc}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
