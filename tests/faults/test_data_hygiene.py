"""Data hygiene: tagged records, cleanup after Ctrl-C, `cleanup --run-id`, unchanged record counts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from conformance.hygiene import data_account, run_tag
from conformance.invariants import INVARIANTS
from conformance.reference.server import ReferenceServer
from conformance.results import CleanupRecord
from tests.faults.conftest import record_counts, run_args
from tests.faults.test_faulty_targets import CLI, run_cli


def test_sigint_mid_run_runs_the_cleanups_and_exits_130(persistent: ReferenceServer, tmp_path: Path) -> None:
    before = record_counts(persistent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLANTEN_CONFORMANCE_")}
    args = run_args(persistent, tmp_path, "--fuzz-budget", "2", "--fuzz-phases", "examples,fuzzing")
    proc = subprocess.Popen(
        [*CLI, *args], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:  # wait until the run has created data
            if record_counts(persistent)["partijen"] > before["partijen"]:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out[-3000:] + err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert record_counts(persistent) == before  # nothing left behind
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    assert report["test_data"]["leaked"] == 0 and report["test_data"]["created"] > 0


def test_cleanup_command_removes_only_the_runs_tagged_records(
    persistent: ReferenceServer, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Token {persistent.token}"}
    before = record_counts(persistent)
    for note in (run_tag("left-behind"), run_tag("left-behind"), run_tag("another-run")):
        body = {"soortPartij": "persoon", "indicatieActief": True, "interneNotitie": note}
        assert httpx.post(f"{persistent.root_url}/partijen", headers=headers, json=body).status_code == 201
    proc = run_cli(
        "cleanup",
        "--target-url",
        persistent.root_url,
        "--token",
        persistent.token,
        "--run-id",
        "left-behind",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 record(s) tagged 'klanten-conformance run left-behind', 2 removed, 0 left" in proc.stdout
    assert record_counts(persistent)["partijen"] == before["partijen"] + 1  # another-run's is kept


def test_a_run_tags_what_it_creates(persistent: ReferenceServer, tmp_path: Path) -> None:
    proc = run_cli(
        *run_args(persistent, tmp_path, "--no-fuzz", "--run-id", "tagcheck"), "--", "-k", "R5", cwd=tmp_path
    )
    assert proc.returncode == 4, proc.stdout[-3000:]  # only R5 selected: a partial run
    evidence = "".join(p.read_text() for p in (tmp_path / "reports" / "evidence").glob("*.json"))
    assert '"interneNotitie": "klanten-conformance run tagcheck"' in evidence
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    data = report["test_data"]
    assert data["created"] == data["deleted"] > 0 and data["leaked"] == 0 and data["leaked_urls"] == []
    assert data["tagging"]["tagged"] == "/partijen (interneNotitie)" and data["tagging"]["not_tagged"]


def test_data_account_lists_leaked_urls() -> None:
    records = [
        CleanupRecord("a", 204, True, url="http://t/partijen/1"),
        CleanupRecord("b", 500, False, "boom", url="http://t/partijen/2"),
    ]
    fuzz = {
        "created": 3,
        "deleted": 2,
        "failed": [{"description": "DELETE http://t/x/9", "url": "http://t/x/9"}],
    }
    account = data_account(records, fuzz, None)
    assert account["created"] == 5 and account["deleted"] == 3 and account["leaked"] == 2
    assert account["leaked_urls"] == ["http://t/partijen/2", "http://t/x/9"]


def test_read_only_creates_nothing_and_names_what_it_could_not_judge(
    persistent: ReferenceServer, tmp_path: Path
) -> None:
    before = record_counts(persistent)
    args = run_args(persistent, tmp_path, "--read-only", "true", "--fuzz-budget", "1")
    proc = run_cli(*args, "--fuzz-phases", "examples,coverage", cwd=tmp_path)
    assert proc.returncode in (0, 4), proc.stdout[-3000:]
    assert record_counts(persistent) == before
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    read_only = report["sections"]["read_only"]
    assert (
        "KI-R4-duplicate-bsn-nested" in read_only["deselected"]
        and "fuzz POST /partijen" in read_only["deselected"]
    )
    assert "fuzz GET /partijen" not in read_only["deselected"]
    assert "KLOK01-R4" in read_only["requirements_not_judged"]
    # The write operations were never fuzzed: no CONTRACT-* requirement passes on the reads alone.
    units = report["sections"]["fuzz"]["units"]
    assert "not selected" in units["POST /partijen"]["skipped"] and units["GET /partijen"]["skipped"] is None
    contract = {r["id"]: r["verdict"] for r in report["requirements"] if r["id"].startswith("CONTRACT-")}
    assert set(contract.values()) == {"not-run"}, contract
    assert set(contract) <= set(read_only["requirements_not_judged"])  # the section says the same
    assert proc.returncode == 4
    assert "not judged: " in proc.stdout
    # No scenario ran; only the invariant layer's read-side invariants did (issue 18: they run under
    # --read-only by design, reading what the target holds), and only they left evidence.
    read_side = {i.id for i in INVARIANTS if i.side == "read"}
    log = {p.stem for p in (tmp_path / "reports" / "evidence").glob("*.json")}
    assert log <= read_side, log
    assert report["test_data"]["created"] == 0
