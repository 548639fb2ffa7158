"""The CLI as users run it: golden run, exit codes, help, secrets, serve, validate."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import jsonschema
import pytest

from conformance.cli import build_parser, main
from conformance.config import OPTIONS
from conformance.reference.server import ReferenceServer
from conformance.resources import package_file
from tests.support.toy_server import free_port

GOLDEN = Path(__file__).parent / "golden"
REPORT_SCHEMA = json.loads(package_file("report.schema.json").read_text(encoding="utf-8"))
CLI = [sys.executable, "-m", "conformance"]


def _cli(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLANTEN_CONFORMANCE_")}
    return subprocess.run(
        [*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def _run(tmp_path: Path, *args: str, only: str | None = None) -> subprocess.CompletedProcess[str]:
    """``run`` into ``tmp_path/reports``; ``only`` selects scenarios (pytest ``-k``)."""
    selection = ("--", "-k", only) if only else ()
    return _cli("run", *args, "--report-dir", str(tmp_path / "reports"), *selection, cwd=tmp_path)


def _table(stdout: str) -> str:
    """The per-requirement table without the reason column (which quotes free text)."""
    start = stdout.index("requirement ")
    lines = stdout[start:].splitlines()
    rows = [" ".join(line.split()[:3]) for line in lines if re.match(r"^(KLOK01|CONTRACT|IDENT)-", line)]
    return "\n".join(rows) + "\n"


def test_golden_run_against_the_embedded_reference(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--no-fuzz")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    expected = (GOLDEN / "run-reference-no-fuzz.txt").read_text()
    assert _table(proc.stdout) == expected
    assert "cleanup (scenarios): " in proc.stdout and "FAILED" not in proc.stdout
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    assert report["exit_code"] == 0
    assert report["totals"]["scenarios"].get("fail", 0) == 0
    assert report["cleanup"]["failed"] == 0 and report["cleanup"]["attempted"] > 0
    assert (tmp_path / "reports" / "junit.xml").is_file()
    assert list((tmp_path / "reports" / "allure-results").glob("*-result.json"))
    jsonschema.validate(report, REPORT_SCHEMA)


def test_default_run_fuzzes_too_and_reports_it(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--fuzz-budget", "1", "--fuzz-phases", "examples,coverage", "--seed", "7")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    fuzz = report["sections"]["fuzz"]
    assert fuzz["seed"] == 7 and fuzz["phases"] == ["examples", "coverage"] and fuzz["cases"] > 0
    assert fuzz["cleanup"]["created"] == fuzz["cleanup"]["deleted"] and not fuzz["cleanup"]["failed"]
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert verdicts["CONTRACT-AUTH"] == verdicts["CONTRACT-NEGATIVE-DATA"] == "pass"
    assert "fuzzing: " in proc.stdout and "seed 7" in proc.stdout


def test_token_from_the_command_line_is_in_no_report_file(tmp_path: Path) -> None:
    token = "f00dfeed" * 5
    with ReferenceServer(token=token) as server:
        proc = _run(tmp_path, "--no-fuzz", "--target", server.root_url, "--token", token)
    assert proc.returncode == 0, proc.stdout[-3000:]
    files = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    assert len(files) > 10
    leaking = [p for p in files if token in p.read_text(encoding="utf-8", errors="replace")]
    assert leaking == []
    assert token not in proc.stdout and token not in proc.stderr
    evidence = (tmp_path / "reports" / "evidence").glob("*.json")
    assert any("Token [redacted]" in p.read_text() for p in evidence)


def test_non_conformant_target_exits_1(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--no-fuzz", "--reference-variant", "kvk-unique", only="R5")
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert re.search(r"KLOK01-R5 +MUST +fail", proc.stdout)


def test_unreachable_target_exits_3(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there once the probe socket is closed
    target = f"http://127.0.0.1:{port}/klantinteracties/api/v1"
    proc = _run(tmp_path, "--no-fuzz", "--target", target, "--token", "x" * 40, only="R5")
    assert proc.returncode == 3, proc.stdout[-3000:]


def test_usage_error_exits_2(tmp_path: Path) -> None:
    proc = _cli("run", "--profile", "klanten-v9", "--no-fuzz", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown profile" in proc.stdout + proc.stderr


def test_validate_reports_errors_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.scenario.yaml"
    bad.write_text(
        "id: X\ntitle: t\ndescription: d\nverifies: [KLOK01-R1]\nprofiles: [p]\nlevel: MUST\n"
        "steps:\n  - name: s\n    request: {method: GET, path: /x}\n    expcet: {status: 200}\n"
    )
    proc = _cli("validate", str(bad), cwd=tmp_path)
    assert proc.returncode == 2
    assert f"{bad}:10: unknown key `expcet` in steps.0 (did you mean `expect`?)" in proc.stderr
    proc = _cli("validate", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"\d+ scenario file\(s\), 0 error\(s\)", proc.stdout)


def test_requirements_lists_every_id_with_testability(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["requirements", "--json", "--check"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ids = [r["id"] for r in rows]
    assert [f"KLOK01-R{i}" for i in range(1, 15)] == [i for i in ids if i.startswith("KLOK01-")]
    assert all(r["testability"] in {"tested", "proxy", "untestable"} for r in rows)
    tested = [r for r in rows if r["testability"] != "untestable" and r["verified_by"] == "scenarios"]
    assert all(r["scenarios"] for r in tested)


def test_variants_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["variants", "--json"]) == 0
    variants = json.loads(capsys.readouterr().out)
    names = {v["name"] for v in variants}
    assert "reference" in names and len(names) >= 13
    assert all(set(v) == {"name", "breaks", "description"} for v in variants)


def test_help_documents_every_option() -> None:
    parser = build_parser()
    run_help = parser._subparsers._group_actions[0].choices["run"].format_help()  # type: ignore[union-attr]
    for option in OPTIONS:
        if option.name in {"fuzz", "contract"}:
            continue
        assert option.cli_flag in run_help
    for flag in ("--target", "--no-fuzz", "--no-contract", "exit codes:"):
        assert flag in run_help
    validate_help = parser._subparsers._group_actions[0].choices["validate"].format_help()  # type: ignore[union-attr]
    assert "paths" in validate_help


def test_serve_prints_root_and_token_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--token", "a" * 40],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        root = proc.stdout.readline().split("API root:")[1].strip()
        token = proc.stdout.readline().split("token:")[1].strip()
        assert token == "a" * 40
        response = httpx.get(root + "/partijen", headers={"Authorization": f"Token {token}"}, timeout=10)
        assert response.status_code == 200 and response.json()["count"] == 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_no_credentials_is_inconclusive_exit_4(tmp_path: Path) -> None:
    with ReferenceServer() as server:
        proc = _run(tmp_path, "--no-fuzz", "--target", server.root_url, only="R5")
    assert proc.returncode == 4, proc.stdout[-3000:]
    assert re.search(r"KLOK01-R5 +MUST +inconclusive", proc.stdout)
    assert "needs valid credentials" in proc.stdout


def test_should_only_failure_is_a_warning_exit_0_and_strict_makes_it_exit_1(tmp_path: Path) -> None:
    """bsn-filter-ignored breaks only KLOK01-R11, a SHOULD: a warning, unless --strict."""
    proc = _run(tmp_path, "--no-fuzz", "--reference-variant", "bsn-filter-ignored", only="R11")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert re.search(r"KLOK01-R11 +SHOULD +fail \(warning\)", proc.stdout)
    assert "warnings: 1 SHOULD requirement(s) failed (KLOK01-R11)" in proc.stdout
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    row = next(r for r in report["requirements"] if r["id"] == "KLOK01-R11")
    assert row["verdict"] == "fail" and row["warning"] is True and report["exit_code"] == 0
    assert report["totals"]["warnings"] == 1 and report["strict"] is False

    strict = _run(tmp_path, "--no-fuzz", "--reference-variant", "bsn-filter-ignored", "--strict", only="R11")
    assert strict.returncode == 1, strict.stdout[-3000:]
    assert re.search(r"KLOK01-R11 +SHOULD +fail ", strict.stdout) and "(warning)" not in strict.stdout
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    assert report["exit_code"] == 1 and report["strict"] is True
