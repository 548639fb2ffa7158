"""Faulty targets: every fault mode ends in `error` (or `fail` where an answer came back and is
non-conformant), with a one-line reason; never a hang, never a traceback.

Each mode runs the CLI as users do against ``tests/support/faulty_server.py``. The server answers
the preflight probe correctly, then misbehaves, so the scenarios meet the fault (the preflight's
own handling of each fault is tested in ``test_preflight.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.faulty_server import faulty
from tests.support.toy_server import free_port

CLI = [sys.executable, "-m", "conformance"]
FAST = ("--connect-timeout", "1", "--read-timeout", "1")
# A handful of scenarios that create records (R4 creates and looks up; R7 reads anonymously).
SELECTION = "R4 or R7"

# mode -> (may a requirement be `fail`?, a word every error reason of the mode contains)
EXPECTED: dict[str, tuple[bool, str]] = {
    "hang": (False, "timed out"),
    "drip": (False, "deadline"),
    "500": (True, ""),
    "html502": (True, ""),
    "reset": (False, ""),
    "malformed-json": (True, "not JSON"),  # a 200 where 201/401 is due is a real failure
    "huge": (False, "larger than"),
    "redirect-loop": (True, ""),
    "wrong-content-type": (True, ""),
    "silent-after-preflight": (False, "timed out"),
}


def run_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLANTEN_CONFORMANCE_")}
    return subprocess.run(
        [*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def run_against(
    target: str, tmp_path: Path, *extra: str, only: str | None = SELECTION
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    selection = ("--", "-k", only) if only else ()
    proc = run_cli(
        "run",
        "--target-url",
        target,
        "--token",
        "t" * 40,
        "--report-dir",
        str(tmp_path / "reports"),
        *extra,
        *selection,
        cwd=tmp_path,
    )
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output and "\nE   " not in output, output[-3000:]  # no stack trace at all
    report_path = tmp_path / "reports" / "conformance-report.json"
    assert report_path.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc, json.loads(report_path.read_text())


def assert_judged_honestly(report: dict[str, Any], *, may_fail: bool, word: str) -> None:
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    if not may_fail:
        assert "fail" not in verdicts.values(), verdicts
    ran = list(report["scenarios"])
    assert ran, "no scenario was run"
    for scenario in ran:
        # inconclusive: a setup step met the fault (a reply came back, but not the one needed)
        assert scenario["verdict"] in ({"error", "fail", "inconclusive"} if may_fail else {"error"}), scenario
        if scenario["verdict"] == "error":
            first = scenario["message"].splitlines()[0]
            assert first.strip(), scenario
            if word:
                assert word in scenario["message"] or "target stopped answering" in scenario["message"], first
    for row in report["requirements"]:
        assert "\n" not in row["reason"].strip() or row["verdict"] == "fail", row


@pytest.mark.parametrize("mode", list(EXPECTED))
def test_fault_mode_gives_error_or_an_honest_fail(mode: str, tmp_path: Path) -> None:
    may_fail, word = EXPECTED[mode]
    # The drip sends a byte a second: a read timeout well above that, so the overall request
    # deadline (connect + 2 x read) is what ends it, not a read that races the next byte.
    timeouts = ("--connect-timeout", "1", "--read-timeout", "2.5") if mode == "drip" else FAST
    with faulty(mode, pass_preflight=True) as server:
        proc, report = run_against(server.root_url, tmp_path, "--no-fuzz", *timeouts)
    assert proc.returncode in ((1, 3) if may_fail else (3,)), proc.stdout[-3000:]
    assert_judged_honestly(report, may_fail=may_fail, word=word)


def test_closed_port_is_error(tmp_path: Path) -> None:
    target = f"http://127.0.0.1:{free_port()}/klantinteracties/api/v1"
    proc, report = run_against(target, tmp_path, "--no-fuzz", *FAST)
    assert proc.returncode == 3
    assert {r["verdict"] for r in report["requirements"]} <= {"error", "not-applicable"}
    assert "does not answer" in report["sections"]["preflight"]["message"]


def test_tls_failure_is_error(tmp_path: Path) -> None:
    with faulty("500") as server:  # a plain-HTTP server spoken to over TLS: the handshake fails
        target = server.root_url.replace("http://", "https://")
        proc, report = run_against(target, tmp_path, "--no-fuzz", *FAST)
    assert proc.returncode == 3
    assert {r["verdict"] for r in report["requirements"]} <= {"error", "not-applicable"}
    assert "does not answer" in report["sections"]["preflight"]["message"]


def test_silent_target_with_fuzzing_ends_and_the_breaker_opens(tmp_path: Path) -> None:
    """Preflight answered, then silence: a few timeouts, then everything is `error` at once."""
    with faulty("silent-after-preflight") as server:
        proc, report = run_against(
            server.root_url, tmp_path, *FAST, "--fuzz-budget", "1", "--fuzz-phases", "examples", only=None
        )
        sent = len(server.requests)
    assert proc.returncode == 3, proc.stdout[-3000:]
    assert "fail" not in {r["verdict"] for r in report["requirements"]}
    messages = [s["message"] for s in report["scenarios"]]
    assert any("target stopped answering" in m for m in messages), messages[:5]
    # The breaker keeps the run from sending every planned request into the void.
    assert sent < len(report["scenarios"]), sent
