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

from conformance.auth import AuthMode, ZgwJwtAuth
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
    rows = [" ".join(line.split()[:3]) for line in lines if re.match(r"^(KLOK01|CONTRACT|IDENT|DEC)-", line)]
    return "\n".join(rows) + "\n"


def test_golden_run_against_the_embedded_reference(tmp_path: Path) -> None:
    # Without fuzzing the CONTRACT-* requirements are not run: a partial run, exit 4, never "conformant".
    proc = _run(tmp_path, "--no-fuzz")
    assert proc.returncode == 4, proc.stdout[-4000:] + proc.stderr[-2000:]
    expected = (GOLDEN / "run-reference-no-fuzz.txt").read_text()
    assert _table(proc.stdout) == expected
    assert "cleanup (scenarios): " in proc.stdout and "FAILED" not in proc.stdout
    assert "PARTIAL RUN" in proc.stdout
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    assert report["exit_code"] == 4 and report["partial"] is True
    assert all(rid.startswith("CONTRACT-") for rid in report["not_run"])
    assert report["totals"]["scenarios"].get("fail", 0) == 0
    assert report["cleanup"]["failed"] == 0 and report["cleanup"]["attempted"] > 0
    assert (tmp_path / "reports" / "junit.xml").is_file()
    assert list((tmp_path / "reports" / "allure-results").glob("*-result.json"))
    jsonschema.validate(report, REPORT_SCHEMA)


def test_default_run_fuzzes_too_and_reports_it(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--fuzz-budget", "1", "--fuzz-phases", "examples,coverage", "--seed", "7")
    # Clean, but fuzzing below the floor: exit 5 "reduced fuzzing", never "conformant".
    assert proc.returncode == 5, proc.stdout[-4000:] + proc.stderr[-2000:]
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    assert report["claim"]["status"] == "reduced fuzzing"
    assert report["sections"]["certification"]["fuzz"]["sources"]["fuzz_budget"] == "cli"
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
    assert proc.returncode == 4, proc.stdout[-3000:]
    files = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    assert len(files) > 10
    leaking = [p for p in files if token in p.read_text(encoding="utf-8", errors="replace")]
    assert leaking == []
    assert token not in proc.stdout and token not in proc.stderr
    evidence = (tmp_path / "reports" / "evidence").glob("*.json")
    assert any("Token [redacted]" in p.read_text() for p in evidence)


def test_one_selected_scenario_is_a_partial_run_exit_4(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--no-fuzz", only="KI-R5-same-rsin")
    assert proc.returncode == 4, proc.stdout[-3000:]
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["partial"] is True and report["exit_code"] == 4
    verdicts = {r["id"]: r for r in report["requirements"]}
    # R5's other scenario was deselected: R5 is not run in full, so it is not a pass.
    assert verdicts["KLOK01-R5"]["verdict"] == "not-run"
    assert "KI-R5-same-kvk-three-partijen (deselected)" in verdicts["KLOK01-R5"]["reason"]
    assert verdicts["KLOK01-R4"]["verdict"] == "not-run"
    assert verdicts["KLOK01-R2"]["verdict"] == "not-tested"  # untestable: kept apart
    assert {"KLOK01-R4", "KLOK01-R5", "CONTRACT-AUTH"} <= set(report["not_run"])
    assert "KLOK01-R2" not in report["not_run"]


@pytest.mark.parametrize("preflight", [True, False], ids=["preflight", "skip-preflight"])
def test_fuzzing_with_a_wrong_token_is_an_error_not_a_pass(tmp_path: Path, preflight: bool) -> None:
    # With the preflight the refused credentials stop the run (inconclusive); without it, fuzzing
    # itself must say that it could not judge (error). Never a pass, always exit 3.
    skip = [] if preflight else ["--skip-preflight"]
    with ReferenceServer() as server:
        proc = _cli(
            "fuzz", "--target", server.root_url, "--token", "wrong-token-0123456789", *skip,
            "--fuzz-phases", "examples", "--report-dir", str(tmp_path / "reports"), cwd=tmp_path,
        )  # fmt: skip
    assert proc.returncode == 3, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    contract = {r["id"]: r for r in report["requirements"] if r["id"].startswith("CONTRACT-")}
    expected = "inconclusive" if preflight else "error"
    assert {r["verdict"] for r in contract.values()} == {expected}, contract
    assert all("refused" in r["reason"] for r in contract.values())
    assert "wrong-token-0123456789" not in proc.stdout + json.dumps(report)


JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def test_klanten_v1_run_is_clean_and_neither_the_jwt_secret_nor_any_jwt_is_written(tmp_path: Path) -> None:
    from conformance.reference.server import JwtClient

    secret = "c0ffee11" * 8
    client = JwtClient("acceptance-client", secret)
    with ReferenceServer(jwt=client) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KLANTEN_CONFORMANCE_")}
        env["KLANTEN_CONFORMANCE_JWT_SECRET"] = secret  # the option table's environment equivalent
        args = ["run", "--profile", "klanten-v1", "--target", server.root_for("klanten")]
        args += [
            "--jwt-client-id",
            client.client_id,
            "--fuzz-budget",
            "2",
            "--fuzz-phases",
            "examples,fuzzing",
        ]
        args += ["--report-dir", str(tmp_path / "reports")]
        proc = subprocess.run(
            [*CLI, *args], cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env, check=False
        )
    assert proc.returncode == 5, proc.stdout[-4000:] + proc.stderr[-2000:]  # reduced fuzzing, else clean
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    assert report["profile"] == "klanten-v1"
    assert report["sections"]["fuzz"]["cleanup"]["created"] > 0
    files = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    outputs = {str(p): p.read_text(encoding="utf-8", errors="replace") for p in files}
    outputs.update(stdout=proc.stdout, stderr=proc.stderr)
    assert [name for name, text in outputs.items() if secret in text] == []
    assert [name for name, text in outputs.items() if JWT.search(text)] == []
    assert any("Bearer [redacted]" in text for name, text in outputs.items() if "evidence" in name)


def test_same_requirement_ids_in_both_profiles_reports(tmp_path: Path) -> None:
    ids = {}
    for profile in ("klantinteracties-v1", "klanten-v1"):
        proc = _cli(
            "run",
            "--profile",
            profile,
            "--no-fuzz",
            "--report-dir",
            str(tmp_path / profile),
            "--",
            "-k",
            "R5",
            cwd=tmp_path,
        )
        assert proc.returncode == 4, proc.stdout[-3000:]  # only R5 selected: a partial run
        report = json.loads((tmp_path / profile / "conformance-report.json").read_text())
        assert report["profile"] == profile
        jsonschema.validate(report, REPORT_SCHEMA)
        ids[profile] = [r["id"] for r in report["requirements"]]
    assert ids["klantinteracties-v1"] == ids["klanten-v1"]


def test_non_conformant_target_exits_1(tmp_path: Path) -> None:
    # An uncontested break (kvk-unique's R5 is contested by the standard's decisions: a warning by
    # default, see tests/cli/test_readings_cli.py).
    proc = _run(tmp_path, "--no-fuzz", "--reference-variant", "bsn-with-kvk", only="R6")
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert re.search(r"KLOK01-R6 +MUST +fail", proc.stdout)


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
    keys = {"name", "breaks", "profiles", "breaks_by_profile", "description"}
    assert all(set(v) == keys for v in variants)
    by_name = {v["name"]: v for v in variants}
    assert by_name["reference"]["profiles"] == ["klantinteracties-v1", "klanten-v1"]
    assert by_name["nnp-filter-ignored"]["breaks_by_profile"] == {"klanten-v1": ["KLOK01-R11"]}
    assert by_name["dup-500"]["breaks_by_profile"]["klanten-v1"] == ["KLOK01-R4", "CONTRACT-NO-SERVER-ERROR"]


def test_requirements_for_klanten_v1_covers_the_same_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["requirements", "--json"]) == 0
    default = json.loads(capsys.readouterr().out)
    assert main(["requirements", "--profile", "klanten-v1", "--json", "--check"]) == 0
    legacy = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in legacy] == [r["id"] for r in default]
    assert all(r["profile"] == "klanten-v1" and r["profile_note"] for r in legacy)
    r6 = next(r for r in legacy if r["id"] == "KLOK01-R6")
    assert r6["scenarios"] and all(s.startswith("KA-R6-") for s in r6["scenarios"])
    assert main(["requirements", "--profile", "klanten-v1"]) == 0
    assert "profile klanten-v1" in capsys.readouterr().out


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
        lines = [proc.stdout.readline() for _ in range(4)]
        legacy_root = lines[1].split("root:")[1].strip()
        client_id = lines[2].split("client_id:")[1].strip()
        secret = lines[3].split("secret:")[1].strip()
        assert legacy_root.endswith("/klanten/api/v1") and client_id == "klanten-conformance" and secret
        legacy = ZgwJwtAuth(client_id, secret).headers(AuthMode.DEFAULT)
        assert httpx.get(legacy_root + "/klanten", headers=legacy, timeout=10).status_code == 200
        assert httpx.get(legacy_root + "/klanten", timeout=10).status_code == 403
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


_HEAD = "id: X\ntitle: t\ndescription: d\nverifies: [KLOK01-R1]\nprofiles: [p]\nlevel: {level}\nsteps:\n"


def _validate_text(
    tmp_path: Path, text: str, *, level: str = "MUST"
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Write one scenario file (head + ``text`` as its steps) and run ``validate`` on it; expect exit 2."""
    bad = tmp_path / "bad.scenario.yaml"
    bad.write_text(_HEAD.format(level=level) + text)
    proc = _cli("validate", str(bad), cwd=tmp_path)
    assert proc.returncode == 2
    return bad, proc


def test_validate_reports_every_error_of_a_file_with_its_line(tmp_path: Path) -> None:
    bad, proc = _validate_text(
        tmp_path,
        "  - name: s\n    request: {method: GET, path: /x}\n    expcet: {status: 200}\n"
        "  - name: t\n    request: {method: GET, path: /y}\n    captrue: {a: b}\n",
        level="MAY",
    )
    lines = proc.stderr.splitlines()
    assert f"{bad}:6: level: 'MAY' is not one of MUST, SHOULD" in proc.stderr
    assert f"{bad}:10: unknown key `expcet` in steps.0 (did you mean `expect`?)" in lines
    assert any(line.startswith(f"{bad}:13: unknown key `captrue` in steps.1") for line in lines)
    assert "1 scenario file(s), 3 error(s)" in proc.stdout


def test_validate_reports_every_undefined_variable(tmp_path: Path) -> None:
    bad, proc = _validate_text(
        tmp_path,
        "  - name: s\n    request: {method: GET, path: '/x/{{ one }}'}\n"
        "  - name: t\n    request: {method: GET, path: '/y/{{ two }}'}\n",
    )
    assert f"{bad}:9: variable `one` is used before it is defined" in proc.stderr
    assert f"{bad}:11: variable `two` is used before it is defined" in proc.stderr


def test_should_only_failure_is_a_warning_exit_0_and_strict_makes_it_exit_1(tmp_path: Path) -> None:
    """bsn-filter-ignored breaks only KLOK01-R11, a SHOULD: a warning, unless --strict."""
    # A whole run (every scenario, a small fuzz budget): a partial run would exit 4 whatever the levels.
    fuzz = ("--fuzz-budget", "1", "--fuzz-phases", "examples,coverage")
    proc = _run(tmp_path, *fuzz, "--reference-variant", "bsn-filter-ignored")
    assert proc.returncode == 5, proc.stdout[-3000:]  # not 1: a warning; 5, not 0: reduced fuzzing
    assert re.search(r"KLOK01-R11 +SHOULD +fail \(warning\)", proc.stdout)
    assert "warnings: 1 SHOULD requirement(s) failed (KLOK01-R11)" in proc.stdout
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    row = next(r for r in report["requirements"] if r["id"] == "KLOK01-R11")
    assert row["verdict"] == "fail" and row["warning"] is True and report["exit_code"] == 5
    assert report["totals"]["warnings"] == 1 and report["strict"] is False

    strict = _run(tmp_path, "--no-fuzz", "--reference-variant", "bsn-filter-ignored", "--strict", only="R11")
    assert strict.returncode == 1, strict.stdout[-3000:]
    assert re.search(r"KLOK01-R11 +SHOULD +fail ", strict.stdout) and "(warning)" not in strict.stdout
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    assert report["exit_code"] == 1 and report["strict"] is True
