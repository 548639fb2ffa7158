"""Served-spec drift: ``spec-diff --against-target`` and the ``spec_drift`` section of a run report,
against the embedded reference (which serves its contract) and a server serving an altered one."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.config import Settings
from conformance.errors import ConfigError
from conformance.profiles import load_profile
from conformance.reference.server import ReferenceServer
from conformance.session import RunContext
from conformance.specdiff.drift import drift_section
from conformance.specdiff.load import fetch_url
from tests.specdiff.conftest import altered_contract, serve_spec

PROFILE = load_profile("klantinteracties-v1")


@pytest.fixture(scope="module")
def reference() -> Iterator[ReferenceServer]:
    server = ReferenceServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def altered_target() -> Iterator[str]:
    with serve_spec(altered_contract(PROFILE.spec_path)) as root:
        yield root


def _against(capsys: pytest.CaptureFixture[str], root: str, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["spec-diff", "--against-target", root, "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_the_reference_serves_exactly_its_contract(
    reference: ReferenceServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = _against(capsys, reference.root_url, "--fail-on", "any")
    assert code == 0
    assert data["changes"] == [] and data["new"]["source"] == f"{reference.root_url}/openapi.yaml"
    assert data["impact"]["hits"] == []


def test_an_altered_served_spec_is_reported(altered_target: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _against(capsys, altered_target, "--fail-on", "clients")
    assert code == 1
    changes = {(c["kind"], c["operation"], c["location"], c["field"]): c for c in data["changes"]}
    removed = changes[("operation-removed", "DELETE /partijen/{uuid}", "operation", None)]
    assert removed["breaking"]["clients"] and removed["old_operation_id"] == "partijenDestroy"
    retyped = changes[("type", "GET /partijen/{uuid}", "response 200", "indicatieActief")]
    assert (retyped["old"], retyped["new"]) == (["boolean"], ["string"])
    # every scenario that cleans up a partij calls partijenDestroy
    assert "KI-R9-zelfstandige-minimal" in data["impact"]["scenarios_breaking"]


def test_run_context_records_the_drift_of_the_target(altered_target: str, tmp_path: Path) -> None:
    # A server that serves only a spec fails the preflight: skip it, the drift check is the test here.
    settings = Settings(target_url=altered_target, token="x", report_dir=tmp_path, skip_preflight=True)
    context = RunContext.open(settings)
    try:
        section = context.recorder.sections["spec_drift"]
    finally:
        context.close()
    assert section["checked"] is True and section["identical"] is False
    assert section["served_spec"] == f"{altered_target}/openapi.yaml"
    assert section["missing_operations"] == ["DELETE /partijen/{uuid} (partijenDestroy)"]
    assert section["breaking_for_clients"] >= 2
    assert any(
        b["where"] == "GET /partijen/{uuid} response 200 `indicatieActief`" for b in section["breaking"]
    )


def test_no_served_spec_or_no_target_is_a_note_never_an_error(tmp_path: Path) -> None:
    with serve_spec(b"") as root:
        missing = drift_section(root.replace("/api", "/elsewhere"), PROFILE, PROFILE.spec_path)
        empty = drift_section(root, PROFILE, PROFILE.spec_path)
    assert missing["checked"] is False and missing["note"].endswith(
        "/elsewhere/openapi.yaml answered HTTP 404"
    )
    assert empty["checked"] is False and "not an OpenAPI document" in empty["note"]
    gone = drift_section(root, PROFILE, PROFILE.spec_path, timeout=2)  # the server has stopped
    assert gone["checked"] is False and "cannot fetch" in gone["note"]
    unnamed = drift_section(root, dataclasses.replace(PROFILE, served_spec=None), PROFILE.spec_path)
    assert unnamed["checked"] is False and "names no served spec" in unnamed["note"]


def _run(tmp_path: Path, *args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLANTEN_CONFORMANCE_")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--no-fuzz",
            "--report-dir",
            str(tmp_path / "reports"),
            *args,
            "--",
            "-k",
            "KI-R3-kinds-distinguishable",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert proc.returncode in (1, 4), proc.stdout[-3000:] + proc.stderr[-3000:]  # 4: a partial run
    report: dict[str, Any] = json.loads((tmp_path / "reports" / "conformance-report.json").read_text())
    return report


def test_run_against_the_reference_reports_no_drift(tmp_path: Path) -> None:
    drift = _run(tmp_path)["sections"]["spec_drift"]
    assert drift["checked"] is True and drift["identical"] is True


def test_run_with_a_new_spec_shows_how_the_scenario_fares_and_the_drift(tmp_path: Path) -> None:
    new_spec = tmp_path / "new.yaml"
    new_spec.write_bytes(altered_contract(PROFILE.spec_path, drop_destroy=False))
    report = _run(tmp_path, "--spec", str(new_spec))
    # under the new contract the reference's boolean indicatieActief is a contract failure
    schema = next(r for r in report["requirements"] if r["id"] == "CONTRACT-SCHEMA")
    assert schema["verdict"] == "fail"
    assert any("indicatieActief" in f["message"] for f in report["contract_findings"])
    drift = report["sections"]["spec_drift"]
    assert drift["checked"] is True and drift["identical"] is False
    assert drift["contract"] == str(new_spec)
    assert any(b["where"].endswith("`indicatieActief`") and b["kind"] == "type" for b in drift["breaking"])


def test_an_oversized_served_spec_is_refused() -> None:
    with (
        serve_spec(b"x" * 4096) as root,
        pytest.raises(ConfigError, match=r"openapi\.yaml is larger than 1000 bytes"),
    ):
        fetch_url(f"{root}/openapi.yaml", max_bytes=1000)


def test_against_target_reads_the_token_from_the_environment_like_a_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22 item 13: KLANTEN_CONFORMANCE_TOKEN (the run's precedence: CLI > environment) is
    sent when fetching the served spec, not only --token."""
    contract = PROFILE.spec_path.read_bytes()
    with serve_spec(contract, authorization="Token env-secret") as root:
        monkeypatch.delenv("KLANTEN_CONFORMANCE_TOKEN", raising=False)
        assert main(["spec-diff", "--against-target", root, "--no-impact"]) == 2
        assert "HTTP 401" in capsys.readouterr().err
        monkeypatch.setenv("KLANTEN_CONFORMANCE_TOKEN", "env-secret")
        code, data = _against(capsys, root, "--no-impact")
        assert code == 0 and data["changes"] == []
        # the command line still wins over the environment
        assert main(["spec-diff", "--against-target", root, "--no-impact", "--token", "wrong"]) == 2
        assert "HTTP 401" in capsys.readouterr().err
