"""Parallel runs (pytest-xdist): the same verdicts as a serial run, one report with every worker's
results and cleanup counts, one preflight, and nothing left on a persistent target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.reference.server import ReferenceServer
from tests.faults.conftest import record_counts, run_args
from tests.faults.test_faulty_targets import run_cli
from tests.support.faulty_server import faulty

FUZZ = ("--fuzz-budget", "1", "--fuzz-phases", "examples", "--seed", "11")


def _run(server: ReferenceServer, tmp_path: Path, *pytest_args: str) -> dict[str, Any]:
    tmp_path.mkdir()
    proc = run_cli(*run_args(server, tmp_path, *FUZZ), "--", *pytest_args, cwd=tmp_path)
    assert proc.returncode in (1, 4, 5), proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    report: dict[str, Any] = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    return report


def test_xdist_run_equals_serial_run_and_leaves_counts_unchanged(
    persistent: ReferenceServer, tmp_path: Path
) -> None:
    before = record_counts(persistent)
    serial = _run(persistent, tmp_path / "serial")
    assert record_counts(persistent) == before
    parallel = _run(persistent, tmp_path / "parallel", "-n", "2")
    assert record_counts(persistent) == before

    def verdicts(report: dict[str, Any]) -> dict[str, str]:
        return {r["id"]: r["verdict"] for r in report["requirements"]}

    assert verdicts(parallel) == verdicts(serial)
    assert {s["id"]: s["verdict"] for s in parallel["scenarios"]} == {
        s["id"]: s["verdict"] for s in serial["scenarios"]
    }
    # one report with every worker's results, cleanup counts included
    assert len(parallel["scenarios"]) == len(serial["scenarios"]) > 0
    assert parallel["test_data"]["created"] == serial["test_data"]["created"] > 0
    assert parallel["test_data"]["leaked"] == 0 and parallel["cleanup"] == serial["cleanup"]
    assert parallel["sections"]["fuzz"]["cases"] > 0
    assert parallel["sections"]["preflight"]["status"] == "passed"
    evidence = {p.name for p in (tmp_path / "parallel" / "reports" / "evidence").glob("*.json")}
    assert len(evidence) == len(parallel["scenarios"])


def test_xdist_preflight_runs_once_and_its_failure_stops_every_worker(tmp_path: Path) -> None:
    # The probe is answered once, then the server errors: a second (per-worker) probe would fail.
    with faulty("500", pass_preflight=True) as server:
        args = ("--target-url", server.root_url, "--token", "t" * 40, "--no-fuzz")
        run_cli("run", *args, "--report-dir", str(tmp_path / "a"), "--", "-n", "2", "-k", "R5", cwd=tmp_path)
        probes = [r for r in server.requests if r.startswith("GET ") and "/partijen?pageSize=1" in r]
    assert len(probes) == 1, probes
    report = json.loads((tmp_path / "a" / "conformance-report.json").read_text())
    assert report["sections"]["preflight"]["status"] == "passed" and report["scenarios"]

    with faulty("html502") as server:  # fails the preflight: no worker may send anything else
        args = ("--target-url", server.root_url, "--token", "t" * 40, "--no-fuzz")
        proc = run_cli("run", *args, "--report-dir", str(tmp_path / "b"), "--", "-n", "2", cwd=tmp_path)
        sent = list(server.requests)
    assert proc.returncode == 3, proc.stdout[-3000:]
    report = json.loads((tmp_path / "b" / "conformance-report.json").read_text())
    assert {r["verdict"] for r in report["requirements"]} <= {"error", "not-applicable"}
    assert len(sent) == 1, sent  # the controller's probe, nothing from the workers
