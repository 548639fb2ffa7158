"""The README works as written (issue 8, point 9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_plain_pytest_of_the_scenarios_works_without_the_dev_extras() -> None:
    # `-p no:timeout` stands in for a `pip install .` without pytest-timeout (a dev extra).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KLANTEN_CONFORMANCE_", "PYTEST_"))}
    proc = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "no:timeout", "-p", "no:cacheprovider",
            "scenarios/klantinteracties-v1", "--target-url", "http://127.0.0.1:9/api", "--collect-only", "-q",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert "Unknown config option" not in proc.stderr + proc.stdout
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "KI-R5-same-rsin" in proc.stdout


def test_readme_warns_about_fuzzing_and_recommends_the_environment_for_the_token() -> None:
    assert "fuzzes by default" in README and "write requests" in README
    assert "--no-fuzz" in README
    assert "KLANTEN_CONFORMANCE_TOKEN" in README and "process list" in README
    assert "exit code is pytest's own" in README
    assert "partial" in README
