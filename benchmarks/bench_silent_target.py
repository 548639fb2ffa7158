"""Wall time of a full `klanten-conformance run` (scenarios and fuzzing, default settings) against
targets that stop answering: silent from the start, and silent after answering the preflight.

Run: .venv/bin/python benchmarks/bench_silent_target.py
Prints seconds per mode, requests the target received and the exit code; no assertions (the goal,
under a minute with default settings, is recorded in docs/faults.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.faulty_server import faulty


def main() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLANTEN_CONFORMANCE_")}
    for mode in ("hang", "silent-after-preflight"):
        with tempfile.TemporaryDirectory() as tmp, faulty(mode) as server:
            started = time.monotonic()
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "conformance",
                    "run",
                    "--target-url",
                    server.root_url,
                    "--token",
                    "t" * 40,
                    "--report-dir",
                    str(Path(tmp) / "r"),
                ],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            took = time.monotonic() - started
            print(
                f"{mode:<24} {took:6.1f} s  exit {proc.returncode}  requests received {len(server.requests)}"
            )


if __name__ == "__main__":
    main()
