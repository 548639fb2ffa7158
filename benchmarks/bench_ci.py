"""The project's own CI: ``.ci/run`` from a clean clone, as a pipeline runs it.

    python benchmarks/bench_ci.py            # about 5 minutes on 2 cores; not in run_all's default rows

``git clone`` of this checkout's committed HEAD into a temporary directory with ``shared`` (the
read-only sources the tests use) linked beside it, then ``.ci/run`` there: a new virtualenv, ``pip
install -e '.[dev]'`` (from the package index or pip's cache) and ``pytest`` (parallel by default:
``tests/conftest.py``). The figure is the whole command's wall time; the note has its CPU time (user +
sys of every process, the steadier figure on a shared machine), the exit code and pytest's last
line. Figures only, no asserts.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from benchlib import Row, at_most, fmt_s, run_child, standalone

ROOT = Path(__file__).resolve().parent.parent


def rows(quick: bool) -> list[Row]:
    del quick  # the CI command has one size
    shared = (ROOT.parent / "shared").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "klanten-conformance"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        if shared.is_dir():
            os.symlink(shared, Path(tmp) / "shared")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KLANTEN_CONFORMANCE_", "PYTEST_"))}
        child = run_child([str(clone / ".ci" / "run")], env=env, cwd=clone)
    last = next((line for line in reversed(child.stdout.splitlines()) if line.strip()), "")
    note = (
        f"clean clone of HEAD, venv + pip install + pytest; CPU {child.cpu_s:.0f} s; exit code "
        f"{child.returncode}; {last.strip('= ')}"
        + ("" if shared.is_dir() else "; ../shared absent: the tests that need it skipped")
    )
    return [Row(".ci/run wall (clean clone)", fmt_s(child.wall_s), goal="< 5 min",
                met=at_most(child.wall_s, 300.0), note=note)]  # fmt: skip


if __name__ == "__main__":
    standalone(rows, __doc__)
